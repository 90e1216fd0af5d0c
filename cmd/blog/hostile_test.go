package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
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

	"blog/internal/blogtest"
	"blog/internal/litefs"
	"blog/internal/posts"
	"blog/internal/repo"
)

// The tests in this file attack the real binary over HTTP, as anyone on
// the internet can.

// node is a blog process started for one test.
type node struct {
	t       *testing.T
	base    string
	addr    string
	metrics string // base URL of the private metrics listener
	db      string
	p       process
}

// startNode starts `blog serve` standalone with the admin password "pw"
// and the extra settings.
func startNode(t *testing.T, extra ...string) *node {
	t.Helper()
	bin := blogtest.Binary(t)
	dir := t.TempDir()
	n := &node{t: t, addr: freePort(t), db: filepath.Join(dir, "blog.db")}
	n.base = "http://" + n.addr
	metricsAddr := freePort(t)
	n.metrics = "http://" + metricsAddr
	env := cleanEnv(append([]string{"BLOG_ADMIN_PASSWORD=pw", "BLOG_DB=" + n.db, "BLOG_ADDR=" + n.addr,
		"BLOG_METRICS_ADDR=" + metricsAddr}, extra...)...)
	n.p = start(t, bin, dir, env, "serve")
	waitHealthy(t, n.base)
	return n
}

// answer is content_test.go's.
func (a answer) code(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(a.body), &e); err != nil || e.Error.Message == "" {
		t.Fatalf("answer %d %q is not an API error: %v", a.status, a.body, err)
	}
	return e.Error.Code
}

// do sends a request; header holds name, value pairs ("Host" sets the
// request's host). It never follows redirects.
func (n *node) do(method, path string, body io.Reader, header ...string) answer {
	n.t.Helper()
	req, err := http.NewRequest(method, n.base+path, body)
	if err != nil {
		n.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		n.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, body: string(b)}
}

