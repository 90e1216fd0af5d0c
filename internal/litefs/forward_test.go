package litefs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"blog"
	"blog/internal/repo"
)

const testSecret = "forward-secret"

// primaryServer is a primary node: a real database behind the real
// endpoint, served over HTTP, with a hook to misbehave on chosen attempts.
type primaryServer struct {
	mount *mount
	store *store
	srv   *httptest.Server

	mu       sync.Mutex
	keys     []string    // idempotency key of every request received
	arrivals []time.Time // when each request arrived
	// misbehave, when set, may answer request n (1-based) itself and
	// return true; otherwise the endpoint answers.
	misbehave func(n int, w http.ResponseWriter, r *http.Request, endpoint http.Handler) bool
}

func newPrimaryServer(t *testing.T, host string, port string) *primaryServer {
	t.Helper()
	p := &primaryServer{mount: newMount(t, Primary, "")}
	p.store = newStore(t, p.mount.db)
	fwd := NewForwarder(ForwarderConfig{Node: NewNode(p.mount.db), Secret: testSecret, Log: testLog(t)})
	p.store.repo.Use(fwd.Middleware())
	endpoint := fwd.Handler(p.store.repo, "test.insert")

	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := readAndRestore(r)
		var op repo.Op
		_ = json.Unmarshal(body, &op)
		p.mu.Lock()
		p.keys = append(p.keys, op.Key)
		p.arrivals = append(p.arrivals, time.Now())
		n, hook := len(p.keys), p.misbehave
		p.mu.Unlock()
		if hook != nil && hook(n, w, r, endpoint) {
			return
		}
		endpoint.ServeHTTP(w, r)
	}))
	if port == "" {
		port = "0"
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		t.Fatal(err)
	}
	p.srv.Listener.Close()
	p.srv.Listener = l
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

func (p *primaryServer) port() string {
	_, port, _ := net.SplitHostPort(p.srv.Listener.Addr().String())
	return port
}

func (p *primaryServer) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.keys...)
}

