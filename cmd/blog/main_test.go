package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"blog/internal/blogtest"
	"blog/internal/sqlite"
	"blog/internal/sqlite/sqlitetest"
	"blog/migrations"
)

func TestMain(m *testing.M) {
	code := m.Run()
	blogtest.RemoveBinaries()
	os.Exit(code)
}

// cleanEnv is the environment without any BLOG_ setting, but for a
// metrics address on any free port: blogs started side by side on
// loopback would otherwise all ask for 127.0.0.1:9091. A test that reads
// /metrics names its own address among extra (the last value wins).
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BLOG_") {
			env = append(env, kv)
		}
	}
	env = append(env, "BLOG_METRICS_ADDR=127.0.0.1:0")
	return append(env, extra...)
}

type process struct {
	cmd *exec.Cmd
	out *bytes.Buffer
	mu  *sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (p process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func start(t testing.TB, bin, dir string, env []string, args ...string) process {
	t.Helper()
	p := process{cmd: exec.Command(bin, args...), out: &bytes.Buffer{}, mu: &sync.Mutex{}}
	p.cmd.Dir = dir
	p.cmd.Env = env
	p.cmd.Stdout = lockedWriter{p.mu, p.out}
	p.cmd.Stderr = lockedWriter{p.mu, p.out}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		if t.Failed() {
			t.Logf("blog's log:\n%s", p.log())
		}
	})
	return p
}

func waitHealthy(t testing.TB, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/health did not answer 200 within 30 s", base)
}

func stop(t *testing.T, p process) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	errc := make(chan error, 1)
	go func() { errc <- p.cmd.Wait() }()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("blog exited with %v after SIGTERM", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("blog did not stop within 15 s of SIGTERM")
	}
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func send(t *testing.T, method, url, body string, auth bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.SetBasicAuth("admin", "pw")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServeWithNoSettings starts the real binary the way a newcomer does:
// no settings at all, in an empty folder.
func TestServeWithNoSettings(t *testing.T) {
	bin := blogtest.Binary(t)
	dir := t.TempDir()
	if ln, err := net.Listen("tcp", ":8080"); err != nil {
		t.Skipf("port 8080 is taken on this machine: %v", err)
	} else {
		ln.Close()
	}
	p := start(t, bin, dir, cleanEnv(), "serve")
	waitHealthy(t, "http://127.0.0.1:8080")

	if _, err := os.Stat(filepath.Join(dir, "data", "blog.db")); err != nil {
		t.Fatalf("serve did not create data/blog.db: %v", err)
	}
	if code, body := send(t, "GET", "http://127.0.0.1:8080/tags", "", false); code != 200 || !strings.Contains(body, "<h1>Tags</h1>") {
		t.Fatalf("GET /tags: %d", code)
	}
	code, body := send(t, "POST", "http://127.0.0.1:8080/api/tags", `{"label":"x"}`, true)
	if code != 403 || !strings.Contains(body, "BLOG_ADMIN_PASSWORD") {
		t.Fatalf("write without a password set: %d %s", code, body)
	}
	stop(t, p)
	if !strings.Contains(p.log(), "migration applied") || !strings.Contains(p.log(), "path=/tags status=200") {
		t.Fatalf("log lacks the migration or the request line:\n%s", p.log())
	}
}

// TestServeKeepsWrites writes through the API, restarts, and reads back;
// the flag overrides the environment variable.
func TestServeKeepsWrites(t *testing.T) {
	bin := blogtest.Binary(t)
	dir := t.TempDir()
	addr := freePort(t)
	env := cleanEnv("BLOG_ADDR=127.0.0.1:1", "BLOG_ADMIN_PASSWORD=pw", "BLOG_DB="+filepath.Join(dir, "site.db"))
	base := "http://" + addr

	p := start(t, bin, dir, env, "serve", "--addr", addr)
	waitHealthy(t, base)
	if code, body := send(t, "POST", base+"/api/tags", `{"label":"kept"}`, true); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, _ := send(t, "POST", base+"/api/tags", `{"label":"KEPT"}`, true); code != 409 {
		t.Fatalf("duplicate: %d", code)
	}
	stop(t, p)

	p = start(t, bin, dir, env, "serve", "--addr", addr)
	waitHealthy(t, base)
	if code, body := send(t, "GET", base+"/api/tags", "", false); code != 200 || !strings.Contains(body, `"label":"kept"`) {
		t.Fatalf("after restart: %d %s", code, body)
	}
	stop(t, p)
}

func TestMigrate(t *testing.T) {
	bin := blogtest.Binary(t)
	db := filepath.Join(t.TempDir(), "nested", "blog.db")
	for range 2 { // a second run finds nothing to do and still exits 0
		cmd := exec.Command(bin, "migrate", "--db", db)
		cmd.Env = cleanEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("migrate: %v\n%s", err, out)
		}
	}
	conn, err := sqlite.Open(db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	status, err := sqlite.Schema(context.Background(), conn)
	if err != nil || status.Behind() || status.Current == 0 {
		t.Fatalf("schema after migrate: %+v, %v", status, err)
	}
	var mode string
	if err := conn.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q, %v; want wal", mode, err)
	}
	var n int
	if err := conn.QueryRow(`SELECT COUNT(*) FROM tags`).Scan(&n); err != nil {
		t.Fatalf("tags table: %v", err)
	}
}