// api sends JSON to the API as the admin.
func (n *node) api(method, path, body string, header ...string) answer {
	n.t.Helper()
	auth := "Basic " + basic("admin", "pw")
	return n.do(method, path, strings.NewReader(body),
		append([]string{"Content-Type", "application/json", "Authorization", auth}, header...)...)
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// labels returns the labels of every tag, as the API lists them.
func (n *node) labels() []string {
	n.t.Helper()
	a := n.do("GET", "/api/tags", nil)
	var list []struct{ Label string }
	if err := json.Unmarshal([]byte(a.body), &list); err != nil {
		n.t.Fatalf("GET /api/tags: %d %s", a.status, a.body)
	}
	var out []string
	for _, t := range list {
		out = append(out, t.Label)
	}
	return out
}

// added returns the labels there are now that were not in before.
func (n *node) added(before []string) []string {
	n.t.Helper()
	var out []string
	for _, l := range n.labels() {
		if !slices.Contains(before, l) {
			out = append(out, l)
		}
	}
	return out
}

var heapLine = regexp.MustCompile(`(?m)^go_memstats_heap_alloc_bytes ([0-9.e+]+)$`)

// heap reads the process's live heap from /metrics.
func (n *node) heap() float64 {
	n.t.Helper()
	_, body := send(n.t, "GET", n.metrics+"/metrics", "", false)
	m := heapLine.FindStringSubmatch(body)
	if m == nil {
		n.t.Fatalf("/metrics has no go_memstats_heap_alloc_bytes: %.200s", body)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		n.t.Fatal(err)
	}
	return v
}

// Defect: the page cache kept each distinct address, with its query, and
// counted only the pages' bodies, so long distinct queries filled memory
// without bound. Now a page is kept under the parameters it reads, long
// addresses are refused before any handler, and the cache's bound counts
// keys too: 2,000 distinct long-query GETs leave the heap within the
// cache's bound (16 MiB) and a fixed margin.
func TestMemoryUnderDistinctLongQueries(t *testing.T) {
	// A lower GOGC keeps garbage not yet collected from passing for
	// memory held: the heap read is then close to what is live.
	n := startNode(t, "GOGC=25")
	const (
		cacheBound = 16 << 20
		margin     = 24 << 20
	)
	before := n.heap()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[string]int{} // kind and status
	work := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 30 * time.Second}
			for i := range work {
				var path, kind string
				switch i % 2 {
				case 0: // a search of its own, padded to just under the address limit
					kind = "under"
					path = fmt.Sprintf("/posts?q=word%d+%s&pad=%s", i, strings.Repeat("w", 300), strings.Repeat("p", 6<<10))
				case 1: // far over it
					kind = "over"
					path = fmt.Sprintf("/posts?n=%d&pad=%s", i, strings.Repeat("p", 200<<10))
				}
				res, err := c.Get(n.base + path)
				status := 0
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					status = res.StatusCode
				}
				mu.Lock()
				statuses[fmt.Sprint(kind, " ", status)]++
				mu.Unlock()
			}
		}()
	}
	for i := range 2000 {
		work <- i
	}
	close(work)
	wg.Wait()
	after := n.heap()
	t.Logf("heap %.1f MiB before, %.1f MiB after; answers %v", before/(1<<20), after/(1<<20), statuses)
	// An address over the limit is refused with 431 as soon as the
	// headers pass 8 KiB; the client, still sending, may see the
	// connection closed instead (status 0).
	if statuses["under 200"] != 1000 || statuses["over 200"] != 0 {
		t.Errorf("answers %v: want 200 for the 1,000 addresses under the limit, and a refusal for the others", statuses)
	}
	if after > cacheBound+margin {
		t.Fatalf("heap is %.1f MiB after 2,000 distinct long-query GETs; the cache's bound is 16 MiB, plus %d MiB of margin",
			after/(1<<20), margin>>20)
	}
	if a := n.do("GET", "/posts?q=word0+"+strings.Repeat("w", 300), nil); a.status != 200 {
		t.Fatalf("the node does not serve after the flood: %d", a.status)
	}
}

// Defect: with the forward secret, any registered operation ran on the
// primary, posts.upsert among them, storing raw <script> shown on every
// page. Now only tag writes are forwardable; every other operation the
// binary registers is refused and changes nothing.
func TestForwardEndpointTakesOnlyTagWrites(t *testing.T) {
	n := startNode(t, "BLOG_FORWARD_SECRET=shared")
	signer := litefs.NewSigner("shared")
	forward := func(op repo.Op) answer {
		t.Helper()
		body, _ := json.Marshal(op)
		req, _ := http.NewRequest("POST", n.base+litefs.ForwardPath, bytes.NewReader(body))
		signer.Sign(req, body)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return answer{status: res.StatusCode, header: res.Header, body: string(b)}
	}
	evil, _ := json.Marshal(posts.Upsert{Slug: "hello-world", Title: "Owned", PublishedAt: time.Now(),
		HTML: "<script>alert(1)</script>", ExcerptHTML: "<script>alert(2)</script>", Hash: "x"})

	all := repo.New(nil)
	register(all)
	allowed := forwardable()
	refused := 0
	for _, name := range all.Names() {
		if slices.Contains(allowed, name) {
			continue
		}
		refused++
		args := json.RawMessage(`{}`)
		if name == posts.OpUpsert {
			args = evil
		}
		a := forward(repo.Op{Name: name, Args: args, Key: "k-" + name})
		if a.status != http.StatusBadRequest || a.code(t) != "bad_request" || !strings.Contains(a.body, "not accepted") {
			t.Errorf("forwarded %s: %d %s, want 400 bad_request", name, a.status, a.body)
		}
	}
	if refused == 0 || !slices.Contains(all.Names(), posts.OpUpsert) {
		t.Fatalf("operations %v: the import's are not registered", all.Names())
	}
	for _, path := range []string{"/", "/posts/hello-world", "/rss.xml"} {
		if a := n.do("GET", path, nil); strings.Contains(a.body, "<script>alert") || strings.Contains(a.body, "Owned") {
			t.Fatalf("GET %s shows the forwarded post", path)
		}
	}

	a := forward(repo.Op{Name: "tags.create", Args: json.RawMessage(`{"label":"forwarded"}`), Key: "k-tag"})
	if a.status != 200 || !strings.Contains(a.body, `"label":"forwarded"`) {
		t.Fatalf("forwarded tags.create: %d %s", a.status, a.body)
	}
	if !slices.Contains(n.labels(), "forwarded") {
		t.Fatal("the forwarded tag was not created")
	}
}

