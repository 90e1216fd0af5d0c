package gossip

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"blog/internal/live"
)

// recorder keeps the warnings and errors logged, with their attributes.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	if rec.Level < slog.LevelWarn {
		return nil
	}
	line := rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// Attack: every garbage UDP packet wrote one error line, so anyone who
// reached the port could fill the disk with the log.
func TestGarbagePacketsCannotFloodTheLog(t *testing.T) {
	var rec recorder
	hub := live.NewHub(live.Options{})
	defer hub.Close()
	g, err := Start(Config{Addr: "127.0.0.1:0", Secret: secret, Counts: hub, Log: slog.New(&rec)})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	c, err := net.Dial("udp", g.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const packets = 500
	buf := make([]byte, 200)
	for range packets {
		rand.Read(buf)
		buf[0] = 0 // not a label header: straight to decryption
		c.Write(buf)
		time.Sleep(time.Millisecond) // let them all arrive
	}
	time.Sleep(300 * time.Millisecond)
	lines := rec.all()
	if len(lines) == 0 {
		t.Fatal("garbage packets logged nothing: the test does not reach memberlist")
	}
	if len(lines) > 3 {
		t.Fatalf("%d garbage packets logged %d lines, want at most a few:\n%s", packets, len(lines), strings.Join(lines[:5], "\n"))
	}
}

func TestQuietLogLetsOneLineAMinuteThrough(t *testing.T) {
	var rec recorder
	q := newQuietLog(slog.New(&rec))
	now := time.Unix(1000, 0)
	q.now = func() time.Time { return now }
	w := logWriter{q}
	line := func(from string) {
		w.Write([]byte("[ERR] memberlist: Decrypt packet failed: cipher: message authentication failed from=" + from))
	}
	for i := range 100 {
		line("10.0.0." + padInt(i, 3) + ":7946")
	}
	w.Write([]byte("[WARN] memberlist: Got ping for unexpected node 'x' from=10.0.0.1:7946"))
	w.Write([]byte("[INFO] memberlist: Suspect a has failed, no acks received"))
	if got := rec.all(); len(got) != 2 {
		t.Fatalf("logged %q, want the first of each kind of warning", got)
	}
	now = now.Add(logEvery)
	line("10.0.0.1:7946")
	got := rec.all()
	if len(got) != 3 || !strings.HasSuffix(got[2], "suppressed=99") {
		t.Fatalf("a minute later logged %q, want one line saying 99 were suppressed", got)
	}

	// Lines whose start a peer chooses share one kind once there are many.
	for i := range 10 * maxKinds {
		w.Write([]byte("[WARN] memberlist: Got ping for unexpected node " + strings.Repeat("n", i) + " from=x"))
	}
	if got := len(rec.all()); got > 3+maxKinds+1 {
		t.Fatalf("%d lines of distinct kinds logged %d lines, want at most %d", 10*maxKinds, got-3, maxKinds+1)
	}
}

func TestLineKind(t *testing.T) {
	for line, want := range map[string]string{
		"memberlist: Decrypt packet failed: cipher: message authentication failed from=1.2.3.4:5": "memberlist: Decrypt packet failed",
		"memberlist: failed to receive: encryption is configured from=1.2.3.4:5":                  "memberlist: failed to receive",
		"memberlist: Got ping for unexpected node 'evil' from=1.2.3.4:5":                          "memberlist: Got ping for unexpected node ",
		"memberlist: Remote node state size is (20000000) limit is (20971520)":                    "memberlist: Remote node state size is (",
		"dropped a gossip message": "dropped a gossip message",
	} {
		if got := lineKind([]byte(line)); got != want {
			t.Errorf("kind of %q is %q, want %q", line, got, want)
		}
	}
}