// TestRefusesLiteFSWithoutFlock checks that a binary built without the
// sqlite3_flock tag refuses a database on a LiteFS mount and says why,
// instead of failing later with "disk I/O error".
func TestRefusesLiteFSWithoutFlock(t *testing.T) {
	bin := blogtest.BinaryWithoutFlock(t)
	mount := t.TempDir()
	if err := os.WriteFile(filepath.Join(mount, ".lag"), []byte("0"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "migrate", "--db", filepath.Join(mount, "blog.db"))
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "-tags sqlite3_flock") {
		t.Fatalf("migrate on LiteFS without the tag: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(mount, "blog.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the refused binary created the database")
	}
}

// TestServeOnLiteFSNeedsForwardSecret: a node on LiteFS cannot forward or
// accept forwarded writes without the shared secret, so it refuses to start.
func TestServeOnLiteFSNeedsForwardSecret(t *testing.T) {
	bin := blogtest.Binary(t)
	mount := t.TempDir()
	if err := os.WriteFile(filepath.Join(mount, ".lag"), []byte("0"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--addr", freePort(t), "--db", filepath.Join(mount, "blog.db"))
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 || !strings.Contains(string(out), "BLOG_FORWARD_SECRET") {
		t.Fatalf("serve on LiteFS without the secret: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(mount, "blog.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the refused serve created the database")
	}
}

// TestMigrateSkippedOnReplica: only the node holding the lease migrates; a
// candidate that is a replica succeeds without touching the database, so
// LiteFS goes on to start the server.
func TestMigrateSkippedOnReplica(t *testing.T) {
	bin := blogtest.Binary(t)
	mount := t.TempDir()
	for name, text := range map[string]string{".lag": "0", ".primary": "primary.internal\n"} {
		if err := os.WriteFile(filepath.Join(mount, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "migrate", "--db", filepath.Join(mount, "blog.db"))
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "primary=primary.internal") {
		t.Fatalf("migrate on a replica: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(mount, "blog.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("migrate on a replica created the database")
	}
}

// TestReplicaBehindSchemaIsUnhealthy: a replica whose replicated schema is
// older than its binary answers /health with 503 and the reason, and does
// not migrate itself.
func TestReplicaBehindSchemaIsUnhealthy(t *testing.T) {
	bin := blogtest.Binary(t)
	mount := t.TempDir()
	dbPath := filepath.Join(mount, "blog.db")
	db, err := sqlite.Open(dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for name, text := range map[string]string{".lag": "0", ".primary": "127.0.0.1\n"} {
		if err := os.WriteFile(filepath.Join(mount, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	addr := freePort(t)
	start(t, bin, t.TempDir(), cleanEnv("BLOG_FORWARD_SECRET=s", "BLOG_DB="+dbPath), "serve", "--addr", addr)
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/health")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), `"status":"unavailable"`) ||
				!strings.Contains(string(b), "waiting for the primary to migrate") || !strings.Contains(string(b), `"role":"replica"`) {
				t.Fatalf("health of a replica behind: %d %s", res.StatusCode, b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica did not answer /health")
		}
		time.Sleep(50 * time.Millisecond)
	}
	db, err = sqlite.Open(dbPath, sqlite.Options{Replica: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if s, err := sqlite.Schema(context.Background(), db); err != nil || s.Current != 1 {
		t.Fatalf("the replica changed its schema: %+v %v", s, err)
	}
}

// TestPromotedReplicaImports: a replica that becomes the primary while
// running migrates and imports the bundled content, as a primary that
// started so would have.
func TestPromotedReplicaImports(t *testing.T) {
	bin := blogtest.Binary(t)
	mount := t.TempDir()
	dbPath := filepath.Join(mount, "blog.db")
	db := sqlitetest.OpenAt(t, dbPath)
	for name, text := range map[string]string{".lag": "0", ".primary": "127.0.0.1\n"} {
		if err := os.WriteFile(filepath.Join(mount, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	posts := func() int {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM posts`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	addr := freePort(t)
	p := start(t, bin, t.TempDir(), cleanEnv("BLOG_FORWARD_SECRET=s", "BLOG_DB="+dbPath), "serve", "--addr", addr)
	waitHealthy(t, "http://"+addr)
	time.Sleep(1500 * time.Millisecond) // a role check or more
	if n := posts(); n != 0 {
		t.Fatalf("a replica imported %d posts", n)
	}

	if err := os.Remove(filepath.Join(mount, ".primary")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for posts() == 0 || !strings.Contains(p.log(), "content imported") {
		if time.Now().After(deadline) {
			t.Fatalf("no import within 15 s of the promotion; log:\n%s", p.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(p.log(), "role changed") || !strings.Contains(p.log(), "content imported") {
		t.Fatalf("the log does not tell of the promotion:\n%s", p.log())
	}
}

// runBlog runs the binary to its end in dir and returns its exit code and
// its standard error.
func runBlog(t *testing.T, bin, dir string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), stderr.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// TestListenFailsBeforeTheDatabase: a port already taken or a host that
// does not resolve is reported before the database is created, with the
// setting to change and where its value came from.
func TestListenFailsBeforeTheDatabase(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	for _, tc := range []struct {
		name, addr string
		flag       bool // given as --addr rather than BLOG_ADDR
		want       string
	}{
		{"port taken", addr, false, "cannot listen on " + addr + ", from BLOG_ADDR (choose another address with BLOG_ADDR or --addr): "},
		{"port taken, by flag", addr, true, "cannot listen on " + addr + ", from --addr (choose another address with BLOG_ADDR or --addr): "},
		{"unknown host", "no-such-host.invalid:8080", false, "no-such-host.invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, args := map[string]string{"BLOG_ADDR": tc.addr}, []string{"serve"}
			if tc.flag {
				env, args = nil, append(args, "--addr", tc.addr)
			}
			code, _, stderr, dir := runInProcess(t, env, args...)
			if code != 1 || !strings.Contains(stderr, "cannot listen on "+tc.addr) || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 1 naming %s and %q", code, stderr, tc.addr, tc.want)
			}
			if tc.addr == addr && !strings.Contains(stderr, "address already in use") {
				t.Fatalf("stderr %q does not say the port is in use", stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "data", "blog.db")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("data/blog.db exists after the failure to listen (%v)", err)
			}
			if strings.Contains(stderr, "migration applied") {
				t.Fatalf("the blog migrated before it listened:\n%s", stderr)
			}
		})
	}
}

// TestFirstStartLogsNoWarning: a first start on a fresh folder is normal
// and says nothing that reads like an error.
func TestFirstStartLogsNoWarning(t *testing.T) {
	bin := blogtest.Binary(t)
	dir := t.TempDir()
	addr := freePort(t)
	p := start(t, bin, dir, cleanEnv("BLOG_ADDR="+addr), "serve")
	waitHealthy(t, "http://"+addr)
	stop(t, p)
	log := p.log()
	if !strings.Contains(log, "migration applied") {
		t.Fatalf("not a first start: nothing migrated\n%s", log)
	}
	if strings.Contains(log, "level=WARN") || strings.Contains(log, "level=ERROR") {
		t.Fatalf("the first start warns:\n%s", log)
	}
}

// TestBuildWithoutFlockSaysSoFirst: on LiteFS, a binary built without the
// sqlite3_flock tag names the rebuild before any setting, and its migrate
// fails on a replica too instead of exiting 0 as if all were well.
func TestBuildWithoutFlockSaysSoFirst(t *testing.T) {
	bin := blogtest.BinaryWithoutFlock(t)
	for _, tc := range []struct {
		name    string
		primary string // text of .primary; empty: none (this node would be primary)
		args    []string
	}{
		{"serve without a forward secret", "", []string{"serve", "--addr", freePort(t)}},
		{"serve on a replica", "primary.internal\n", []string{"serve"}},
		{"migrate on a candidate", "", []string{"migrate"}},
		{"migrate on a replica", "primary.internal\n", []string{"migrate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mount := t.TempDir()
			files := map[string]string{".lag": "0"}
			if tc.primary != "" {
				files[".primary"] = tc.primary
			}
			for name, text := range files {
				if err := os.WriteFile(filepath.Join(mount, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, stderr := runBlog(t, bin, t.TempDir(), cleanEnv("BLOG_DB="+filepath.Join(mount, "blog.db")), tc.args...)
			first, _, _ := strings.Cut(stderr, "\n")
			if code == 0 || !strings.Contains(first, "built without -tags sqlite3_flock") {
				t.Fatalf("exit %d, stderr %q; want a failure that asks for a rebuild first", code, stderr)
			}
			if strings.Contains(stderr, "BLOG_FORWARD_SECRET") || strings.Contains(stderr, "BLOG_ADDR") {
				t.Fatalf("asks for a setting before the rebuild: %q", stderr)
			}
			if _, err := os.Stat(filepath.Join(mount, "blog.db")); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("the refused binary created the database")
			}
		})
	}
}

// TestDeletedTagIDIsNeverReused: a link to a deleted tag must never lead
// to a tag created later, even when the deleted tag had the highest id.
func TestDeletedTagIDIsNeverReused(t *testing.T) {
	bin := blogtest.Binary(t)
	dir := t.TempDir()
	addr := freePort(t)
	base := "http://" + addr
	p := start(t, bin, dir, cleanEnv("BLOG_ADDR="+addr, "BLOG_ADMIN_PASSWORD=pw"), "serve")
	waitHealthy(t, base)
	create := func(label string) int {
		t.Helper()
		code, body := send(t, "POST", base+"/api/tags", `{"label":"`+label+`"}`, true)
		var tag struct{ ID int }
		if code != 201 || json.Unmarshal([]byte(body), &tag) != nil || tag.ID == 0 {
			t.Fatalf("create %s: %d %s", label, code, body)
		}
		return tag.ID
	}
	create("first")
	last := create("second")
	if code, body := send(t, "DELETE", fmt.Sprintf("%s/api/tags/%d", base, last), "", true); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	next := create("third")
	if next <= last {
		t.Fatalf("the new tag got id %d; the deleted tag had %d", next, last)
	}
	if code, _ := send(t, "GET", fmt.Sprintf("%s/api/tags/%d", base, last), "", false); code != 404 {
		t.Fatalf("the deleted tag's address answers %d, want 404", code)
	}
	stop(t, p)
}

// TestCleanStopLeavesOnlyTheDatabase: a standalone blog stopped with
// SIGTERM copies its WAL into the database file, so the folder holds
// blog.db alone, with every write in it.
func TestCleanStopLeavesOnlyTheDatabase(t *testing.T) {
	bin := blogtest.Binary(t)
	dir := t.TempDir()
	addr := freePort(t)
	base := "http://" + addr
	p := start(t, bin, dir, cleanEnv("BLOG_ADDR="+addr, "BLOG_ADMIN_PASSWORD=pw"), "serve")
	waitHealthy(t, base)
	if code, body := send(t, "POST", base+"/api/tags", `{"label":"kept in the file"}`, true); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	stop(t, p)
	entries, err := os.ReadDir(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "blog.db" {
		t.Fatalf("after a clean stop data/ holds %q, want blog.db alone", names)
	}
	if strings.Contains(p.log(), "level=WARN") {
		t.Fatalf("the stop warns:\n%s", p.log())
	}
	// Read-only and immutable: the file alone, as a copy of it would be.
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "data", "blog.db")+"?immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM tags WHERE label = 'kept in the file'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the database file alone has %d of the tag (%v)", n, err)
	}
}