// Defect: only ReadHeaderTimeout was set, so a body trickled for as long
// as the client liked was accepted. Now the whole request must arrive
// within ReadTimeout (10 s): the trickling client is cut off and nothing
// is written.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	conn, err := net.Dial("tcp", n.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"label":"trickled-in-slowly"}`
	fmt.Fprintf(conn, "POST /api/tags HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		n.addr, basic("admin", "pw"), len(body))
	start := time.Now()
	cut := false
	for i := 0; i < len(body); i++ {
		if _, err := conn.Write([]byte{body[i]}); err != nil {
			cut = true
			break
		}
		if time.Since(start) > 14*time.Second {
			break
		}
		time.Sleep(time.Second)
		conn.SetReadDeadline(time.Now().Add(time.Millisecond))
		one := make([]byte, 1)
		if _, err := conn.Read(one); err == nil || !isTimeout(err) {
			cut = true // the server answered or closed the connection
			break
		}
	}
	took := time.Since(start)
	if !cut || took > 13*time.Second {
		t.Fatalf("a body trickled at a byte a second was still being read after %s", took.Round(time.Second))
	}
	if slices.Contains(n.labels(), "trickled-in-slowly") {
		t.Fatal("the trickled write was made")
	}
	t.Logf("cut off after %s", took.Round(time.Second))
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// Defect: keys that are not UTF-8 became one key after forwarding. Now
// only visible ASCII is taken, and the 422 says so.
func TestIdempotencyKeyIsVisibleASCII(t *testing.T) {
	n := startNode(t)
	for _, key := range []string{"r-\xff1", "r-\xfe1", "with space", "caf\u00e9", strings.Repeat("k", 256)} {
		a := n.api("POST", "/api/tags", `{"label":"keyed"}`, "Idempotency-Key", key)
		if a.status != 422 || a.code(t) != "invalid" || !strings.Contains(a.body, "visible ASCII") {
			t.Errorf("key %q: %d %s, want 422 naming visible ASCII", key, a.status, a.body)
		}
	}
	if slices.Contains(n.labels(), "keyed") {
		t.Fatal("a write with a refused key was made")
	}
	if a := n.api("POST", "/api/tags", `{"label":"keyed"}`, "Idempotency-Key", strings.Repeat("~", 255)); a.status != 201 {
		t.Fatalf("a key of 255 visible characters: %d %s", a.status, a.body)
	}
}

// Defects: label uniqueness depended on the order of writes, and invisible
// characters and NFD twins were taken.
func TestTagLabelRules(t *testing.T) {
	n := startNode(t)
	before := n.labels()
	if a := n.api("POST", "/api/tags", `{"label":"\u212Aelvin"}`); a.status != 201 || !strings.Contains(a.body, `"label":"Kelvin"`) {
		t.Fatalf("Kelvin sign: %d %s, want 201 stored as K", a.status, a.body)
	}
	if a := n.api("POST", "/api/tags", `{"label":"\u017Fun"}`); a.status != 201 {
		t.Fatalf("long s: %d %s", a.status, a.body)
	}
	if a := n.api("POST", "/api/tags", `{"label":"cafe\u0301"}`); a.status != 201 || !strings.Contains(a.body, "\"label\":\"caf\u00e9\"") {
		t.Fatalf("decomposed café: %d %s, want 201 stored in NFC", a.status, a.body)
	}
	for _, dup := range []string{"kelvin", "KELVIN", "sun", "caf\u00e9", "\uff43\uff41\uff46\u00e9"} {
		if a := n.api("POST", "/api/tags", fmt.Sprintf(`{"label":%q}`, dup)); a.status != 409 || a.code(t) != "conflict" {
			t.Errorf("%q after its twin: %d %s, want 409", dup, a.status, a.body)
		}
	}
	for _, bad := range []string{"\u200b", "\ufeffnew", "so\u00adft", "\u202egnp.exe", "go\u200d"} {
		if a := n.api("POST", "/api/tags", fmt.Sprintf(`{"label":%q}`, bad)); a.status != 422 || a.code(t) != "invalid" {
			t.Errorf("%q: %d %s, want 422", bad, a.status, a.body)
		}
	}
	if got := n.added(before); len(got) != 3 {
		t.Fatalf("new labels %q, want the three first", got)
	}

	// Defects: labels that render as nothing, or as another label, were
	// taken. Each is refused with the character named.
	before = n.labels()
	if !slices.Contains(before, "go") { // the bundled content's
		t.Fatalf("no tag go among %q", before)
	}
	for _, tc := range []struct{ label, names string }{
		{"\u3164", "U+3164"},             // Hangul filler
		{"\u2800", "U+2800"},             // braille blank
		{"\u115f\u1160", "U+115F"},       // Hangul choseong and jungseong fillers
		{"go\u3164", "U+3164"},           // beside "go"
		{"g\u043e", "U+043E"},            // a Cyrillic о beside Latin "go"
		{"\u0301\u0308\u0303", "U+0301"}, // marks alone
		{"z" + strings.Repeat("\u0300\u0316\u0301\u0317", 8), "more than 4"}, // 32 stacked marks
		{"go\u2800", "U+2800"},
		{"go  go", "two spaces"},
	} {
		a := n.api("POST", "/api/tags", fmt.Sprintf(`{"label":%q}`, tc.label))
		if a.status != 422 || a.code(t) != "invalid" || !strings.Contains(a.body, tc.names) {
			t.Errorf("%+q: %d %s, want 422 naming %s", tc.label, a.status, a.body, tc.names)
		}
	}
	if a := n.api("PATCH", "/api/tags/1", `{"label":"g\u043e"}`); a.status != 422 || a.code(t) != "invalid" {
		t.Errorf("rename to a Cyrillic twin: %d %s, want 422", a.status, a.body)
	}
	if got := n.added(before); len(got) != 0 {
		t.Fatalf("labels %q were taken", got)
	}
	for _, good := range []string{"Go言語", "日本語のタグ", "🦀 rust", "c++", "программирование", "हिन्दी", "Tiếng Việt"} {
		if a := n.api("POST", "/api/tags", fmt.Sprintf(`{"label":%q}`, good)); a.status != 201 {
			t.Errorf("%q: %d %s, want 201", good, a.status, a.body)
		}
	}
}

// Defects: a write to an address with a trailing slash was redirected
// with 301, which clients re-send as a GET; an unknown method answered
// 403; a few ids and a JSON body with a key twice were taken.
func TestStatusesOfOddRequests(t *testing.T) {
	n := startNode(t)
	before := n.labels()
	if a := n.api("POST", "/api/tags", `{"label":"one"}`); a.status != 201 {
		t.Fatalf("seed: %d %s", a.status, a.body)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"POST", "/api/tags/", 404, ""},
		{"PATCH", "/api/tags/1/", 404, ""},
		{"TRACE", "/", 405, "GET"},
		{"DELETE", "/tags/1", 405, "POST"},
		{"PUT", "/tags", 405, "POST"},
		{"PUT", "/api/tags/1", 405, "PATCH"},
		{"POST", "/api/nothing", 404, ""},
		{"GET", "/api/nothing", 404, ""},
		{"POST", "/internal//forward", 404, ""},
		{"POST", "/internal/forward", 404, ""}, // no forward secret: no endpoint
		{"POST", "/no/such/page", 404, ""},
		{"GET", "/api/tags/+1", 404, ""},
		{"GET", "/api/tags/01", 404, ""},
		{"GET", "/api/tags/1.0", 404, ""},
		{"PATCH", "/api/tags/01", 404, ""},
		{"GET", "/tags/+1", 404, ""},
	} {
		a := n.api(tc.method, tc.path, `{"label":"slash"}`)
		if a.status != tc.status || !strings.Contains(a.header.Get("Allow"), tc.allow) {
			t.Errorf("%s %s: %d, Allow %q; want %d with Allow listing %q", tc.method, tc.path, a.status, a.header.Get("Allow"), tc.status, tc.allow)
		}
	}
	for _, method := range []string{"GET", "POST", "PUT"} {
		if a := n.api(method, "/api/nothing", `{}`); a.code(t) != "not_found" && a.code(t) != "method_not_allowed" {
			t.Errorf("%s /api/nothing: %d %s, want a JSON error", method, a.status, a.body)
		}
	}
	if a := n.do("GET", "/tags/", nil); a.status != 301 || a.header.Get("Location") != "/tags" {
		t.Errorf("GET /tags/: %d to %q, want 301 to /tags", a.status, a.header.Get("Location"))
	}
	if a := n.do("GET", "//evil.example/", nil); a.status == 301 && strings.HasPrefix(a.header.Get("Location"), "//") {
		t.Errorf("GET //evil.example/ redirects off the site to %q", a.header.Get("Location"))
	}
	if a := n.api("GET", "/api/tags/1", ""); a.status != 200 {
		t.Errorf("GET /api/tags/1: %d", a.status)
	}
	if a := n.api("POST", "/api/tags", `{"label":"first","label":"second"}`); a.status != 400 || a.code(t) != "bad_request" {
		t.Errorf("duplicate keys: %d %s, want 400 bad_request", a.status, a.body)
	}
	if a := n.api("PATCH", "/api/tags/1", `{"label":"x","nested":{"a":1,"a":2}}`); a.status != 400 {
		t.Errorf("duplicate nested keys: %d %s, want 400", a.status, a.body)
	}
	if got := n.added(before); len(got) != 1 || got[0] != "one" {
		t.Fatalf("new labels %q after the refused writes, want only one", got)
	}
}

