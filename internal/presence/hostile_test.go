package presence_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"blog/internal/presence"
	"blog/internal/presence/lanyardtest"
)

// The tests in this file play a broken or hostile Lanyard against the
// client: whatever it sends, the node stays up, beats at a sane rate,
// hands on a small presence and keeps its log readable.

// logBuffer is a log the tests can read while the client writes it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// lines counts the lines of the log that contain s.
func (l *logBuffer) lines(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

// follow starts a client of lanyard, stopped at the end of the test.
func follow(t *testing.T, lanyard *lanyardtest.Server, got *published, log *logBuffer, backoff time.Duration) *presence.Client {
	t.Helper()
	cfg := presence.Config{URL: lanyard.URL, UserID: userID, Publish: got.add,
		MinBackoff: backoff, MaxBackoff: 2 * backoff}
	if log != nil {
		cfg.Log = slog.New(slog.NewTextHandler(log, nil))
	}
	c := presence.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

// A hello whose interval overflows time.Duration once made in
// milliseconds crashed the node; now it is clamped and the connection
// goes on.
func TestHugeHeartbeatInterval(t *testing.T) {
	lanyard := lanyardtest.New(t, time.Second, playing)
	lanyard.SetHello(`{"op":1,"d":{"heartbeat_interval":9223372036855}}`)
	var got published
	follow(t, lanyard, &got, nil, 50*time.Millisecond)

	got.wait(t, "online", func(p presence.Presence) bool { return p.Connected && p.Status == "online" })
	lanyard.Update(idle)
	got.wait(t, "idle", func(p presence.Presence) bool { return p.Connected && p.Status == "idle" })
	if conns, beats, subs := lanyard.Stats(); conns != 1 || beats != 0 || len(subs) != 1 {
		t.Fatalf("stand-in saw %d connections, %d heartbeats, subscriptions %v; want one connection, "+
			"no heartbeat yet (the interval is clamped to %v), one subscription", conns, beats, subs, presence.MaxHeartbeat)
	}
}

// A hello asking for a heartbeat every millisecond gets one a second.
func TestTinyHeartbeatInterval(t *testing.T) {
	lanyard := lanyardtest.New(t, time.Second, playing)
	lanyard.SetHello(`{"op":1,"d":{"heartbeat_interval":1}}`)
	var got published
	follow(t, lanyard, &got, nil, 50*time.Millisecond)

	got.wait(t, "online", func(p presence.Presence) bool { return p.Connected })
	_, before, _ := lanyard.Stats()
	time.Sleep(2500 * time.Millisecond)
	_, after, _ := lanyard.Stats()
	if n := after - before; n < 1 || n > 3 {
		t.Fatalf("%d heartbeats in 2.5 s after a hello asking for 1 ms; want one a second", n)
	}
}

// A hello sent again and again is answered with one subscription.
func TestRepeatedHello(t *testing.T) {
	lanyard := lanyardtest.New(t, time.Second, playing)
	var got published
	follow(t, lanyard, &got, nil, 50*time.Millisecond)
	got.wait(t, "online", func(p presence.Presence) bool { return p.Connected })
	for range 1000 {
		lanyard.Send(`{"op":1,"d":{"heartbeat_interval":30000}}`)
	}
	lanyard.Update(idle)
	got.wait(t, "idle", func(p presence.Presence) bool { return p.Status == "idle" })
	if _, _, subs := lanyard.Stats(); len(subs) != 1 {
		t.Fatalf("%d subscriptions after 1,001 hellos on one connection, want 1", len(subs))
	}
}

// hugePresence is a presence of about 900 KB: a long username, thousands
// of activities of long texts that JSON escapes six bytes a character,
// and a Spotify track with a long song and a plain-http album art.
func hugePresence() string {
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	var b strings.Builder
	fmt.Fprintf(&b, `{"discord_user":{"username":"%s"},"discord_status":"online","activities":[`, long("u", 100_000))
	fmt.Fprintf(&b, `{"name":"Neovim","type":0,"state":"%s","details":"%s"}`, long("<", 100_000), long("&", 100_000))
	for range 1300 {
		fmt.Fprintf(&b, `,{"name":"%s","type":0,"state":"%s","details":"%s"}`, long(">", 128), long("<", 128), long("&", 128))
	}
	fmt.Fprintf(&b, `],"listening_to_spotify":true,"spotify":{"song":"%s","artist":"An Artist","album_art_url":"http://i.example/%s","track_id":"%s"}}`,
		long("♫", 20_000), long("x", 1000), long("7", 1000))
	return b.String()
}

// A huge presence is cut to what the sidebar shows before it is handed
// on: at most presence.MaxJSON bytes, and still the status and the first
// activity.
func TestHugePresence(t *testing.T) {
	huge := hugePresence()
	if len(huge) < 900_000 || len(huge) > 1<<20 {
		t.Fatalf("the huge presence is %d bytes", len(huge))
	}
	lanyard := lanyardtest.New(t, time.Second, idle)
	var got published
	follow(t, lanyard, &got, nil, 50*time.Millisecond)
	got.wait(t, "idle", func(p presence.Presence) bool { return p.Status == "idle" })

	lanyard.Update(huge)
	p := got.wait(t, "online", func(p presence.Presence) bool { return p.Status == "online" })
	if n := len(got.longest()); n > presence.MaxJSON {
		t.Fatalf("handed on %d bytes of presence, more than %d", n, presence.MaxJSON)
	}
	if !p.Connected || len(p.Activities) == 0 || p.Activities[0].Name != "Neovim" ||
		!strings.HasPrefix(p.Activities[0].State, "<<<") || !strings.HasPrefix(p.Username, "uuu") ||
		p.Spotify == nil || !strings.HasPrefix(p.Spotify.Song, "♫♫♫") || p.Spotify.Artist != "An Artist" ||
		p.Spotify.AlbumArt != "" || p.Spotify.TrackID != "" {
		t.Fatalf("the huge presence became %+v", p)
	}
	var shape map[string]json.RawMessage
	if err := json.Unmarshal(got.longest(), &shape); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"enabled", "connected", "status", "activities", "spotify"} {
		if _, ok := shape[k]; !ok {
			t.Fatalf("the presence lacks %q: %s", k, got.longest())
		}
	}
}

// 20,000 messages the client cannot use cost the log one line, and the
// connection goes on.
func TestMalformedFlood(t *testing.T) {
	lanyard := lanyardtest.New(t, time.Second, playing)
	var got published
	var log logBuffer
	c := follow(t, lanyard, &got, &log, 50*time.Millisecond)
	got.wait(t, "online", func(p presence.Presence) bool { return p.Connected })

	bad := []string{
		`not json at all`,
		`{"op":0,"t":"PRESENCE_UPDATE","d":`,
		`{"op":0,"t":"PRESENCE_UPDATE","d":[1,2,3]}`,
		`{"op":1,"d":{"heartbeat_interval":"soon"}}`,
		`{"op":1,"d":{}}`,
		`{"op":"hello"}`,
	}
	const flood = 20_000
	for i := range flood {
		lanyard.Send(bad[i%len(bad)])
	}
	lanyard.Update(idle)
	got.wait(t, "idle", func(p presence.Presence) bool { return p.Status == "idle" })

	if n := testutil.ToFloat64(c.Metrics().Skipped); n != flood {
		t.Fatalf("blog_lanyard_skipped_messages_total = %v, want %d", n, flood)
	}
	if n := log.lines("skipped a Lanyard message"); n < 1 || n > 2 {
		t.Fatalf("%d log lines for %d skipped messages; want the first and at most one a minute", n, flood)
	}
	if conns, _, _ := lanyard.Stats(); conns != 1 {
		t.Fatalf("%d connections, want 1", conns)
	}
}

// A Lanyard that hangs up on every connection costs the log one line,
// however fast the client is let to reconnect.
func TestHangUpFlood(t *testing.T) {
	lanyard := lanyardtest.New(t, time.Second, playing)
	lanyard.HangUp(true)
	var got published
	var log logBuffer
	c := follow(t, lanyard, &got, &log, time.Millisecond)

	deadline := time.Now().Add(20 * time.Second)
	for testutil.ToFloat64(c.Metrics().Reconnects) < 100 {
		if time.Now().After(deadline) {
			t.Fatalf("only %v reconnects within 20 s", testutil.ToFloat64(c.Metrics().Reconnects))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := log.lines("Lanyard connection lost"); n < 1 || n > 2 {
		t.Fatalf("%d log lines for 100 lost connections; want the first and at most one a minute", n)
	}

	// Lanyard mends: the client connects and follows again.
	lanyard.HangUp(false)
	got.wait(t, "connected", func(p presence.Presence) bool { return p.Connected })
}
