package main

import (
	"bufio"
	"context"
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