// Defect: 64,001 bytes were refused as over 64 KiB, and a chunked body
// over the limit got 400 "Malformed JSON". Now 65,536 bytes pass and one
// more is 413 too_large, however the body is sent.
func TestBodyLimitIsExactly64KiB(t *testing.T) {
	n := startNode(t)
	before := n.labels()
	padded := func(size int, label string) string {
		b := fmt.Sprintf(`{"label":%q}`, label)
		return b[:len(b)-1] + strings.Repeat(" ", size-len(b)) + "}"
	}
	if a := n.api("POST", "/api/tags", padded(65536, "fits")); a.status != 201 {
		t.Fatalf("65,536 bytes: %d %s", a.status, a.body)
	}
	if a := n.api("POST", "/api/tags", padded(65537, "over")); a.status != 413 || a.code(t) != "too_large" {
		t.Fatalf("65,537 bytes: %d %s", a.status, a.body)
	}
	// Chunked: the reader hides the length from the client.
	chunked := struct{ io.Reader }{strings.NewReader(padded(200<<10, "chunked"))}
	a := n.do("POST", "/api/tags", chunked, "Content-Type", "application/json", "Authorization", "Basic "+basic("admin", "pw"))
	if a.status != 413 || a.code(t) != "too_large" {
		t.Fatalf("200 KB chunked: %d %s", a.status, a.body)
	}
	form := struct{ io.Reader }{strings.NewReader("label=" + strings.Repeat("f", 200<<10))}
	if a := n.do("POST", "/tags", form, "Content-Type", "application/x-www-form-urlencoded", "Authorization", "Basic "+basic("admin", "pw")); a.status != 413 {
		t.Fatalf("200 KB chunked form: %d", a.status)
	}
	if got := n.added(before); len(got) != 1 || got[0] != "fits" {
		t.Fatalf("new labels %q, want only the one that fits", got)
	}
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// formPage loads a page with a form and returns its CSRF cookie and token.
func (n *node) formPage(path string, header ...string) (*http.Cookie, string, answer) {
	n.t.Helper()
	a := n.do("GET", path, nil, header...)
	m := csrfInput.FindStringSubmatch(a.body)
	res := http.Response{Header: a.header}
	cookies := res.Cookies()
	if m == nil || len(cookies) == 0 {
		n.t.Fatalf("GET %s: %d, no form token or cookie", path, a.status)
	}
	return cookies[0], m[1], a
}

// Defect: any equal cookie and token pair passed, and the token was taken
// from the query string. Now tokens are signed by the server, read from
// the form body only, cookies are HttpOnly and SameSite=Lax (Secure with
// the __Host- prefix behind TLS), and a write from another origin is
// refused.
func TestCSRFTokensAreTheServers(t *testing.T) {
	n := startNode(t)
	before := n.labels()
	auth := "Basic " + basic("admin", "pw")
	post := func(path, form string, header ...string) answer {
		t.Helper()
		return n.do("POST", path, strings.NewReader(form),
			append([]string{"Content-Type", "application/x-www-form-urlencoded", "Authorization", auth}, header...)...)
	}
	ck, token, _ := n.formPage("/tags/new")
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Name != "blog_csrf" {
		t.Errorf("cookie %+v, want HttpOnly, SameSite=Lax, not Secure over plain HTTP", ck)
	}
	forged := strings.Repeat("A", 43)
	for _, tc := range []struct {
		name, path, form string
		header           []string
	}{
		{"chosen pair", "/tags", "label=forged&_csrf=" + forged, []string{"Cookie", "blog_csrf=" + forged}},
		{"token in the query string", "/tags?_csrf=" + url.QueryEscape(token), "label=forged", []string{"Cookie", ck.Name + "=" + ck.Value}},
		{"token of another cookie", "/tags", "label=forged&_csrf=" + url.QueryEscape(token), []string{"Cookie", "blog_csrf=" + forged}},
		{"another site", "/tags", "label=forged&_csrf=" + url.QueryEscape(token), []string{"Cookie", ck.Name + "=" + ck.Value, "Origin", "https://evil.example"}},
		{"opaque origin", "/tags", "label=forged&_csrf=" + url.QueryEscape(token), []string{"Cookie", ck.Name + "=" + ck.Value, "Origin", "null"}},
		{"cross-site fetch", "/tags", "label=forged&_csrf=" + url.QueryEscape(token), []string{"Cookie", ck.Name + "=" + ck.Value, "Sec-Fetch-Site", "cross-site"}},
	} {
		if a := post(tc.path, tc.form, tc.header...); a.status != 403 {
			t.Errorf("%s: %d, want 403", tc.name, a.status)
		}
	}
	if a := n.api("DELETE", "/api/tags/1", "", "Origin", "https://evil.example"); a.status != 403 {
		t.Errorf("API write from another origin: %d, want 403", a.status)
	}
	if got := n.added(before); len(got) != 0 || len(n.labels()) != len(before) {
		t.Fatalf("a refused write changed the tags: new %q", got)
	}
	a := post("/tags", "label=mine&_csrf="+url.QueryEscape(token), "Cookie", ck.Name+"="+ck.Value, "Origin", n.base)
	if a.status != 303 || !slices.Contains(n.labels(), "mine") {
		t.Fatalf("the blog's own form: %d", a.status)
	}
	if a := n.do("GET", "/tags", nil); a.header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS over plain HTTP")
	}
}

