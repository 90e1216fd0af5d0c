package web_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"blog/internal/cluster"
)

// TestOperatorRoutesAreTheAdmins: the node's report and the cluster page
// answer the admin alone, with a challenge to anyone else (JSON for the
// report, which programs read), and are never kept by a cache.
func TestOperatorRoutesAreTheAdmins(t *testing.T) {
	e := newLiveEnv(t, 10)
	for _, path := range []string{"/admin/node", "/admin/cluster"} {
		for _, auth := range []string{"", "admin:wrong"} {
			r := e.getAs(path, auth)
			if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s as %q: %d, WWW-Authenticate %q; want 401 with a challenge", path, auth, r.status, r.header.Get("WWW-Authenticate"))
			}
		}
		r := e.getAs(path, "admin:"+password)
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Cache-Control"), "no-store") {
			t.Errorf("%s as the admin: %d, Cache-Control %q", path, r.status, r.header.Get("Cache-Control"))
		}
	}
	if r := e.getAs("/admin/node", ""); r.errorCode(t) != "unauthorized" {
		t.Errorf("the report's refusal is not the API's JSON: %s", r.body)
	}
	if r := e.getAs("/admin/cluster", ""); !strings.Contains(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("the page's refusal is %s", r.header.Get("Content-Type"))
	}
}

// TestNodeReport: the report counts the node's rows, as an operator counts
// them with sqlite3, and its open streams.
func TestNodeReport(t *testing.T) {
	e := newLiveEnv(t, 10)
	openLive(t, e.srv.URL, "/posts")
	var rep cluster.Report
	deadline := time.Now().Add(5 * time.Second)
	for rep.Streams != 1 && time.Now().Before(deadline) {
		e.getAs("/admin/node", "admin:"+password).json(t, &rep)
	}
	want := cluster.Counts{}
	for table, n := range map[string]*int64{"tags": &want.Tags, "posts": &want.Posts, "projects": &want.Projects,
		"assets": &want.Assets, "idempotency_keys": &want.IdempotencyKeys} {
		if err := e.db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(n); err != nil {
			t.Fatal(err)
		}
	}
	if rep.Counts != want || want.Posts == 0 || want.Tags == 0 {
		t.Errorf("report counts %+v, sqlite counts %+v", rep.Counts, want)
	}
	if rep.Role != "standalone" || rep.TXID != "" || rep.Streams != 1 || rep.ID == "" ||
		len(rep.History.ReplicationLag) != cluster.Points {
		t.Errorf("report %+v", rep)
	}
	if err := rep.Check(); err != nil {
		t.Errorf("the node's own report does not hold: %v", err)
	}
}

// TestClusterPageRefreshes: an open cluster page is told to fetch itself
// again over its live stream, with no write to tell of.
func TestClusterPageRefreshes(t *testing.T) {
	e := newLiveEnv(t, 10)
	page := e.getAs("/admin/cluster", "admin:"+password)
	for _, want := range []string{`data-node="this node"`, `data-chart="lag"`, `data-chart="forward"`,
		`/static/cluster.css`, `/static/live.js`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the cluster page lacks %s", want)
		}
	}
	s, status := openLive(t, e.srv.URL, "/admin/cluster")
	if status != http.StatusOK {
		t.Fatalf("the cluster page may not hold a live stream: %d", status)
	}
	start := time.Now()
	s.event(t, "refresh")
	t.Logf("told to refresh after %v", time.Since(start).Round(time.Millisecond))
}

// getAs fetches path with Basic credentials user:password, or none.
func (e *contentEnv) getAs(path, userPassword string) reply {
	e.t.Helper()
	if userPassword == "" {
		return e.get(path)
	}
	return e.get(path, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(userPassword)))
}
