package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"blog/internal/presence"
	"blog/internal/presence/lanyardtest"
)

// The tests in this file run the real binary against a hostile Lanyard,
// which anyone who can point BLOG_LANYARD_URL at a server of theirs, or
// who sits where Lanyard's answers pass, can play.

// followLanyard starts a node following lanyard and waits until
// /api/presence shows it connected; it returns the node and that answer.
func followLanyard(t *testing.T, lanyard *lanyardtest.Server) (*node, answer) {
	t.Helper()
	n := startNode(t, "BLOG_DISCORD_USER_ID=1234", "BLOG_LANYARD_URL="+lanyard.URL)
	deadline := time.Now().Add(10 * time.Second)
	for {
		a := n.do("GET", "/api/presence", nil)
		if a.status == 200 && strings.Contains(a.body, `"connected":true`) {
			return n, a
		}
		if time.Now().After(deadline) {
			t.Fatalf("/api/presence not connected within 10 s: %d %.200s", a.status, a.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A hello whose heartbeat interval overflows once made a duration used to
// panic in a goroutine and end the whole node, again on every reconnect.
func TestHostileLanyardHeartbeatOverflow(t *testing.T) {
	lanyard := lanyardtest.New(t, time.Second,
		`{"discord_user":{"username":"author"},"discord_status":"dnd","activities":[],"listening_to_spotify":false,"spotify":null}`)
	lanyard.SetHello(`{"op":1,"d":{"heartbeat_interval":9223372036855}}`)
	n, a := followLanyard(t, lanyard)
	if !strings.Contains(a.body, `"status":"dnd"`) {
		t.Fatalf("/api/presence: %s", a.body)
	}
	// The node would have died within moments of the hello; give it a
	// second to, then ask.
	time.Sleep(time.Second)
	if a := n.do("GET", "/health", nil); a.status != 200 {
		t.Fatalf("/health after the hello: %d %s", a.status, a.body)
	}
	if conns, _, subs := lanyard.Stats(); conns != 1 || len(subs) != 1 {
		t.Fatalf("stand-in saw %d connections and subscriptions %v; want one of each", conns, subs)
	}
}

// A presence of about 900 KB reaches /api/presence cut to at most
// presence.MaxJSON bytes, with the status and the first activity.
func TestHostileLanyardHugePresence(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, `{"discord_user":{"username":"%s"},"discord_status":"online","activities":[{"name":"Neovim","type":0}`,
		strings.Repeat("u", 100_000))
	for range 2500 {
		fmt.Fprintf(&b, `,{"name":"%s","type":0,"state":"%s"}`, strings.Repeat("<", 150), strings.Repeat("&", 150))
	}
	fmt.Fprintf(&b, `],"listening_to_spotify":true,"spotify":{"song":"%s","artist":"An Artist"}}`, strings.Repeat("s", 50_000))
	if b.Len() < 900_000 || b.Len() > 1<<20 {
		t.Fatalf("the huge presence is %d bytes", b.Len())
	}
	lanyard := lanyardtest.New(t, time.Second, b.String())
	_, a := followLanyard(t, lanyard)
	if len(a.body) > presence.MaxJSON {
		t.Fatalf("/api/presence answers %d bytes, more than %d", len(a.body), presence.MaxJSON)
	}
	var p presence.Presence
	if err := json.Unmarshal([]byte(a.body), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != "online" || len(p.Activities) == 0 || p.Activities[0].Name != "Neovim" ||
		p.Spotify == nil || p.Spotify.Artist != "An Artist" || !strings.HasPrefix(p.Spotify.Song, "sss") {
		t.Fatalf("/api/presence: %s", a.body)
	}
}
