package clustertest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"blog"
	"blog/deploy"
	"blog/internal/blogtest"
	"blog/internal/litefs"
	"blog/internal/tags"
)

func TestMain(m *testing.M) {
	code := m.Run()
	blogtest.RemoveBinaries()
	os.Exit(code)
}

// Both nodes count each tag the same: once.
func requireCount(t *testing.T, c *Cluster, label string, want int) {
	t.Helper()
	for _, n := range []*Node{c.Primary, c.Replica} {
		if got := n.Count(t, label); got != want {
			t.Errorf("sqlite3 on the %s counts %d tags labelled %q, want %d", n.Name, got, label, want)
		}
	}
}

// requireReplicated waits, briefly, until the replica has applied what the
// primary committed, then counts on both nodes.
func requireReplicated(t *testing.T, c *Cluster, label string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.Replica.Count(t, label) != c.Primary.Count(t, label) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	requireCount(t, c, label, want)
}

// unavailableWithin bounds how long a replica may take to answer 503 when
// the primary is out of reach: the contract's 10 s, as the client sees it.
const unavailableWithin = 10 * time.Second

// writeErrors are the log lines of a node that tried to write where it
// cannot: a replica's read-only database, or SQLite's locks on LiteFS
// without the sqlite3_flock build.
var writeErrors = regexp.MustCompile(`(?i)disk I/O error|read[- ]?only`)

func requireNoWriteErrors(t *testing.T, n *Node) {
	t.Helper()
	for _, line := range strings.Split(n.Log(t), "\n") {
		if writeErrors.MatchString(line) {
			t.Errorf("the %s's log reports a failed write: %s", n.Name, line)
		}
	}
}

func TestCreateOnReplicaThroughAPI(t *testing.T) {
	c := Start(t, Options{})
	label := unique("api")
	tg := c.mustCreateTag(t, c.Replica, label)

	// Read your write: the very next request on the same replica sees it.
	got, a := c.getTag(t, c.Replica, tg.ID)
	if a.Status != http.StatusOK || got.Label != label {
		t.Fatalf("GET /api/tags/%d on the replica right after creating it: %s", tg.ID, a)
	}
	requireCount(t, c, label, 1)
}

func TestCreateOnReplicaThroughPages(t *testing.T) {
	c := Start(t, Options{})
	label := unique("page")
	form := c.openForm(t, c.Replica, "/tags/new")
	a := c.postForm(t, c.Replica, "/tags", form, url.Values{"label": {label}})
	loc := a.Header.Get("Location")
	m := regexp.MustCompile(`^/tags/(\d+)$`).FindStringSubmatch(loc)
	if a.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("POST /tags on the replica: %s, Location %q; want 303 to /tags/{id}", a, loc)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)

	// The browser follows the redirect to the same replica.
	page := c.do(t, c.Replica, http.MethodGet, loc, nil, false, nil)
	if page.Status != http.StatusOK || !bytes.Contains(page.Body, []byte(label)) {
		t.Errorf("GET %s on the replica right after the post: %d, label shown: %v", loc, page.Status, bytes.Contains(page.Body, []byte(label)))
	}
	got, a := c.getTag(t, c.Replica, id)
	if a.Status != http.StatusOK || got.Label != label {
		t.Errorf("GET /api/tags/%d on the replica right after the post: %s", id, a)
	}
	requireCount(t, c, label, 1)

	// Without the form's token the post is refused and writes nothing.
	refused := c.postForm(t, c.Replica, "/tags", formSession{token: "forged-" + randomText(40)}, url.Values{"label": {label + "-forged"}})
	if refused.Status != http.StatusForbidden {
		t.Errorf("POST /tags on the replica without the CSRF cookie: %s, want 403", refused)
	}
	requireCount(t, c, label+"-forged", 0)
}