// readAndRestore reads r's body and puts it back for the endpoint.
func readAndRestore(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

// replicaNode is a replica: a database of its own, which must never see a
// forwarded write executed, and a Forwarder in its chain.
type replicaNode struct {
	mount *mount
	store *store
	fwd   *Forwarder
}

func newReplica(t *testing.T, primaryHost, port string, cfg ForwarderConfig) *replicaNode {
	t.Helper()
	r := &replicaNode{mount: newMount(t, Replica, primaryHost)}
	r.store = newStore(t, r.mount.db)
	cfg.Node = NewNode(r.mount.db)
	cfg.Port = port
	if cfg.Secret == "" {
		cfg.Secret = testSecret
	}
	if cfg.Log == nil {
		cfg.Log = testLog(t)
	}
	r.fwd = NewForwarder(cfg)
	r.store.repo.Use(r.fwd.Middleware())
	return r
}

func decodeTag(t *testing.T, res *repo.Result) insertValue {
	t.Helper()
	if res.Err != nil {
		t.Fatalf("write failed: %v", res.Err)
	}
	var v insertValue
	if err := json.Unmarshal(res.Value, &v); err != nil {
		t.Fatalf("decode %s: %v", res.Value, err)
	}
	return v
}

func TestForwardWaitsForReplication(t *testing.T) {
	p := newPrimaryServer(t, "127.0.0.1", "")
	p.mount.setPos(5)
	r := newReplica(t, "127.0.0.1", p.port(), ForwarderConfig{})
	r.mount.setPos(4)

	// Replicate like LiteFS would, a little after the primary answered:
	// first the data, then the position.
	const lag = 40 * time.Millisecond
	p.misbehave = func(_ int, w http.ResponseWriter, req *http.Request, endpoint http.Handler) bool {
		endpoint.ServeHTTP(w, req)
		go func() {
			time.Sleep(lag)
			now := time.Now().UTC().Format(blog.TimeFormat)
			if _, err := r.store.db.Exec(`INSERT INTO tags (label, created_at, updated_at) VALUES ('go', ?, ?)`, now, now); err != nil {
				t.Error(err)
			}
			r.mount.setPos(5)
		}()
		return true
	}

	start := time.Now()
	res := r.store.repo.Do(context.Background(), insertOp("go"))
	tag := decodeTag(t, res)

	if d := time.Since(start); d < lag {
		t.Errorf("returned after %s, before replication (%s)", d, lag)
	}
	if got := r.store.count(t, "go"); got != 1 {
		t.Errorf("a read on the replica right after the write finds %d tags, want 1", got)
	}
	if tag.Label != "go" || tag.ID == 0 {
		t.Errorf("value = %+v, want the primary's new tag", tag)
	}
	if res.HaltedBy != MiddlewareName || res.Replayed {
		t.Errorf("HaltedBy = %q, Replayed = %v; want %q, false", res.HaltedBy, res.Replayed, MiddlewareName)
	}
	if n := r.store.execs.Load(); n != 0 {
		t.Errorf("the replica executed the write %d times, want never", n)
	}
	if got := p.store.count(t, "go"); got != 1 {
		t.Errorf("primary holds %d tags, want 1", got)
	}
	if keys := p.requests(); len(keys) != 1 || keys[0] == "" {
		t.Errorf("primary received keys %q, want one non-empty key", keys)
	}
}

func TestForwardKeepsTheCallersKey(t *testing.T) {
	p := newPrimaryServer(t, "127.0.0.1", "")
	r := newReplica(t, "127.0.0.1", p.port(), ForwarderConfig{})

	ctx := repo.WithKey(context.Background(), "my-key-1")
	first := decodeTag(t, r.store.repo.Do(ctx, insertOp("go")))
	again := r.store.repo.Do(ctx, insertOp("go"))
	if second := decodeTag(t, again); second != first || !again.Replayed {
		t.Errorf("repeat = %+v (replayed %v), want %+v replayed", second, again.Replayed, first)
	}
	if keys := p.requests(); len(keys) != 2 || keys[0] != "my-key-1" || keys[1] != "my-key-1" {
		t.Errorf("primary received keys %q, want my-key-1 twice", keys)
	}
	if got := p.store.count(t, "go"); got != 1 {
		t.Errorf("primary holds %d tags, want 1", got)
	}
}

func TestForwardKeepsErrorCodes(t *testing.T) {
	p := newPrimaryServer(t, "127.0.0.1", "")
	if res := p.store.repo.Do(context.Background(), insertOp("go")); res.Err != nil {
		t.Fatal(res.Err)
	}
	var logs bytes.Buffer
	r := newReplica(t, "127.0.0.1", p.port(), ForwarderConfig{Log: slog.New(slog.NewTextHandler(&logs, nil))})

	res := r.store.repo.Do(context.Background(), insertOp("GO"))
	var be *blog.Error
	if !errors.As(res.Err, &be) {
		t.Fatalf("err = %v, want a *blog.Error", res.Err)
	}
	want := blog.Error{Code: blog.ECONFLICT, Field: "label", Message: `A tag "GO" exists already.`}
	if *be != want {
		t.Errorf("err = %+v, want %+v", *be, want)
	}
	if res.Value != nil {
		t.Errorf("value = %s alongside an error", res.Value)
	}
	if got := p.store.count(t, "GO"); got != 0 {
		t.Errorf("primary holds %d tags GO, want 0", got)
	}

	// One line for the forwarded write, at info level: a conflict is an
	// answer, not a failure of forwarding.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("log has %d lines, want 1:\n%s", len(lines), logs.String())
	}
	for _, want := range []string{"level=INFO", "op=test.insert", "key=", "attempts=1", "primary=127.0.0.1", "txid=", "wait=", "duration=", "code=conflict"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line lacks %q: %s", want, lines[0])
		}
	}
}

// hangUp drops the connection without an answer.
func hangUp(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	conn.Close()
}

