package gossip

import (
	"fmt"
	"io"
	"log"
	"math"
	"strings"
	"testing"
	"time"

	"blog/internal/live"

	"github.com/hashicorp/memberlist"
)

// evilMember joins target's gossip with the key, as a node of the
// deployment that has gone bad (or anyone who has the secret), and returns
// a function that sends target a raw message.
func evilMember(t *testing.T, target *node) func(msg string) {
	t.Helper()
	key, _ := Key(secret)
	mc := memberlist.DefaultLANConfig()
	mc.Name = "evil"
	mc.BindAddr, mc.BindPort = "127.0.0.1", 0
	mc.SecretKey = key
	mc.Logger = log.New(io.Discard, "", 0)
	ml, err := memberlist.Create(mc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ml.Shutdown() })
	if _, err := ml.Join([]string{target.g.Addr()}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for target.g.Members() != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the member with the key did not join")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return func(msg string) {
		for _, m := range ml.Members() {
			if m.Name != "evil" {
				if err := ml.SendReliable(m, []byte(msg)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// Attack: a member with the key sent counts no node can hold, and
// /api/viewers reported a negative number of readers on the site.
func TestCountsFromAMemberAreClamped(t *testing.T) {
	a := startNode(t, secret)
	send := evilMember(t, a)
	long := "/" + strings.Repeat("x", live.MaxPath)
	send(fmt.Sprintf(`{"node":"evil","started":1,"seq":1,"counts":{"/a":%d,"/b":%d,"":7,"nope":7,"/neg":-7,%q:7}}`,
		math.MaxInt64, math.MaxInt64, long))
	deadline := time.Now().Add(5 * time.Second)
	for a.hub.Counts("/").Site == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := a.hub.Counts("/").Site; got != live.DefaultMax {
		t.Fatalf("site counts %d readers, want one node's most, %d", got, live.DefaultMax)
	}
	for _, p := range []string{"", "nope", "/neg", long} {
		if got := a.hub.Counts(p).Page; got != 0 {
			t.Errorf("page %.20q counts %d readers, want none: no such page", p, got)
		}
	}

	// Newer counts that do not parse, or are longer than a node sends,
	// change nothing.
	send(`{"node":"evil","started":1,"seq":2,"counts":{"/a":1.5}}`)
	send(`{"node":"evil","started":1,"seq":3,"counts":{"/a":1},"pad":"` + strings.Repeat("x", maxStateBytes(live.DefaultMax)) + `"}`)
	send(`{"node":"evil","started":1,"seq":4,"counts":{"/c":2}}`)
	waitCounts(t, a, "/c", live.Counts{Site: 2, Page: 2}, 5*time.Second)
}

func TestDecodeState(t *testing.T) {
	const max = 10
	for _, tc := range []struct {
		name, msg string
		want      map[string]int // nil: refused
	}{
		{"plain", `{"node":"n","counts":{"/":2,"/posts/x":3}}`, map[string]int{"/": 2, "/posts/x": 3}},
		{"no counts", `{"node":"n"}`, map[string]int{}},
		{"no node", `{"counts":{"/":1}}`, nil},
		{"not json", `{"node":"n","counts":{"/":1}`, nil},
		{"counts not an object", `{"node":"n","counts":[1]}`, nil},
		{"count not a number", `{"node":"n","counts":{"/":"1"}}`, nil},
		{"count not an integer", `{"node":"n","counts":{"/":1e3}}`, nil},
		{"nested", `{"node":"n","counts":{"/":{"a":1}}}`, nil},
		{"zero and negative dropped", `{"node":"n","counts":{"/":0,"/a":-3,"/b":1}}`, map[string]int{"/b": 1}},
		{"implausible paths dropped", `{"node":"n","counts":{"":1,"a":1,"/a?b":1,"/\u0000":1,"/\"":1,"/ok":1}}`, map[string]int{"/ok": 1}},
		{"too long a path dropped", `{"node":"n","counts":{"/` + strings.Repeat("x", live.MaxPath) + `":1}}`, map[string]int{}},
		{"cut to the most a node holds", `{"node":"n","counts":{"/a":8,"/b":8,"/c":8}}`, map[string]int{"/a": 8, "/b": 2}},
		{"huge", `{"node":"n","counts":{"/a":99999999999999999999999}}`, map[string]int{"/a": max}},
		{"huge negative", `{"node":"n","counts":{"/a":-99999999999999999999999}}`, map[string]int{}},
		{"repeated path", `{"node":"n","counts":{"/a":6,"/a":6}}`, map[string]int{"/a": max}},
		{"too large", `{"node":"n","counts":{}, "x":"` + strings.Repeat(" ", maxStateBytes(max)) + `"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := decodeState([]byte(tc.msg), max)
			switch {
			case tc.want == nil && err == nil:
				t.Fatalf("took %+v, want it refused", st)
			case tc.want != nil && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != nil && fmt.Sprint(st.Counts) != fmt.Sprint(tc.want):
				t.Fatalf("counts %v, want %v", st.Counts, tc.want)
			}
		})
	}
}

// A node's own message, at its longest, is taken by the others: the
// bound is not too tight.
func TestLongestStateFitsItsBound(t *testing.T) {
	for _, max := range []int{1, 9, 10, 5000, 20000} {
		counts := map[string]int{}
		for i := range max {
			p := fmt.Sprintf("/%0*d", live.MaxPath-1, i)
			counts[p] = 1
		}
		st := nodeState{Node: strings.Repeat("\x01", maxNodeName), Started: math.MinInt64, Seq: math.MaxUint64, Counts: counts}
		b := encodeState(st)
		if len(b) > maxStateBytes(max) {
			t.Fatalf("%d readers: the longest message is %d bytes, over the bound %d", max, len(b), maxStateBytes(max))
		}
		got, err := decodeState(b, max)
		if err != nil || len(got.Counts) != max {
			t.Fatalf("%d readers: took %d paths, %v", max, len(got.Counts), err)
		}
	}
}

func TestSumsSaturate(t *testing.T) {
	states := map[string]nodeState{
		"a": {Counts: map[string]int{"/": math.MaxInt, "/x": math.MaxInt}},
		"b": {Counts: map[string]int{"/": math.MaxInt}},
	}
	total := 0
	for p, n := range sumCounts(states) {
		if n < 0 || total+n < total {
			t.Fatalf("sum of %s overflowed: %d", p, n)
		}
		total += n
	}
	if total != math.MaxInt {
		t.Fatalf("total %d, want it saturated at %d", total, math.MaxInt)
	}
}

// FuzzDecodeState checks that no message makes decoding panic and that
// whatever it takes is within the bounds.
func FuzzDecodeState(f *testing.F) {
	for _, s := range []string{
		`{"node":"n","started":1,"seq":2,"counts":{"/":2,"/posts/x":3}}`,
		`{"node":"n","counts":{"/a":9223372036854775807,"/b":9223372036854775807}}`,
		`{"node":"n","counts":{"":1,"a":1,"/neg":-1,"/z":0,"/a":1e3}}`,
		`{"node":"n","counts":{"/a":99999999999999999999,"/a":5}}`,
		`{"node":"n","counts":null}`,
		`{"node":"","counts":{}}`,
		`[[[[[[[[[[]]]]]]]]]]`,
		`{"node":"n","counts":{"/\u2028":1,"/\ud800":1,"/é":1}}`,
	} {
		f.Add([]byte(s), 10)
	}
	f.Fuzz(func(t *testing.T, b []byte, max int) {
		max = 1 + abs(max)%1000
		st, err := decodeState(b, max)
		if err != nil {
			if st.Node != "" || st.Counts != nil {
				t.Fatalf("refused with %v but returned %+v", err, st)
			}
			return
		}
		if len(b) > maxStateBytes(max) {
			t.Fatalf("took a message of %d bytes, over %d", len(b), maxStateBytes(max))
		}
		if st.Node == "" || len(st.Node) > maxNodeName {
			t.Fatalf("took node name %q", st.Node)
		}
		if len(st.Counts) > max {
			t.Fatalf("took %d paths, over %d", len(st.Counts), max)
		}
		total := 0
		for p, n := range st.Counts {
			if !plausiblePath(p) {
				t.Fatalf("took path %q", p)
			}
			if n < 1 || n > max {
				t.Fatalf("took count %d of %q", n, p)
			}
			total += n
		}
		if total > max {
			t.Fatalf("took %d readers, over %d", total, max)
		}
		// What a node takes, it can send on within the same bound.
		if again, err := decodeState(encodeState(st), max); err != nil || len(again.Counts) != len(st.Counts) {
			t.Fatalf("re-encoded state not taken: %v", err)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		if n == math.MinInt {
			return 0
		}
		return -n
	}
	return n
}

func TestPlausiblePath(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/posts/hello-world": true, "/tags/3/edit": true, "/é": true,
		"": false, "posts": false, "/a?b": false, "/a#b": false, "/a\nb": false, "/\xff": false,
		"/\u2028": false, `/"`: false, `/\`: false,
		"/" + strings.Repeat("x", live.MaxPath-1): true, "/" + strings.Repeat("x", live.MaxPath): false,
	} {
		if got := plausiblePath(p); got != want {
			t.Errorf("plausiblePath(%q) = %v, want %v", p, got, want)
		}
	}
}