func TestRenameAndDeleteOnReplica(t *testing.T) {
	c := Start(t, Options{})
	label, renamed := unique("before"), unique("after")
	tg := c.mustCreateTag(t, c.Replica, label)

	a := c.do(t, c.Replica, http.MethodPatch, fmt.Sprintf("/api/tags/%d", tg.ID), labelJSON(renamed), true, jsonHeader)
	if a.Status != http.StatusOK || !bytes.Contains(a.Body, []byte(renamed)) {
		t.Fatalf("PATCH /api/tags/%d on the replica: %s, want 200 with the new label", tg.ID, a)
	}
	if got, a := c.getTag(t, c.Replica, tg.ID); got.Label != renamed {
		t.Errorf("GET /api/tags/%d on the replica right after the rename: %s", tg.ID, a)
	}
	requireCount(t, c, label, 0)
	requireCount(t, c, renamed, 1)

	// Rename through the page, too.
	again := unique("paged")
	form := c.openForm(t, c.Replica, fmt.Sprintf("/tags/%d/edit", tg.ID))
	if p := c.postForm(t, c.Replica, fmt.Sprintf("/tags/%d", tg.ID), form, url.Values{"label": {again}}); p.Status != http.StatusSeeOther {
		t.Fatalf("POST /tags/%d on the replica: %s, want 303", tg.ID, p)
	}
	requireCount(t, c, renamed, 0)
	requireCount(t, c, again, 1)

	a = c.do(t, c.Replica, http.MethodDelete, fmt.Sprintf("/api/tags/%d", tg.ID), nil, true, nil)
	if a.Status != http.StatusNoContent {
		t.Fatalf("DELETE /api/tags/%d on the replica: %s, want 204", tg.ID, a)
	}
	if _, a := c.getTag(t, c.Replica, tg.ID); a.Status != http.StatusNotFound {
		t.Errorf("GET /api/tags/%d on the replica right after the delete: %s, want 404", tg.ID, a)
	}
	requireCount(t, c, again, 0)
}