// Behind Fly.io's TLS proxy, the cookie is Secure with the __Host- prefix
// and pages send HSTS; a client cannot claim TLS where the blog is not on Fly.
func TestCookiesBehindTLS(t *testing.T) {
	n := startNode(t, "FLY_APP_NAME=notes")
	ck, _, a := n.formPage("/tags/new", "X-Forwarded-Proto", "https")
	if ck.Name != "__Host-blog_csrf" || !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" {
		t.Errorf("cookie behind TLS %+v, want __Host-blog_csrf, Secure, HttpOnly, Path=/", ck)
	}
	if !strings.HasPrefix(a.header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS behind TLS: %v", a.header)
	}

	plain := startNode(t)
	ck, _, a = plain.formPage("/tags/new", "X-Forwarded-Proto", "https")
	if ck.Secure || a.header.Get("Strict-Transport-Security") != "" {
		t.Errorf("off Fly, a forged X-Forwarded-Proto was believed: cookie %+v", ck)
	}
}

// Defect: passwords could be guessed thousands of times a second. Now a
// client address gets LoginFailures failures a minute, then 429 with
// Retry-After, even with the right password; other addresses are not held
// back.
func TestPasswordGuessingIsLimited(t *testing.T) {
	n := startNode(t, "FLY_APP_NAME=notes")
	guess := func(ip, pass string) answer {
		t.Helper()
		return n.do("POST", "/api/tags", strings.NewReader(`{"label":"guessed"}`),
			"Content-Type", "application/json", "Fly-Client-IP", ip, "Authorization", "Basic "+basic("admin", pass))
	}
	for i := range 10 {
		if a := guess("203.0.113.7", fmt.Sprint("guess", i)); a.status != 401 {
			t.Fatalf("guess %d: %d, want 401", i+1, a.status)
		}
	}
	a := guess("203.0.113.7", "guess10")
	secs, _ := strconv.Atoi(a.header.Get("Retry-After"))
	if a.status != 429 || a.code(t) != "too_many_requests" || secs < 1 || secs > 60 {
		t.Fatalf("11th guess: %d, Retry-After %q, %s", a.status, a.header.Get("Retry-After"), a.body)
	}
	if a := guess("203.0.113.7", "pw"); a.status != 429 {
		t.Fatalf("the right password from the limited address: %d, want 429", a.status)
	}
	if slices.Contains(n.labels(), "guessed") {
		t.Fatal("a write got through the limit")
	}
	if a := guess("198.51.100.9", "pw"); a.status != 201 {
		t.Fatalf("another address with the password: %d, want 201", a.status)
	}

	// Pages that show the admin more (a tag's edit controls) check the
	// password too: guesses there count against the same limit, and a
	// limited address is shown the reader's page even with the password.
	read := func(ip, pass string) answer {
		t.Helper()
		return n.do("GET", "/tags", nil, "Fly-Client-IP", ip, "Authorization", "Basic "+basic("admin", pass))
	}
	if a := read("192.0.2.50", "pw"); a.status != 200 || !strings.Contains(a.body, "New tag") {
		t.Fatalf("the admin's tag list: %d, no New tag control", a.status)
	}
	for i := range 10 {
		if a := read("192.0.2.51", fmt.Sprint("page-guess", i)); a.status != 200 || strings.Contains(a.body, "New tag") {
			t.Fatalf("page guess %d: %d, or the admin's controls shown", i+1, a.status)
		}
	}
	if a := read("192.0.2.51", "pw"); a.status != 200 || strings.Contains(a.body, "New tag") {
		t.Fatalf("the right password from an address limited by page guesses: %d, admin's controls %v", a.status, strings.Contains(a.body, "New tag"))
	}
	if a := guess("192.0.2.51", "pw"); a.status != 429 {
		t.Fatalf("a write from an address limited by page guesses: %d, want 429", a.status)
	}
}

