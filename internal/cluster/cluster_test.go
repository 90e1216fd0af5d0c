package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"blog/internal/litefs"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
	"blog/internal/tags"
)

// position is a LiteFS node whose position moves on each time it is read,
// as a replica's does while transactions arrive, until it settles.
type position struct {
	status litefs.Status
	txids  []uint64 // handed out in turn; the last stays
	reads  int
}

func (p *position) Status() (litefs.Status, error) { return p.status, nil }
func (p *position) Pos() (litefs.Pos, error) {
	i := min(p.reads, len(p.txids)-1)
	p.reads++
	return litefs.Pos{TXID: p.txids[i]}, nil
}

func TestReportCountsAtOneTXID(t *testing.T) {
	db := sqlitetest.Open(t)
	svc := tags.NewService(repo.New(db))
	for _, l := range []string{"go", "sqlite", "litefs"} {
		if _, err := svc.Create(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
	// Two transactions arrive while the first two countings run: the
	// report counts again until the position holds still around it.
	pos := &position{status: litefs.Status{Role: litefs.Replica, Primary: "p.internal"}, txids: []uint64{7, 8, 9, 10, 10}}
	samples := NewSamples(nil)
	samples.ReplicationLag(3e6)
	r := NewReporter(ReporterConfig{
		Node: Node{Name: "machine", Region: "ams", Version: "v1"}, DB: db, Position: pos,
		Streams: func() int { return 4 }, Samples: samples,
	})
	rep, err := r.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Counts{Tags: 3, IdempotencyKeys: 0}
	if rep.Counts != want || rep.TXID != litefs.FormatTXID(10) || pos.reads != 6 {
		t.Errorf("counts %+v at %s after %d reads of the position, want %+v at %s after 6",
			rep.Counts, rep.TXID, pos.reads, want, litefs.FormatTXID(10))
	}
	if rep.Role != "replica" || rep.Primary != "p.internal" || rep.Name != "machine" || rep.Region != "ams" ||
		rep.Streams != 4 || rep.ID != r.ID() || len(rep.ID) != 16 || rep.History.ReplicationLag[Points-1].N != 1 {
		t.Errorf("report %+v", rep)
	}
	// What the node sends, another reads back whole.
	b, _ := json.Marshal(rep)
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || back.Check() != nil || back.Counts != rep.Counts ||
		back.History.ReplicationLag[Points-1] != rep.History.ReplicationLag[Points-1] {
		t.Errorf("the report does not survive JSON: %+v %v", back, err)
	}

	// Off LiteFS: standalone, no TXID.
	rep, err = NewReporter(ReporterConfig{DB: db}).Report(context.Background())
	if err != nil || rep.Role != "standalone" || rep.TXID != "" || rep.Counts.Tags != 3 {
		t.Errorf("standalone report %+v %v", rep, err)
	}
}

func validReport() Report {
	return Report{ID: "abc", Role: "replica", TXID: litefs.FormatTXID(3),
		History: History{StepSeconds: 60, ReplicationLag: make([]Point, Points)}}
}

// TestCheckHoldsAReportToBounds: a report from another node is refused
// when it could not be a node's, and its history is cut to what a node
// measures.
func TestCheckHoldsAReportToBounds(t *testing.T) {
	for name, spoil := range map[string]func(*Report){
		"no id":            func(r *Report) { r.ID = "" },
		"unknown role":     func(r *Report) { r.Role = "leader" },
		"TXID not hex":     func(r *Report) { r.TXID = "zz" },
		"negative count":   func(r *Report) { r.Counts.Posts = -1 },
		"negative streams": func(r *Report) { r.Streams = -5 },
		"long name":        func(r *Report) { r.Name = strings.Repeat("n", 300) },
		"control in text":  func(r *Report) { r.Region = "ams\x1b[31m" },
	} {
		r := validReport()
		spoil(&r)
		if err := r.Check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	r := validReport()
	r.History.ReplicationLag = append(make([]Point, 500), Point{N: 2, P50: -1, P99: 1e300})
	r.History.ForwardLatency = []Point{{N: 1, P50: 3, P99: 4}}
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	if n := len(r.History.ReplicationLag); n != Points || r.History.ReplicationLag[Points-1] != (Point{}) {
		t.Errorf("history of %d points ending %+v, want %d and the impossible point dropped", n, r.History.ReplicationLag[n-1], Points)
	}
	if r.History.ForwardLatency[0].P99 != 4 {
		t.Errorf("a point within bounds was dropped: %+v", r.History.ForwardLatency)
	}
	r = validReport()
	r.History.StepSeconds = 10
	r.History.ForwardLatency = []Point{{N: 1}}
	if r.Check() != nil || r.History.ForwardLatency != nil {
		t.Errorf("a history measured by another step is kept: %+v", r.History)
	}
}

func TestFetch(t *testing.T) {
	good, _ := json.Marshal(validReport())
	answers := map[string]func(w http.ResponseWriter){
		"/ok": func(w http.ResponseWriter) { w.Write(good) },
		"/wrong-password": func(w http.ResponseWriter) {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":{"code":"unauthorized","message":"Sign in as admin."}}`)
		},
		"/no-password": func(w http.ResponseWriter) {
			w.WriteHeader(403)
			fmt.Fprint(w, `{"error":{"code":"forbidden","message":"start the blog with BLOG_ADMIN_PASSWORD set"}}`)
		},
		"/old":       func(w http.ResponseWriter) { w.WriteHeader(404) },
		"/broken":    func(w http.ResponseWriter) { w.WriteHeader(500); fmt.Fprint(w, "<html>oops</html>") },
		"/not-json":  func(w http.ResponseWriter) { fmt.Fprint(w, "<html>a page</html>") },
		"/bad-role":  func(w http.ResponseWriter) { fmt.Fprint(w, `{"id":"x","role":"king"}`) },
		"/too-large": func(w http.ResponseWriter) { w.Write([]byte(`{"id":"` + strings.Repeat("x", maxReport) + `"}`)) },
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base, _ := strings.CutSuffix(r.URL.Path, NodePath)
		if u, p, _ := r.BasicAuth(); u != "admin" || p != "secret" {
			t.Errorf("%s asked with %q:%q", base, u, p)
		}
		answers[base](w)
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	ctx := context.Background()
	if r, err := Fetch(ctx, srv.Client(), srv.URL+"/ok/", "secret"); err != nil || r.ID != "abc" {
		t.Fatalf("a good report: %+v %v", r, err)
	}
	for base, want := range map[string]struct{ kind, says string }{
		srv.URL + "/wrong-password": {Refused, "refused the admin password (401)"},
		srv.URL + "/no-password":    {Refused, "BLOG_ADMIN_PASSWORD set"},
		srv.URL + "/old":            {Unreachable, "has no /admin/node"},
		srv.URL + "/broken":         {BadAnswer, "500 Internal Server Error: <html>oops</html>"},
		srv.URL + "/not-json":       {BadAnswer, "does not read"},
		srv.URL + "/bad-role":       {BadAnswer, "role"},
		srv.URL + "/too-large":      {BadAnswer, "longer than"},
		closed.URL:                  {Unreachable, "connection refused"},
	} {
		_, err := Fetch(ctx, srv.Client(), base, "secret")
		var fe *FetchError
		if !errors.As(err, &fe) || fe.Kind != want.kind || !strings.Contains(err.Error(), want.says) ||
			!strings.HasPrefix(err.Error(), base+": ") {
			t.Errorf("%s: %v, want %s saying %q", base, err, want.kind, want.says)
		}
	}
}

func TestCompare(t *testing.T) {
	node := func(role string, txid uint64, tags int64) Report {
		r := Report{ID: fmt.Sprint(role, txid, tags), Role: role, Counts: Counts{Tags: tags, Posts: 7}}
		if role != "standalone" {
			r.TXID = litefs.FormatTXID(txid)
		}
		return r
	}
	urls := []string{"http://a", "http://b", "http://c"}
	cases := []struct {
		name       string
		reports    []Report
		reference  int
		problems   []string
		catchingUp bool
	}{
		{"one cluster, level", []Report{node("replica", 9, 3), node("primary", 9, 3)}, 1, nil, false},
		{"a replica behind", []Report{node("primary", 9, 3), node("replica", 7, 2)}, 0,
			[]string{"http://b is 2 transactions behind the primary (TXID 0000000000000007 of 0000000000000009)",
				"http://b holds 2 tags where the primary has 3"}, true},
		{"counts apart at one TXID", []Report{node("primary", 9, 3), node("replica", 9, 4)}, 0,
			[]string{"http://b holds 4 tags where the primary has 3 at the same TXID"}, false},
		{"two primaries", []Report{node("primary", 9, 3), node("primary", 18, 3)}, 0,
			[]string{"http://b is a primary too: these nodes are not one cluster",
				"http://b is at TXID 0000000000000012, ahead of the primary at 0000000000000009"}, false},
		{"a standalone node beside a cluster", []Report{node("primary", 9, 3), node("standalone", 0, 3)}, 0,
			[]string{"http://b is not on LiteFS (standalone), where the primary is at TXID 0000000000000009"}, false},
		{"standalone nodes alike", []Report{node("standalone", 0, 3), node("standalone", 0, 3)}, 0, nil, false},
		{"standalone nodes apart", []Report{node("standalone", 0, 3), node("standalone", 0, 5), node("standalone", 0, 3)}, 0,
			[]string{"http://b holds 5 tags where the first node has 3"}, false},
	}
	for _, c := range cases {
		v := Compare(urls[:len(c.reports)], c.reports)
		if v.Reference != c.reference || strings.Join(v.Problems, "\n") != strings.Join(c.problems, "\n") ||
			v.CatchingUp != c.catchingUp || v.Same() != (len(c.problems) == 0) {
			t.Errorf("%s: reference %d, catching up %v, problems:\n%s\nwant reference %d, catching up %v, problems:\n%s",
				c.name, v.Reference, v.CatchingUp, strings.Join(v.Problems, "\n"), c.reference, c.catchingUp, strings.Join(c.problems, "\n"))
		}
	}
	v := Compare(urls[:2], []Report{node("primary", 9, 3), node("replica", 7, 2)})
	if b := v.Nodes[1]; !b.TXIDDiffers || b.Behind != 2 || !b.Differs["tags"] || b.Differs["posts"] {
		t.Errorf("the replica behind is marked %+v", b)
	}
}

func TestPeerURLs(t *testing.T) {
	ctx := context.Background()
	got, err := PeerURLs(ctx, net.DefaultResolver, []string{"127.0.0.3:7946", "localhost"}, "127.0.0.2:8080")
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.Join(got, " "); !strings.Contains(s, "http://127.0.0.2:8080") || !strings.Contains(s, "http://127.0.0.3:8080") ||
		!strings.Contains(s, "http://127.0.0.1:8080") {
		t.Errorf("PeerURLs = %q, want this node, the peer and localhost's addresses, on port 8080", got)
	}
	// Every interface names no node: only the peers are asked.
	got, err = PeerURLs(ctx, net.DefaultResolver, []string{"[::1]:7946"}, "[::]:8080")
	if err != nil || strings.Join(got, " ") != "http://[::1]:8080" {
		t.Errorf("PeerURLs = %q, %v", got, err)
	}
	if _, err := PeerURLs(ctx, net.DefaultResolver, []string{"no-such-host.invalid"}, ":8080"); err == nil {
		t.Error("a name that does not resolve gave nodes")
	}
}
