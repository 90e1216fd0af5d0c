package litefs

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"blog"
)

func TestParsePos(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    Pos
		wantErr bool
	}{
		{"with newline", "00000000000000a1/00000000deadbeef\n", Pos{0xa1, 0xdeadbeef}, false},
		{"without newline", "0000000000000001/ffffffffffffffff", Pos{1, 0xffffffffffffffff}, false},
		{"zero", "0000000000000000/0000000000000000\n", Pos{}, false},
		{"empty", "", Pos{}, true},
		{"only newline", "\n", Pos{}, true},
		{"missing slash", "00000000000000a100000000deadbeef", Pos{}, true},
		{"TXID too short", "a1/00000000deadbeef", Pos{}, true},
		{"checksum too long", "00000000000000a1/00000000deadbeef0", Pos{}, true},
		{"non-hex TXID", "00000000000000g1/00000000deadbeef", Pos{}, true},
		{"non-hex checksum", "00000000000000a1/00000000deadbeez", Pos{}, true},
		{"signed TXID", "+0000000000000a1/00000000deadbeef", Pos{}, true},
		{"two slashes", "00000000000000a1/00000000deadbeef/", Pos{}, true},
		{"two newlines", "00000000000000a1/00000000deadbeef\n\n", Pos{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePos(tt.text)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParsePos(%q) = %+v, want an error", tt.text, got)
				}
				if !strings.Contains(err.Error(), "parse position") {
					t.Errorf("error %q does not say what failed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePos(%q): %v", tt.text, err)
			}
			if got != tt.want {
				t.Errorf("ParsePos(%q) = %+v, want %+v", tt.text, got, tt.want)
			}
			if back := got.String(); back != strings.TrimSuffix(tt.text, "\n") {
				t.Errorf("String() = %q, want %q", back, strings.TrimSuffix(tt.text, "\n"))
			}
		})
	}
}

func TestNodePos(t *testing.T) {
	m := newMount(t, Replica, "p")
	n := NewNode(m.db)

	if p, err := n.Pos(); err != nil || p != (Pos{}) {
		t.Errorf("no position file: Pos() = %+v, %v; want zero, nil", p, err)
	}
	m.setPos(7)
	if p, err := n.Pos(); err != nil || p.TXID != 7 {
		t.Errorf("Pos() = %+v, %v; want TXID 7", p, err)
	}
	m.write(m.db+"-pos", "garbage")
	if _, err := n.Pos(); err == nil || !strings.Contains(err.Error(), "blog.db-pos") {
		t.Errorf("malformed file: Pos() error = %v, want one naming the file", err)
	}
}

func TestWaitForTXID(t *testing.T) {
	t.Run("replica catches up", func(t *testing.T) {
		m := newMount(t, Replica, "p")
		m.setPos(4)
		// Timed from before the clock that moves the position starts, so
		// the bound below holds however the goroutines are scheduled.
		start := time.Now()
		go func() {
			time.Sleep(30 * time.Millisecond)
			m.setPos(5)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := NewNode(m.db).WaitForTXID(ctx, 5); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 30*time.Millisecond || d > time.Second {
			t.Errorf("returned after %s, want soon after 30ms", d)
		}
	})

	t.Run("already there", func(t *testing.T) {
		m := newMount(t, Replica, "p")
		m.setPos(9)
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // needs no time at all
		if err := NewNode(m.db).WaitForTXID(ctx, 5); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("replica stays behind", func(t *testing.T) {
		m := newMount(t, Replica, "p")
		m.setPos(4)
		start := time.Now() // before the deadline's clock starts
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := NewNode(m.db).WaitForTXID(ctx, 5)
		var be *blog.Error
		if !errors.As(err, &be) || be.Code != blog.EUNAVAILABLE {
			t.Fatalf("err = %v, want an unavailable *blog.Error", err)
		}
		if d := time.Since(start); d < 50*time.Millisecond || d > time.Second {
			t.Errorf("gave up after %s, want soon after 50ms", d)
		}
	})

	for _, role := range []Role{Primary, Standalone} {
		t.Run(string(role)+" has everything", func(t *testing.T) {
			m := newMount(t, role, "")
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := NewNode(m.db).WaitForTXID(ctx, 1<<40); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("unreadable position", func(t *testing.T) {
		m := newMount(t, Replica, "p")
		m.write(m.db+"-pos", "nonsense\n")
		err := NewNode(m.db).WaitForTXID(context.Background(), 1)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want a parse error", err)
		}
	})
}
