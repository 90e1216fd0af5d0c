package presence_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"blog/internal/presence"
	"blog/internal/presence/lanyardtest"
)

const (
	userID  = "94490510688792576"
	playing = `{"discord_user":{"username":"author","id":"94490510688792576"},"discord_status":"online",
		"activities":[{"name":"Spotify","type":2,"state":"An Artist"},{"name":"Neovim","type":0,"details":"Editing main.go"}],
		"listening_to_spotify":true,"spotify":{"song":"A Song","artist":"An Artist","album":"An Album","track_id":"t1"}}`
	idle = `{"discord_user":{"username":"author"},"discord_status":"idle","activities":[],"listening_to_spotify":false,"spotify":null}`
)

// published collects what the client hands on.
type published struct {
	mu      sync.Mutex
	all     []presence.Presence
	largest []byte // the longest JSON handed on
}

func (p *published) add(b []byte) {
	var v presence.Presence
	if err := json.Unmarshal(b, &v); err != nil {
		panic(err)
	}
	p.mu.Lock()
	p.all = append(p.all, v)
	if len(b) > len(p.largest) {
		p.largest = append([]byte(nil), b...)
	}
	p.mu.Unlock()
}

// longest is the longest JSON handed on so far.
func (p *published) longest() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.largest
}

// wait waits for a published presence that ok accepts.
func (p *published) wait(t *testing.T, what string, ok func(presence.Presence) bool) presence.Presence {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		for _, v := range p.all {
			if ok(v) {
				p.all = nil
				p.mu.Unlock()
				return v
			}
		}
		p.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no presence published that is %s", what)
	return presence.Presence{}
}

// waitBeats waits until the stand-in has had n heartbeats.
func waitBeats(t *testing.T, lanyard *lanyardtest.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, beats, _ := lanyard.Stats()
		if beats >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d heartbeats within 10 s, want %d", beats, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFollowsLanyard(t *testing.T) {
	lanyard := lanyardtest.New(t, time.Second, playing)
	reg := prometheus.NewRegistry()
	var got published
	c := presence.New(presence.Config{URL: lanyard.URL, UserID: userID, Publish: got.add, Registerer: reg,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)

	p := got.wait(t, "online, playing", func(p presence.Presence) bool { return p.Connected })
	if p.Status != "online" || p.Username != "author" || p.Spotify == nil || p.Spotify.Song != "A Song" ||
		len(p.Activities) != 2 || p.Activities[1].Name != "Neovim" || !p.Enabled {
		t.Fatalf("INIT_STATE gave %+v", p)
	}
	if testutil.ToFloat64(c.Metrics().Connected) != 1 {
		t.Fatal("blog_lanyard_connected is not 1 while connected")
	}
	waitBeats(t, lanyard, 2)
	conns, beats, subs := lanyard.Stats()
	if conns != 1 || len(subs) != 1 || subs[0] != userID {
		t.Fatalf("stand-in saw %d connections, %d heartbeats, subscriptions %v", conns, beats, subs)
	}

	// A message that does not parse is skipped; the connection goes on.
	lanyard.Send(`{"op":0,"t":"PRESENCE_UPDATE","d":`)
	lanyard.Send(`not json at all`)
	lanyard.Update(idle)
	p = got.wait(t, "idle", func(p presence.Presence) bool { return p.Status == "idle" })
	if !p.Connected || p.Spotify != nil || len(p.Activities) != 0 {
		t.Fatalf("PRESENCE_UPDATE gave %+v", p)
	}
	if conns, _, _ := lanyard.Stats(); conns != 1 {
		t.Fatalf("bad messages cost the connection: %d connections", conns)
	}

	// Lanyard drops the connection: the client says so, then reconnects.
	lanyard.Update(playing)
	got.wait(t, "online again", func(p presence.Presence) bool { return p.Status == "online" })
	lanyard.Drop()
	got.wait(t, "disconnected", func(p presence.Presence) bool { return !p.Connected })
	p = got.wait(t, "reconnected", func(p presence.Presence) bool { return p.Connected })
	if p.Status != "online" {
		t.Fatalf("after reconnecting: %+v", p)
	}
	if conns, _, _ := lanyard.Stats(); conns != 2 {
		t.Fatalf("%d connections after one drop, want 2", conns)
	}
	if n := testutil.ToFloat64(c.Metrics().Reconnects); n != 1 {
		t.Fatalf("blog_lanyard_reconnects_total = %v, want 1", n)
	}
	if n, err := testutil.GatherAndCount(reg, "blog_lanyard_connected", "blog_lanyard_reconnects_total"); err != nil || n != 2 {
		t.Fatalf("the registry has %d of the two Lanyard metrics: %v", n, err)
	}
}

func TestLanyardDown(t *testing.T) {
	var got published
	c := presence.New(presence.Config{URL: "ws://127.0.0.1:1/socket", UserID: userID, Publish: got.add,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 40 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	p := got.wait(t, "enabled and disconnected", func(p presence.Presence) bool { return p.Enabled && !p.Connected })
	if p.Status != "offline" || p.Spotify != nil || p.Activities == nil {
		t.Fatalf("while Lanyard is down: %+v", p)
	}
	time.Sleep(300 * time.Millisecond)
	if n := testutil.ToFloat64(c.Metrics().Reconnects); n < 2 {
		t.Fatalf("only %v reconnects in 300 ms with a back-off of 20–40 ms", n)
	}
}