// Defect: the request log wrote whatever X-Forwarded-For said. Now it
// writes the socket's address, or Fly-Client-IP on Fly.io only.
func TestRequestLogNamesTheRealClient(t *testing.T) {
	n := startNode(t)
	n.do("GET", "/tags?log=plain", nil, "X-Forwarded-For", "6.6.6.6", "X-Real-IP", "6.6.6.7", "Fly-Client-IP", "6.6.6.8")
	fly := startNode(t, "FLY_APP_NAME=notes")
	fly.do("GET", "/tags?log=fly", nil, "X-Forwarded-For", "6.6.6.6", "Fly-Client-IP", "192.0.2.44")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(n.p.log(), "path=/tags") || !strings.Contains(fly.p.log(), "path=/tags") {
		if time.Now().After(deadline) {
			t.Fatal("no request lines in the logs")
		}
		time.Sleep(50 * time.Millisecond)
	}
	line := requestLine(n.p.log(), "/tags")
	if !strings.Contains(line, "remote=127.0.0.1") || strings.Contains(line, "6.6.6.") {
		t.Errorf("off Fly, the log line is %q; want the socket's address", line)
	}
	line = requestLine(fly.p.log(), "/tags")
	if !strings.Contains(line, "remote=192.0.2.44") {
		t.Errorf("on Fly, the log line is %q; want Fly-Client-IP", line)
	}
}

