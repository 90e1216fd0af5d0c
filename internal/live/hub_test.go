package live_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"blog/internal/live"
)

// next waits for the stream to be woken and returns its events by name.
func next(t *testing.T, s *live.Stream) map[string]string {
	t.Helper()
	select {
	case <-s.Wake():
	case <-time.After(5 * time.Second):
		t.Fatal("stream not woken within 5 s")
	}
	got := map[string]string{}
	for _, ev := range s.Next() {
		got[ev.Name] = string(ev.Data)
	}
	return got
}

func TestHubCountsAndLimit(t *testing.T) {
	h := live.NewHub(live.Options{Max: 3})
	defer h.Close()

	a, err := h.Open("/posts/a", "")
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]string{}
	for _, ev := range a.Next() {
		first[ev.Name] = string(ev.Data)
	}
	if first["viewers"] != `{"site":1,"page":1}` {
		t.Fatalf("first events %v, want viewers site 1 page 1", first)
	}
	b, _ := h.Open("/posts/a", "")
	c, _ := h.Open("/posts/b", "")
	if _, err := h.Open("/posts/c", ""); !errors.Is(err, live.ErrFull) {
		t.Fatalf("fourth stream over a limit of 3: err %v, want ErrFull", err)
	}
	if got := h.Counts("/posts/c"); got != (live.Counts{Site: 3, Page: 0}) {
		t.Fatalf("the refused stream was counted: %+v", got)
	}
	if got := next(t, a)["viewers"]; got != `{"site":3,"page":2}` {
		t.Fatalf("a sees %s, want site 3 page 2", got)
	}
	b.Close()
	b.Close() // twice is harmless
	if got := next(t, a)["viewers"]; got != `{"site":2,"page":1}` {
		t.Fatalf("after one left a sees %s, want site 2 page 1", got)
	}
	if _, err := h.Open("/posts/c", ""); err != nil {
		t.Fatalf("a stream closed makes room: %v", err)
	}
	c.Close()
	local := h.LocalCounts()
	if local["/posts/a"] != 1 || local["/posts/c"] != 1 || len(local) != 2 {
		t.Fatalf("local counts %v", local)
	}
}

func TestHubAddsRemoteCounts(t *testing.T) {
	h := live.NewHub(live.Options{})
	defer h.Close()
	s, _ := h.Open("/", "")
	s.Next()
	h.SetRemote(map[string]int{"/": 2, "/posts": 5})
	if got := next(t, s)["viewers"]; got != `{"site":8,"page":3}` {
		t.Fatalf("with remote counts: %s, want site 8 page 3", got)
	}
	if got := h.Counts("/posts"); got != (live.Counts{Site: 8, Page: 5}) {
		t.Fatalf("Counts(/posts) = %+v", got)
	}
	h.SetRemote(nil)
	if got := next(t, s)["viewers"]; got != `{"site":1,"page":1}` {
		t.Fatalf("remote gone: %s", got)
	}
}

func TestHubPresenceAndContent(t *testing.T) {
	h := live.NewHub(live.Options{})
	defer h.Close()
	h.SetContentVersion(7) // where the pages start from: nobody told
	h.SetPresence([]byte(`{"status":"idle"}`))
	s, _ := h.Open("/", "")
	got := map[string]string{}
	for _, ev := range s.Next() {
		got[ev.Name] = string(ev.Data)
	}
	if got["presence"] != `{"status":"idle"}` || got["content"] != "" {
		t.Fatalf("a new stream gets %v, want the presence and no content", got)
	}
	h.SetContentVersion(7)
	h.SetPresence([]byte(`{"status":"dnd"}`))
	got = next(t, s)
	if got["presence"] != `{"status":"dnd"}` || got["content"] != "" {
		t.Fatalf("after a presence change: %v", got)
	}
	h.SetContentVersion(8)
	got = next(t, s)
	var c struct{ Version int64 }
	if err := json.Unmarshal([]byte(got["content"]), &c); err != nil || c.Version != 8 {
		t.Fatalf("after new content: %v", got)
	}
	if _, ok := got["presence"]; ok {
		t.Fatalf("unchanged presence sent again: %v", got)
	}
}

func TestHubCloseEndsStreams(t *testing.T) {
	h := live.NewHub(live.Options{})
	s, _ := h.Open("/", "")
	h.Close()
	deadline := time.After(5 * time.Second)
	for closed := false; !closed; {
		select {
		case _, ok := <-s.Wake():
			closed = !ok
		case <-deadline:
			t.Fatal("stream not ended by Close")
		}
	}
	if _, err := h.Open("/", ""); !errors.Is(err, live.ErrClosed) {
		t.Fatalf("Open after Close: %v", err)
	}
}

// One client cannot take the node's streams from the others: past its
// share it is refused while other clients still get theirs, and a stream
// it closes gives its place back.
func TestHubLimitsStreamsPerClient(t *testing.T) {
	h := live.NewHub(live.Options{Max: 100, PerClient: 2})
	defer h.Close()
	a1, err := h.Open("/", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Open("/posts", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Open("/", "192.0.2.1"); !errors.Is(err, live.ErrClientFull) {
		t.Fatalf("third stream of one client over a share of 2: err %v, want ErrClientFull", err)
	}
	if _, err := h.Open("/", "192.0.2.2"); err != nil {
		t.Fatalf("another client is refused: %v", err)
	}
	if got := h.Counts("/"); got != (live.Counts{Site: 3, Page: 2}) {
		t.Fatalf("counts %+v, want the refused stream left out", got)
	}
	a1.Close()
	if _, err := h.Open("/", "192.0.2.1"); err != nil {
		t.Fatalf("a closed stream gives its client's place back: %v", err)
	}
}

func TestDefaultPerClientIsASmallShare(t *testing.T) {
	for max, want := range map[int]int{5000: 100, 2000: 40, 100: 4, 3: 3, 1: 1} {
		if got := live.DefaultPerClient(max); got != want {
			t.Errorf("DefaultPerClient(%d) = %d, want %d", max, got, want)
		}
	}
}