func TestForwardRetries(t *testing.T) {
	tests := []struct {
		name      string
		failures  int // requests that fail before one succeeds
		fail      func(t *testing.T, w http.ResponseWriter, r *http.Request, endpoint http.Handler)
		replayed  bool // the successful answer comes from the ledger
		wantExecs int32
	}{
		{"server error", 1, func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ http.Handler) {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		}, false, 1},
		{"internal error three times", 3, func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ http.Handler) {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"error":{"code":"internal","message":"Internal error."}}`))
		}, false, 1},
		{"dropped connection", 1, func(t *testing.T, w http.ResponseWriter, _ *http.Request, _ http.Handler) {
			hangUp(t, w)
		}, false, 1},
		{"not the primary", 2, func(_ *testing.T, w http.ResponseWriter, _ *http.Request, _ http.Handler) {
			writeError(w, &blog.Error{Code: blog.ENOTPRIMARY, Message: "no longer primary"})
		}, false, 1},
		{"answer lost after the write", 1, func(t *testing.T, w http.ResponseWriter, r *http.Request, endpoint http.Handler) {
			endpoint.ServeHTTP(httptest.NewRecorder(), r) // the write commits…
			hangUp(t, w)                                  // …and the answer never arrives
		}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPrimaryServer(t, "127.0.0.1", "")
			p.misbehave = func(n int, w http.ResponseWriter, r *http.Request, endpoint http.Handler) bool {
				if n > tt.failures {
					return false
				}
				tt.fail(t, w, r, endpoint)
				return true
			}
			r := newReplica(t, "127.0.0.1", p.port(), ForwarderConfig{Timeout: 5 * time.Second})

			res := r.store.repo.Do(context.Background(), insertOp("go"))
			decodeTag(t, res)
			if res.Replayed != tt.replayed {
				t.Errorf("Replayed = %v, want %v", res.Replayed, tt.replayed)
			}

			keys := p.requests()
			if len(keys) != tt.failures+1 {
				t.Fatalf("primary received %d requests, want %d", len(keys), tt.failures+1)
			}
			for _, k := range keys {
				if k == "" || k != keys[0] {
					t.Fatalf("keys of the attempts = %q, want one non-empty key throughout", keys)
				}
			}
			if got := p.store.count(t, "go"); got != 1 {
				t.Errorf("primary holds %d tags, want exactly 1", got)
			}
			if n := p.store.execs.Load(); n != tt.wantExecs {
				t.Errorf("primary executed the write %d times, want %d", n, tt.wantExecs)
			}
			if n := r.store.execs.Load(); n != 0 {
				t.Errorf("the replica executed the write %d times, want never", n)
			}

			// Back-off: each pause at least half the previous ceiling
			// (25ms, 50ms, 100ms…), jitter notwithstanding.
			p.mu.Lock()
			arrivals := p.arrivals
			p.mu.Unlock()
			floor := backoffFirst / 2
			for i := 1; i < len(arrivals); i++ {
				if gap := arrivals[i].Sub(arrivals[i-1]); gap < floor {
					t.Errorf("attempt %d came %s after the previous one, want at least %s", i+1, gap, floor)
				}
				floor *= 2
			}
		})
	}
}

func TestForwardFollowsANewPrimary(t *testing.T) {
	// Two nodes on one port, as on Fly.io where each machine has its own
	// address: the old primary lost the lease to the new one.
	newer := newPrimaryServer(t, "127.0.0.2", "")
	older := newPrimaryServer(t, "127.0.0.1", newer.port())
	older.mount.setRole(Replica, "127.0.0.2")

	r := newReplica(t, "127.0.0.1", newer.port(), ForwarderConfig{Timeout: 5 * time.Second})
	older.misbehave = func(_ int, w http.ResponseWriter, req *http.Request, endpoint http.Handler) bool {
		// LiteFS tells the replica about the new primary while the old one
		// refuses the write.
		r.mount.setRole(Replica, "127.0.0.2\n")
		return false
	}

	decodeTag(t, r.store.repo.Do(context.Background(), insertOp("go")))
	if got := older.store.count(t, "go"); got != 0 {
		t.Errorf("old primary holds %d tags, want 0", got)
	}
	if got := newer.store.count(t, "go"); got != 1 {
		t.Errorf("new primary holds %d tags, want 1", got)
	}
	ok, nk := older.requests(), newer.requests()
	if len(ok) != 1 || len(nk) != 1 || ok[0] != nk[0] {
		t.Errorf("keys sent to old primary %q and new primary %q, want one each, the same", ok, nk)
	}
}

func TestForwardUnavailable(t *testing.T) {
	closedPort := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(l.Addr().String())
		l.Close()
		return port
	}
	hanging := func(t *testing.T) string {
		done := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // so the server notices the client hang up
			select {
			case <-r.Context().Done():
			case <-done:
			}
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(done) })
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		return port
	}
	tests := []struct {
		name    string
		primary string
		port    func(t *testing.T) string
	}{
		{"nothing listening", "127.0.0.1", closedPort},
		{"primary never answers", "127.0.0.1", hanging},
		{"primary not named yet", "", closedPort},
	}
	const timeout = 300 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			reg := prometheus.NewRegistry()
			metrics := NewMetrics(reg, nil)
			r := newReplica(t, tt.primary, tt.port(t), ForwarderConfig{
				Timeout: timeout, Metrics: metrics,
				Log: slog.New(slog.NewTextHandler(&logs, nil)),
			})

			start := time.Now()
			res := r.store.repo.Do(context.Background(), insertOp("go"))
			elapsed := time.Since(start)

			var be *blog.Error
			if !errors.As(res.Err, &be) || be.Code != blog.EUNAVAILABLE {
				t.Fatalf("err = %v, want an unavailable *blog.Error", res.Err)
			}
			if !strings.Contains(be.Message, "primary") || !strings.Contains(be.Message, "could not be reached") {
				t.Errorf("message %q does not say the primary could not be reached", be.Message)
			}
			if elapsed < timeout || elapsed > timeout+500*time.Millisecond {
				t.Errorf("gave up after %s, want soon after %s", elapsed, timeout)
			}
			if got := r.store.count(t, "go"); got != 0 || r.store.execs.Load() != 0 {
				t.Errorf("the replica wrote locally (%d tags, %d executions)", got, r.store.execs.Load())
			}
			m := gather(t, reg)
			if m[`blog_forwarded_writes_total{outcome="unavailable"}`] != 1 {
				t.Errorf("unavailable writes counted: %v, want 1", m[`blog_forwarded_writes_total{outcome="unavailable"}`])
			}
			if retries := m["blog_forward_retries_total"]; retries < 1 {
				t.Errorf("retries = %v, want some", retries)
			}
			if !strings.Contains(logs.String(), "level=WARN") || strings.Count(logs.String(), "\n") != 1 {
				t.Errorf("want one warning line, got:\n%s", logs.String())
			}
		})
	}
}

func TestForwardRunsLocallyOnceTheNodeIsPrimary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close() // the primary is gone…

	r := newReplica(t, "127.0.0.1", port, ForwarderConfig{Timeout: 5 * time.Second})
	go func() {
		time.Sleep(60 * time.Millisecond)
		r.mount.setRole(Primary, "") // …and this node takes the lease.
	}()

	res := r.store.repo.Do(context.Background(), insertOp("go"))
	decodeTag(t, res)
	if res.HaltedBy != "" {
		t.Errorf("HaltedBy = %q, want the local execution", res.HaltedBy)
	}
	if got := r.store.count(t, "go"); got != 1 {
		t.Errorf("the new primary holds %d tags, want 1", got)
	}
}

func TestForwardDoesNotRetryARefusal(t *testing.T) {
	p := newPrimaryServer(t, "127.0.0.1", "")
	r := newReplica(t, "127.0.0.1", p.port(), ForwarderConfig{Secret: "another secret", Timeout: 5 * time.Second})

	start := time.Now()
	res := r.store.repo.Do(context.Background(), insertOp("go"))
	if code := blog.ErrorCode(res.Err); code != blog.EINTERNAL {
		t.Errorf("err = %v (code %s), want an internal error", res.Err, code)
	}
	if !strings.Contains(res.Err.Error(), "BLOG_FORWARD_SECRET") {
		t.Errorf("err = %v, want a hint at BLOG_FORWARD_SECRET for the log", res.Err)
	}
	if n := len(p.requests()); n != 1 {
		t.Errorf("primary received %d requests, want 1", n)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s", d)
	}
	if got := p.store.count(t, "go") + r.store.count(t, "go"); got != 0 {
		t.Errorf("%d tags written, want none", got)
	}
}

func TestForwardPassesBadRequestsBack(t *testing.T) {
	p := newPrimaryServer(t, "127.0.0.1", "")
	r := newReplica(t, "127.0.0.1", p.port(), ForwarderConfig{Timeout: 5 * time.Second})

	res := r.store.repo.Do(context.Background(), repo.Op{Name: "no.such.op", Args: json.RawMessage(`{}`)})
	if code := blog.ErrorCode(res.Err); code != blog.EBADREQUEST {
		t.Errorf("err = %v, want bad_request", res.Err)
	}
	if n := len(p.requests()); n != 1 {
		t.Errorf("primary received %d requests, want 1", n)
	}
}

func TestForwardedWriteIsNeverForwardedAgain(t *testing.T) {
	p := newPrimaryServer(t, "127.0.0.1", "")
	r := newReplica(t, "127.0.0.1", p.port(), ForwarderConfig{})

	op := insertOp("go")
	res := r.fwd.Middleware().Before(withForwarded(context.Background()), &op)
	if res == nil || blog.ErrorCode(res.Err) != blog.ENOTPRIMARY {
		t.Fatalf("Before = %+v, want a not_primary halt", res)
	}
	if n := len(p.requests()); n != 0 {
		t.Errorf("the write was forwarded %d times, want never", n)
	}
}