func requestLine(log, path string) string {
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		if strings.Contains(sc.Text(), "msg=request") && strings.Contains(sc.Text(), "path="+path+" ") {
			return sc.Text()
		}
	}
	return ""
}

// Defect: a write that found the disk full answered 500. Now it is 503
// unavailable, as for a lost primary; reads go on, and writes work again
// once there is room. The database lives on a small tmpfs that the test
// fills (mounting one needs root: skipped without it).
func TestFullDiskAnswersUnavailable(t *testing.T) {
	disk := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", disk).Run() })

	bin := blogtest.Binary(t)
	addr := freePort(t)
	base := "http://" + addr
	env := cleanEnv("BLOG_ADMIN_PASSWORD=pw", "BLOG_DB="+filepath.Join(disk, "blog.db"), "BLOG_ADDR="+addr)
	p := start(t, bin, t.TempDir(), env, "serve")
	waitHealthy(t, base)
	n := &node{t: t, base: base, addr: addr, p: p}

	// Fill what is left of the disk.
	filler, err := os.Create(filepath.Join(disk, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := filler.Write(chunk); err != nil {
			break
		}
	}
	small := make([]byte, 512)
	for {
		if _, err := filler.Write(small); err != nil {
			break
		}
	}
	filler.Close()

	full := 0
	for i := 0; i < 500 && full == 0; i++ {
		a := n.api("POST", "/api/tags", fmt.Sprintf(`{"label":"filling the disk %d %s"}`, i, strings.Repeat("x", 30)))
		switch a.status {
		case 201:
		case 503:
			if a.code(t) != "unavailable" {
				t.Fatalf("full disk: %d %s", a.status, a.body)
			}
			full++
		default:
			t.Fatalf("write %d on a full disk: %d %s", i, a.status, a.body)
		}
	}
	if full == 0 {
		t.Fatal("500 writes and the disk never filled")
	}
	if a := n.do("GET", "/api/tags", nil); a.status != 200 {
		t.Fatalf("reads on a full disk: %d", a.status)
	}
	if strings.Contains(p.log(), "status=500") {
		t.Fatalf("a request answered 500:\n%s", p.log())
	}

	if err := os.Remove(filepath.Join(disk, "filler")); err != nil {
		t.Fatal(err)
	}
	if a := n.api("POST", "/api/tags", `{"label":"room again"}`); a.status != 201 {
		t.Fatalf("a write once there is room: %d %s", a.status, a.body)
	}
}
