package main

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"blog/internal/blogtest"
	"blog/internal/presence/lanyardtest"
)

// liveEvents reads a /live stream of the real binary and hands on its
// events as "name data".
func liveEvents(t *testing.T, url string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, res.Header.Get("Content-Type"))
	}
	ch := make(chan string, 64)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		name := ""
		for sc.Scan() {
			switch line := sc.Text(); {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ch <- name + " " + strings.TrimPrefix(line, "data: ")
			}
		}
		close(ch)
	}()
	return ch
}

// waitEvent waits for an event that starts with prefix and contains want.
func waitEvent(t *testing.T, ch <-chan string, prefix, want string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended before %s %s", prefix, want)
			}
			if strings.HasPrefix(ev, prefix+" ") && strings.Contains(ev, want) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event with %s within 10 s", prefix, want)
		}
	}
}

// TestPresenceFromLanyard runs the blog against a Lanyard stand-in: the
// presence reaches /api/presence and open pages, a change is pushed, and a
// dropped connection is said and then mended.
func TestPresenceFromLanyard(t *testing.T) {
	lanyard := lanyardtest.New(t, 200*time.Millisecond,
		`{"discord_user":{"username":"author"},"discord_status":"dnd","activities":[{"name":"Go","type":0}],"listening_to_spotify":false,"spotify":null}`)
	bin := blogtest.Binary(t)
	dir := t.TempDir()
	addr, metricsAddr := freePort(t), freePort(t)
	base := "http://" + addr
	p := start(t, bin, dir, cleanEnv("BLOG_ADDR="+addr, "BLOG_DB="+filepath.Join(dir, "blog.db"),
		"BLOG_METRICS_ADDR="+metricsAddr, "BLOG_DISCORD_USER_ID=1234", "BLOG_LANYARD_URL="+lanyard.URL), "serve")
	waitHealthy(t, base)

	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := send(t, "GET", base+"/api/presence", "", false)
		if code == 200 && strings.Contains(body, `"connected":true`) {
			if !strings.Contains(body, `"status":"dnd"`) || !strings.Contains(body, `"name":"Go"`) || !strings.Contains(body, `"spotify":null`) {
				t.Fatalf("/api/presence: %s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/api/presence not connected within 10 s: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, _, subs := lanyard.Stats(); len(subs) == 0 || subs[0] != "1234" {
		t.Fatalf("subscribed to %v, want BLOG_DISCORD_USER_ID", subs)
	}

	events := liveEvents(t, base+"/live?path=/posts")
	waitEvent(t, events, "viewers", `{"site":1,"page":1}`)
	waitEvent(t, events, "presence", `"status":"dnd"`)
	lanyard.Update(`{"discord_user":{"username":"author"},"discord_status":"online","activities":[],"listening_to_spotify":true,"spotify":{"song":"Song","artist":"Artist"}}`)
	waitEvent(t, events, "presence", `"song":"Song"`)

	lanyard.Drop()
	waitEvent(t, events, "presence", `"connected":false`)
	waitEvent(t, events, "presence", `"connected":true`)
	if _, body := send(t, "GET", "http://"+metricsAddr+"/metrics", "", false); !strings.Contains(body, "blog_lanyard_reconnects_total 1") ||
		!strings.Contains(body, "blog_lanyard_connected 1") || !strings.Contains(body, "blog_live_streams 1") {
		t.Fatalf("metrics lack the live ones:\n%s", grepLines(body, "blog_l"))
	}
	stop(t, p)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestLiveSettings(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := parseConfig("serve", nil, env(map[string]string{}), nil)
	if err != nil || c.GossipAddr != "127.0.0.1:7946" || c.MetricsAddr != "127.0.0.1:9091" || c.LiveMax != 5000 || c.LanyardURL != "wss://api.lanyard.rest/socket" || c.Peers != nil {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = parseConfig("serve", nil, env(map[string]string{"BLOG_PEERS": " a:7946, b.internal ,", "BLOG_FORWARD_SECRET": "s"}), nil)
	if err != nil || len(c.Peers) != 2 || c.Peers[0] != "a:7946" || c.Peers[1] != "b.internal" {
		t.Fatalf("peers: %q, %v", c.Peers, err)
	}
	for _, bad := range []map[string]string{
		{"BLOG_PEERS": "a:7946"}, // gossip unencrypted: refused
		{"BLOG_LIVE_MAX": "0"},
		{"BLOG_LIVE_MAX": "many"},
		{"BLOG_GOSSIP_ADDR": "7946"},
		{"BLOG_METRICS_ADDR": "9091"},
		{"BLOG_DISCORD_USER_ID": "1", "BLOG_LANYARD_URL": "https://api.lanyard.rest"},
	} {
		var name string
		for k := range bad {
			if k != "BLOG_DISCORD_USER_ID" {
				name = k
			}
		}
		_, err := parseConfig("serve", nil, env(bad), nil)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v, want a usage error naming %s", bad, err, name)
		}
	}
}

// The gossip and metrics ports never default to a public interface: the
// blog's own host when it names one, loopback when it names every
// interface or none, the private (6PN) address on Fly.io.
func TestPrivateListenersDefaultToPrivateAddresses(t *testing.T) {
	for _, tc := range []struct {
		env             map[string]string
		gossip, metrics string
	}{
		{map[string]string{}, "127.0.0.1:7946", "127.0.0.1:9091"},
		{map[string]string{"BLOG_ADDR": ":8081"}, "127.0.0.1:7946", "127.0.0.1:9091"},
		{map[string]string{"BLOG_ADDR": "0.0.0.0:8080"}, "127.0.0.1:7946", "127.0.0.1:9091"},
		{map[string]string{"BLOG_ADDR": "[::]:8080"}, "127.0.0.1:7946", "127.0.0.1:9091"},
		{map[string]string{"BLOG_ADDR": "127.0.0.3:8080"}, "127.0.0.3:7946", "127.0.0.3:9091"},
		{map[string]string{"BLOG_ADDR": "[::]:8080", "FLY_APP_NAME": "notes", "FLY_PRIVATE_IP": "fdaa:0:1::3"}, "[fdaa:0:1::3]:7946", "[fdaa:0:1::3]:9091"},
		{map[string]string{"BLOG_ADDR": "[::]:8080", "FLY_APP_NAME": "notes"}, "fly-local-6pn:7946", "fly-local-6pn:9091"},
		{map[string]string{"BLOG_GOSSIP_ADDR": "10.0.0.1:7000", "BLOG_METRICS_ADDR": "10.0.0.1:9000"}, "10.0.0.1:7000", "10.0.0.1:9000"},
	} {
		c, err := parseConfig("serve", nil, func(k string) string { return tc.env[k] }, nil)
		if err != nil || c.GossipAddr != tc.gossip || c.MetricsAddr != tc.metrics {
			t.Errorf("%v: gossip %q, metrics %q, %v; want %q and %q", tc.env, c.GossipAddr, c.MetricsAddr, err, tc.gossip, tc.metrics)
		}
	}
}