func TestConcurrentCreatesOnReplica(t *testing.T) {
	c := Start(t, Options{})
	const writers = 40
	prefix := unique("many")
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	ids := make(chan int64, writers)
	for i := range writers {
		wg.Go(func() {
			label := fmt.Sprintf("%s-%02d", prefix, i)
			tg, a, err := c.createTag(c.Replica, label)
			switch {
			case err != nil:
				errs <- err
			case a.Status != http.StatusCreated:
				errs <- fmt.Errorf("POST /api/tags %q on the replica: %s", label, a)
			default:
				ids <- tg.ID
			}
		})
	}
	wg.Wait()
	close(errs)
	close(ids)
	for err := range errs {
		t.Error(err)
	}
	var got []int64
	for id := range ids {
		got = append(got, id)
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != writers {
		t.Errorf("%d distinct ids came back, want %d", len(slices.Compact(got)), writers)
	}
	for _, n := range []*Node{c.Primary, c.Replica} {
		out := n.Query(t, "SELECT COUNT(*), COUNT(DISTINCT label) FROM tags WHERE label LIKE "+sqlQuote(prefix+"-%"))
		if want := fmt.Sprintf("%d|%d", writers, writers); strings.TrimSpace(out) != want {
			t.Errorf("sqlite3 on the %s: rows|labels = %s, want %s", n.Name, strings.TrimSpace(out), want)
		}
	}
}

// A replica's writes all go to the primary: the replica's database is never
// written, so its log never shows the errors of trying.
func TestReplicaLogHasNoWriteErrors(t *testing.T) {
	c := Start(t, Options{})
	tg := c.mustCreateTag(t, c.Replica, unique("log"))
	c.do(t, c.Replica, http.MethodPatch, fmt.Sprintf("/api/tags/%d", tg.ID), labelJSON(unique("log")), true, jsonHeader)
	form := c.openForm(t, c.Replica, "/tags/new")
	c.postForm(t, c.Replica, "/tags", form, url.Values{"label": {unique("log")}})
	c.do(t, c.Replica, http.MethodDelete, fmt.Sprintf("/api/tags/%d", tg.ID), nil, true, nil)
	// A conflict decided on the primary is still the caller's answer.
	dup := c.mustCreateTag(t, c.Replica, unique("log"))
	if _, a, err := c.createTag(c.Replica, dup.Label); err != nil || a.Status != http.StatusConflict {
		t.Errorf("creating %q twice on the replica: %s %v, want 409", dup.Label, a, err)
	}

	c.Stop(t)
	if !strings.Contains(c.Replica.Log(t), "write forwarded") {
		t.Error("the replica's log shows no forwarded write; were the writes made on the replica?")
	}
	requireNoWriteErrors(t, c.Replica)
	requireNoWriteErrors(t, c.Primary)
}

// The primary commits, and then its answer is lost on the way back: the
// replica retries, and the write still takes effect once.
func TestLostAnswersTakeEffectOnce(t *testing.T) {
	c := Start(t, Options{Proxy: true})
	c.Proxy.SetMode(t, LoseFirstAnswer)

	var labels []string
	for range 5 {
		label := unique("lost")
		labels = append(labels, label)
		c.mustCreateTag(t, c.Replica, label)
	}
	// Concurrent ones too.
	prefix := unique("lostmany")
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		label := fmt.Sprintf("%s-%02d", prefix, i)
		labels = append(labels, label)
		wg.Go(func() {
			if _, a, err := c.createTag(c.Replica, label); err != nil {
				errs <- err
			} else if a.Status != http.StatusCreated {
				errs <- fmt.Errorf("POST /api/tags %q on the replica: %s, want 201", label, a)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// A rename and a delete, whose repeat would fail if they ran twice.
	tg := c.mustCreateTag(t, c.Replica, unique("lostedit"))
	renamed := unique("lostedit")
	if a := c.do(t, c.Replica, http.MethodPatch, fmt.Sprintf("/api/tags/%d", tg.ID), labelJSON(renamed), true, jsonHeader); a.Status != http.StatusOK {
		t.Errorf("PATCH on the replica with its answer lost once: %s, want 200", a)
	}
	if a := c.do(t, c.Replica, http.MethodDelete, fmt.Sprintf("/api/tags/%d", tg.ID), nil, true, nil); a.Status != http.StatusNoContent {
		t.Errorf("DELETE on the replica with its answer lost once: %s, want 204", a)
	}

	for _, label := range labels {
		requireCount(t, c, label, 1)
	}
	requireCount(t, c, renamed, 0)
	if want := int64(len(labels) + 3); c.Proxy.Lost() < want {
		t.Errorf("the proxy lost %d answers, want at least %d: the faults were not injected", c.Proxy.Lost(), want)
	}
}

// With the primary out of reach, a write through the replica fails within
// 10 s with 503 unavailable, writes nothing, and reads go on; once the
// primary is back, writes work again.
func TestPrimaryUnreachable(t *testing.T) {
	c := Start(t, Options{Proxy: true})
	for _, mode := range []FaultMode{Refuse, BlackHole} {
		t.Run(mode.String(), func(t *testing.T) {
			c.Proxy.SetMode(t, mode)
			label := unique("unreachable")
			start := time.Now()
			_, a, err := c.createTag(c.Replica, label)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			var e apiError
			_ = json.Unmarshal(a.Body, &e)
			if a.Status != http.StatusServiceUnavailable || e.Error.Code != "unavailable" {
				t.Errorf("POST /api/tags on the replica, primary unreachable: %s, want 503 unavailable", a)
			}
			if took > unavailableWithin {
				t.Errorf("the replica answered after %s, want within 10 s", took.Round(time.Millisecond))
			}
			t.Logf("answered %d after %s", a.Status, took.Round(time.Millisecond))

			for _, path := range []string{"/api/tags", "/tags", "/health"} {
				if r := c.do(t, c.Replica, http.MethodGet, path, nil, false, nil); r.Status != http.StatusOK {
					t.Errorf("GET %s on the replica, primary unreachable: %d", path, r.Status)
				}
			}
			requireCount(t, c, label, 0)

			c.Proxy.SetMode(t, PassThrough)
			c.mustCreateTag(t, c.Replica, label)
			requireCount(t, c, label, 1)
		})
	}
}

// The primary's endpoint for forwarded writes refuses requests that are not
// signed with the shared secret, were changed after signing, or are stale.
func TestForwardEndpointRefusesForgedWrites(t *testing.T) {
	c := Start(t, Options{})
	endpoint := c.Primary.URL + litefs.ForwardPath
	op := func(label string) []byte {
		b, _ := json.Marshal(map[string]any{
			"name": tags.OpCreate,
			"args": map[string]string{"label": label},
			"key":  "forged-" + randomText(12),
		})
		return b
	}
	newRequest := func(body []byte) *http.Request {
		req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	// signAt signs as the documented scheme says: HMAC-SHA256 under the
	// secret of method, path, timestamp and body.
	signAt := func(req *http.Request, secret string, at time.Time, body []byte) {
		ts := strconv.FormatInt(at.Unix(), 10)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(req.Method + "\n" + req.URL.Path + "\n" + ts + "\n"))
		mac.Write(body)
		req.Header.Set(litefs.HeaderTimestamp, ts)
		req.Header.Set(litefs.HeaderSignature, hex.EncodeToString(mac.Sum(nil)))
	}
	send := func(req *http.Request) answer {
		resp, err := c.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		return answer{Status: resp.StatusCode, Header: resp.Header, Body: buf.Bytes()}
	}

	// Our signing agrees with the nodes': a request signed with the shared
	// secret, now, is accepted. Without this the refusals below would prove
	// nothing.
	okLabel := unique("signed")
	okBody := op(okLabel)
	ok := newRequest(okBody)
	litefs.NewSigner(c.ForwardSecret).Sign(ok, okBody)
	mine := newRequest(okBody)
	ts, _ := strconv.ParseInt(ok.Header.Get(litefs.HeaderTimestamp), 10, 64)
	signAt(mine, c.ForwardSecret, time.Unix(ts, 0), okBody)
	if mine.Header.Get(litefs.HeaderSignature) != ok.Header.Get(litefs.HeaderSignature) {
		t.Fatal("this test signs differently from the nodes; fix signAt")
	}
	if a := send(ok); a.Status != http.StatusOK {
		t.Fatalf("a correctly signed forwarded write: %s, want 200", a)
	}
	requireReplicated(t, c, okLabel, 1)

	cases := []struct {
		name    string
		request func(label string) *http.Request
	}{
		{"unsigned", func(label string) *http.Request {
			return newRequest(op(label))
		}},
		{"signed with another secret", func(label string) *http.Request {
			body := op(label)
			req := newRequest(body)
			signAt(req, "not-"+c.ForwardSecret, time.Now(), body)
			return req
		}},
		{"body altered after signing", func(label string) *http.Request {
			signed := op(label + "-original")
			req := newRequest(op(label))
			signAt(req, c.ForwardSecret, time.Now(), signed)
			return req
		}},
		{"garbled signature", func(label string) *http.Request {
			body := op(label)
			req := newRequest(body)
			signAt(req, c.ForwardSecret, time.Now(), body)
			req.Header.Set(litefs.HeaderSignature, "zz"+req.Header.Get(litefs.HeaderSignature)[2:])
			return req
		}},
		{"stale", func(label string) *http.Request {
			body := op(label)
			req := newRequest(body)
			signAt(req, c.ForwardSecret, time.Now().Add(-10*time.Minute), body)
			return req
		}},
		{"from the future", func(label string) *http.Request {
			body := op(label)
			req := newRequest(body)
			signAt(req, c.ForwardSecret, time.Now().Add(10*time.Minute), body)
			return req
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			label := unique("forged")
			a := send(tc.request(label))
			if a.Status != http.StatusUnauthorized && a.Status != http.StatusForbidden {
				t.Errorf("%s forwarded write: %s, want 401 or 403", tc.name, a)
			}
			requireCount(t, c, label, 0)
			requireCount(t, c, label+"-original", 0)
		})
	}
}

// LiteFS applies each transaction whole: readers on the replica, through
// the blog's API and through sqlite3, never see one insert of a pair
// without the other.
func TestReplicaReadersSeeWholeTransactions(t *testing.T) {
	c := Start(t, Options{})
	const (
		pairs    = 40
		timeBox  = 30 * time.Second
		maxReads = 3000
	)
	prefix := unique("pair")
	deadline := time.Now().Add(timeBox)
	done := make(chan struct{})

	// halves checks labels of the form prefix-NN-a/b for a pair with one half.
	halves := func(labels []string) []string {
		count := map[string]int{}
		for _, l := range labels {
			if strings.HasPrefix(l, prefix+"-") {
				count[l[:len(l)-2]]++
			}
		}
		var bad []string
		for pair, n := range count {
			if n != 2 {
				bad = append(bad, pair)
			}
		}
		return bad
	}

	type report struct {
		reader      string
		reads, seen int
		err         error
	}
	reports := make(chan report, 2)
	reader := func(name string, read func() ([]string, error)) {
		r := report{reader: name}
		defer func() { reports <- r }()
		for r.reads < maxReads && time.Now().Before(deadline) {
			select {
			case <-done:
				return
			default:
			}
			labels, err := read()
			if err != nil {
				r.err = err
				return
			}
			r.reads++
			seen := 0
			for _, l := range labels {
				if strings.HasPrefix(l, prefix+"-") {
					seen++
				}
			}
			r.seen = max(r.seen, seen)
			if bad := halves(labels); len(bad) > 0 {
				r.err = fmt.Errorf("read %d saw half of the pairs %v", r.reads, bad)
				return
			}
		}
	}
	go reader("GET /api/tags on the replica", func() ([]string, error) {
		list, err := c.listTags(c.Replica)
		var labels []string
		for _, tg := range list {
			labels = append(labels, tg.Label)
		}
		return labels, err
	})
	go reader("sqlite3 on the replica", func() ([]string, error) {
		out, err := c.Replica.query("SELECT label FROM tags WHERE label LIKE " + sqlQuote(prefix+"-%"))
		return strings.Fields(out), err
	})

	now := time.Now().UTC().Format(blog.TimeFormat)
	for i := range pairs {
		if time.Now().After(deadline) {
			t.Errorf("wrote %d of %d pairs within %s", i, pairs, timeBox)
			break
		}
		var sql strings.Builder
		sql.WriteString("BEGIN;")
		for _, half := range []string{"a", "b"} {
			fmt.Fprintf(&sql, " INSERT INTO tags (label, created_at, updated_at) VALUES (%s, '%s', '%s');",
				sqlQuote(fmt.Sprintf("%s-%02d-%s", prefix, i, half)), now, now)
		}
		sql.WriteString(" COMMIT;")
		c.Primary.Exec(t, sql.String())
	}
	close(done)
	for range 2 {
		r := <-reports
		if r.err != nil {
			t.Errorf("%s: %v", r.reader, r.err)
		}
		t.Logf("%s: %d reads, up to %d labels of the pairs seen", r.reader, r.reads, r.seen)
		if r.reads == 0 {
			t.Errorf("%s read nothing", r.reader)
		}
	}
	requireReplicated(t, c, prefix+"-00-a", 1)
	out := strings.TrimSpace(c.Replica.Query(t, "SELECT COUNT(*) FROM tags WHERE label LIKE "+sqlQuote(prefix+"-%")))
	if out != strconv.Itoa(2*pairs) {
		// The last pair may still be on its way.
		time.Sleep(time.Second)
		out = strings.TrimSpace(c.Replica.Query(t, "SELECT COUNT(*) FROM tags WHERE label LIKE "+sqlQuote(prefix+"-%")))
	}
	if out != strconv.Itoa(2*pairs) {
		t.Errorf("the replica holds %s tags of the pairs, want %d", out, 2*pairs)
	}
}

// With the primary's machine down, a write through the replica fails within
// 10 s with 503 unavailable and is not tried on the replica's read-only
// database; reads go on; once the primary is back, writes work again.
func TestPrimaryDown(t *testing.T) {
	c := Start(t, Options{})
	before := c.mustCreateTag(t, c.Replica, unique("before"))
	c.Primary.Stop(t)

	label := unique("down")
	start := time.Now()
	_, a, err := c.createTag(c.Replica, label)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	var e apiError
	_ = json.Unmarshal(a.Body, &e)
	if a.Status != http.StatusServiceUnavailable || e.Error.Code != "unavailable" {
		t.Errorf("POST /api/tags on the replica, primary down: %s, want 503 unavailable", a)
	}
	if took > unavailableWithin {
		t.Errorf("the replica answered after %s, want within 10 s", took.Round(time.Millisecond))
	}
	if got, a := c.getTag(t, c.Replica, before.ID); a.Status != http.StatusOK || got.Label != before.Label {
		t.Errorf("GET /api/tags/%d on the replica, primary down: %s", before.ID, a)
	}
	if n := c.Replica.Count(t, label); n != 0 {
		t.Errorf("the replica counts %d tags %q, want 0", n, label)
	}

	c.Primary.Restart(t, c)
	c.mustCreateTag(t, c.Replica, label)
	requireCount(t, c, label, 1)
	requireNoWriteErrors(t, c.Replica)
}

// The row count of docs/DEPLOY.md, run on both nodes as written there,
// answers and leaves both nodes writing.
func TestRunbookCountLeavesNodesWorking(t *testing.T) {
	root, err := deploy.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	runbook, err := os.ReadFile(filepath.Join(root, deploy.RunbookFile))
	if err != nil {
		t.Fatal(err)
	}
	dbPath, err := deployedDB(root)
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for l := range strings.Lines(string(runbook)) {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "fly ssh console ") && strings.Contains(l, "sqlite3") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("%s runs no sqlite3 on the machines", deploy.RunbookFile)
	}
	// The command the operator's shell hands to fly to run on a machine.
	out, err := exec.Command("bash", "-c", `fly() { while [ $# -gt 0 ]; do case $1 in -C|--command) printf %s "$2"; return;; esac; shift; done; }; `+line).Output()
	count := string(out)
	if err != nil || !strings.HasPrefix(count, "sqlite3 ") || !strings.Contains(count, dbPath) {
		t.Fatalf("%s: the command it runs is %q (%v), want sqlite3 on %s", line, count, err, dbPath)
	}
	// The count is of tags labelled x.
	label := "x"
	if m := regexp.MustCompile(`label='([^']*)'`).FindStringSubmatch(count); m != nil {
		label = m[1]
	}

	c := Start(t, Options{})
	c.mustCreateTag(t, c.Replica, label)
	for _, n := range []*Node{c.Primary, c.Replica} {
		onNode := strings.ReplaceAll(count, dbPath, n.DB)
		out, err := exec.Command("bash", "-c", onNode).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "1" {
			t.Errorf("%s on the %s: %q %v, want 1", onNode, n.Name, out, err)
		}
	}
	// Both nodes still take writes, and replicate them.
	for _, n := range []*Node{c.Primary, c.Replica, c.Primary} {
		l := unique("after-count")
		c.mustCreateTag(t, n, l)
		requireReplicated(t, c, l, 1)
	}
}

// TestContractCountLeavesNodesWorking runs the count exactly as the
// contract gives it to operators, with the sqlite3 shell in its default
// read-write mode, on both nodes while they serve, again and again between
// writes. The blog's WAL guard keeps the shell from deleting the WAL that
// LiteFS and the blog are using.
func TestContractCountLeavesNodesWorking(t *testing.T) {
	c := Start(t, Options{})
	label := unique("counted")
	c.mustCreateTag(t, c.Replica, label)
	for round := range 3 {
		for _, n := range []*Node{c.Primary, c.Replica} {
			out, err := exec.Command("sqlite3", n.DB, "SELECT COUNT(*) FROM tags WHERE label='"+label+"'").CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "1" {
				t.Fatalf("round %d, count on the %s: %q %v, want 1", round, n.Name, out, err)
			}
		}
		for _, n := range []*Node{c.Replica, c.Primary} {
			l := unique("after-count")
			c.mustCreateTag(t, n, l)
			requireReplicated(t, c, l, 1)
		}
	}
}
