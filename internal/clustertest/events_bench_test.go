package clustertest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"blog/internal/repo"
	"blog/internal/sqlite"
	"blog/internal/tags"
)

// benchLoad is how long each server is loaded by BenchmarkReplicaPages;
// BLOG_BENCH_LOAD overrides it.
const benchLoad = 3 * time.Second

// load loads url with wrk, clients connections from two threads, each
// one request at a time over a kept-alive connection, for d, and returns
// requests per second; d is rounded to whole seconds, at least one. wrk,
// in C, takes far less of the machine's two
// cores than a Go client would, so what is measured is the server.
func load(tb testing.TB, url string, clients int, d time.Duration) float64 {
	tb.Helper()
	out, err := exec.Command("wrk", "-t2", fmt.Sprintf("-c%d", clients),
		fmt.Sprintf("-d%ds", max(1, int(d.Round(time.Second).Seconds()))), url).CombinedOutput()
	if err != nil {
		tb.Fatalf("wrk %s: %v\n%s", url, err, out)
	}
	if strings.Contains(string(out), "Non-2xx") || strings.Contains(string(out), "Socket errors") {
		tb.Fatalf("wrk %s: requests failed:\n%s", url, out)
	}
	m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		tb.Fatalf("wrk %s: no rate in\n%s", url, out)
	}
	rate, _ := strconv.ParseFloat(string(m[1]), 64)
	return rate
}

// startPlain starts testdata/plain, a plain net/http server in a process
// of its own, answering body, and returns its address.
func startPlain(tb testing.TB, body []byte, ctype string) string {
	tb.Helper()
	dir := tb.TempDir()
	bin, page := filepath.Join(dir, "plain"), filepath.Join(dir, "page")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/plain").CombinedOutput(); err != nil {
		tb.Fatalf("build the plain server: %v\n%s", err, out)
	}
	if err := os.WriteFile(page, body, 0o644); err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.4:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, addr, page, ctype)
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(5 * time.Second); ; {
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
			return addr
		}
		if time.Now().After(deadline) {
			tb.Fatal("the plain server does not answer")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkReplicaPages loads GET /tags, with 250 tags, on the replica, on
// the primary, and on a plain net/http server answering the same bytes from
// memory in a process of its own, with wrk, 16 connections each, one after
// the other, and reports requests per second and the replica's and
// primary's share of the plain server's. It needs wrk (apt-get install wrk).
//
//	go test -tags sqlite3_flock -run '^$' -bench ReplicaPages -benchtime 1x ./internal/clustertest
func BenchmarkReplicaPages(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Skip("BenchmarkReplicaPages loads the servers with wrk: apt-get install wrk")
	}
	const clients = 16
	d := benchLoad
	if v, err := time.ParseDuration(os.Getenv("BLOG_BENCH_LOAD")); err == nil {
		d = v
	}
	c := Start(b, Options{})
	tags, err := c.listTags(c.Primary)
	if err != nil {
		b.Fatal(err)
	}
	prefix := unique("page")
	for i := len(tags); i < 250; i++ {
		c.mustCreateTag(b, c.Primary, fmt.Sprintf("%s-%03d", prefix, i))
	}
	txid := c.Primary.filePos(b)
	deadline := time.Now().Add(10 * time.Second)
	for c.healthTXID(b, c.Replica) < txid {
		if time.Now().After(deadline) {
			b.Fatal("the replica did not catch up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	a, err := c.send(c.Replica, "GET", "/tags", nil, false, nil)
	if err != nil || a.Status != http.StatusOK {
		b.Fatalf("GET /tags on the replica: %v %s", err, a)
	}
	plain := startPlain(b, a.Body, a.Header.Get("Content-Type"))

	// With BLOG_CLUSTER_PPROF set, a CPU profile of the replica's blog is
	// taken while it is loaded, into BLOG_BENCH_PROFILE (default
	// /tmp/replica-pages.pprof).
	profiled := make(chan error, 1)
	if os.Getenv(ProfileEnv) != "" {
		out := os.Getenv("BLOG_BENCH_PROFILE")
		if out == "" {
			out = "/tmp/replica-pages.pprof"
		}
		go func() {
			secs := max(1, int(d.Seconds())-1)
			resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", c.Replica.PprofAddr(), secs))
			if err != nil {
				profiled <- err
				return
			}
			defer resp.Body.Close()
			f, err := os.Create(out)
			if err != nil {
				profiled <- err
				return
			}
			_, err = io.Copy(f, resp.Body)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			profiled <- err
		}()
	} else {
		profiled <- nil
	}
	// Each server is warmed first, with the same clients: the first
	// loaded would otherwise pay for connections, the heap's growth and
	// the CPU's caches alone.
	for _, url := range []string{c.Replica.URL, c.Primary.URL, "http://" + plain} {
		load(b, url+"/tags", clients, d/4)
	}
	var replica, primary, bare float64
	for b.Loop() {
		replica = load(b, c.Replica.URL+"/tags", clients, d)
		if err := <-profiled; err != nil {
			b.Errorf("profile of the replica: %v", err)
		}
		primary = load(b, c.Primary.URL+"/tags", clients, d)
		bare = load(b, "http://"+plain+"/tags", clients, d)
	}
	b.ReportMetric(replica, "replica-req/s")
	b.ReportMetric(primary, "primary-req/s")
	b.ReportMetric(bare, "plain-req/s")
	b.ReportMetric(replica/bare, "replica/plain")
	b.ReportMetric(primary/bare, "primary/plain")
	b.ReportMetric(float64(len(a.Body)), "page-bytes")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkRegions puts the replica a region away: its forwarded writes and
// LiteFS's replication pass through proxies that hold every byte 20 ms each
// way (a 40 ms round trip). It alternates tag creates on the primary (local)
// and on the replica (forwarded), and reports the p50 and p99 of each, the
// forwarded p50 less the local p50 in round trips, and the replication lag:
// from the primary's answer to a write until the replica's LiteFS reports
// the transaction, which it does once the write is readable there.
//
//	go test -tags sqlite3_flock -run '^$' -bench Regions -benchtime 100x ./internal/clustertest
func BenchmarkRegions(b *testing.B) {
	const delay = 20 * time.Millisecond
	c := Start(b, Options{Delay: delay})

	// The replica's own LiteFS stream tells when each transaction arrived.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	arrived := map[uint64]time.Time{}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.Replica.API+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			at := time.Now()
			var ev struct {
				Type string `json:"type"`
				DB   string `json:"db"`
				Data struct {
					TXID string `json:"txID"`
				} `json:"data"`
			}
			if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Type != "tx" || ev.DB != "blog.db" {
				continue
			}
			txid, _ := strconv.ParseUint(ev.Data.TXID, 16, 64)
			mu.Lock()
			arrived[txid] = at
			mu.Unlock()
		}
	}()
	arrival := func(txid uint64) (time.Time, bool) {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			at, ok := arrived[txid]
			mu.Unlock()
			if ok {
				return at, true
			}
			time.Sleep(100 * time.Microsecond)
		}
		return time.Time{}, false
	}

	prefix := unique("region")
	var local, forwarded, lag []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		c.mustCreateTag(b, c.Primary, fmt.Sprintf("%s-p-%d", prefix, i))
		answered := time.Now()
		local = append(local, answered.Sub(start))
		txid := c.Primary.filePos(b)
		if at, ok := arrival(txid); ok {
			lag = append(lag, at.Sub(answered))
		} else {
			b.Fatalf("the replica's LiteFS did not report TXID %016x", txid)
		}

		start = time.Now()
		c.mustCreateTag(b, c.Replica, fmt.Sprintf("%s-r-%d", prefix, i))
		forwarded = append(forwarded, time.Since(start))
		i++
	}
	rtt := 2 * delay
	// How long the replica waited, after the primary's answer reached it,
	// for LiteFS to report the write there (mean, from its metrics).
	if sum, n := c.metricTB(b, c.Replica, "blog_replication_wait_seconds_sum"), c.metricTB(b, c.Replica, "blog_replication_wait_seconds_count"); n > 0 {
		b.ReportMetric(1000*sum/n, "replica-wait-mean-ms")
	}
	b.ReportMetric(ms(percentile(local, 50)), "local-p50-ms")
	b.ReportMetric(ms(percentile(local, 99)), "local-p99-ms")
	b.ReportMetric(ms(percentile(forwarded, 50)), "forwarded-p50-ms")
	b.ReportMetric(ms(percentile(forwarded, 99)), "forwarded-p99-ms")
	b.ReportMetric(float64(percentile(forwarded, 50)-percentile(local, 50))/float64(rtt), "extra-p50-round-trips")
	b.ReportMetric(ms(percentile(lag, 50)), "replication-lag-p50-ms")
	b.ReportMetric(ms(percentile(lag, 99)), "replication-lag-p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkWritePath runs tag creates through the repo in this process, on
// the primary's LiteFS mount, alternately without and with an idempotency
// key (as every forwarded write carries), and reports the p50 and p99 of
// each: what the ledger costs on the primary. Run it with -trace and read
// `go tool trace -pprof=syscall` to see where the wall time goes; with
// BLOG_BENCH_LITEFS_TRACE=file it also saves a 3 s execution trace of the
// primary's LiteFS (its /debug/pprof/trace) taken while the writes run.
//
//	go test -tags sqlite3_flock -run '^$' -bench WritePath -benchtime 300x ./internal/clustertest
func BenchmarkWritePath(b *testing.B) {
	c := Start(b, Options{})
	if out := os.Getenv("BLOG_BENCH_LITEFS_TRACE"); out != "" {
		traced := make(chan error, 1)
		go func() {
			resp, err := http.Get(c.Primary.API + "/debug/pprof/trace?seconds=3")
			if err != nil {
				traced <- err
				return
			}
			defer resp.Body.Close()
			f, err := os.Create(out)
			if err != nil {
				traced <- err
				return
			}
			_, err = io.Copy(f, resp.Body)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			traced <- err
		}()
		defer func() {
			if err := <-traced; err != nil {
				b.Errorf("trace of the primary's LiteFS: %v", err)
			}
		}()
	}
	db, err := sqlite.Open(c.Primary.DB, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc := tags.NewService(repo.New(db))
	ctx := context.Background()
	prefix := unique("path")
	var plain, keyed []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, err := svc.Create(ctx, fmt.Sprintf("%s-a-%d", prefix, i)); err != nil {
			b.Fatal(err)
		}
		plain = append(plain, time.Since(start))
		start = time.Now()
		if _, err := svc.Create(repo.WithKey(ctx, fmt.Sprintf("%s-key-%d", prefix, i)), fmt.Sprintf("%s-b-%d", prefix, i)); err != nil {
			b.Fatal(err)
		}
		keyed = append(keyed, time.Since(start))
		i++
	}
	b.ReportMetric(ms(percentile(plain, 50)), "unkeyed-p50-ms")
	b.ReportMetric(ms(percentile(plain, 99)), "unkeyed-p99-ms")
	b.ReportMetric(ms(percentile(keyed, 50)), "keyed-p50-ms")
	b.ReportMetric(ms(percentile(keyed, 99)), "keyed-p99-ms")
	b.ReportMetric(ms(percentile(keyed, 50)-percentile(plain, 50)), "ledger-p50-ms")
	b.ReportMetric(0, "ns/op")
}

// metricTB is metric for benchmarks.
func (c *Cluster) metricTB(tb testing.TB, n *Node, name string) float64 {
	tb.Helper()
	a, err := c.scrape(n)
	if err != nil || a.Status != http.StatusOK {
		tb.Fatalf("GET /metrics on the %s: %v %s", n.Name, err, a)
	}
	for _, line := range strings.Split(string(a.Body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return f
		}
	}
	return -1
}

// BenchmarkLedgerSteps times a tag insert on the primary's mount alone and
// with each step of the idempotency ledger added, one transaction each, to
// tell which step costs what: the look-up, the savepoint, or the row.
//
//	go test -tags sqlite3_flock -run '^$' -bench LedgerSteps -benchtime 300x ./internal/clustertest
func BenchmarkLedgerSteps(b *testing.B) {
	c := Start(b, Options{})
	db, err := sqlite.Open(c.Primary.DB, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	steps := []struct {
		name                                 string
		lookup, savepoint, row, big, compact bool
	}{
		{name: "insert"},
		{name: "insert+lookup", lookup: true},
		{name: "insert+small-row", row: true},
		{name: "insert+row", row: true, big: true},
		{name: "insert+compact-row", row: true, compact: true},
		{name: "insert+lookup+savepoint+row", lookup: true, savepoint: true, row: true, big: true},
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS bench_compact_keys (key TEXT PRIMARY KEY, request_hash BLOB NOT NULL,
		value TEXT, error_code TEXT, error_message TEXT, error_field TEXT, created_at INTEGER NOT NULL) WITHOUT ROWID`); err != nil {
		b.Fatal(err)
	}
	took := map[string][]time.Duration{}
	prefix := unique("step")
	i := 0
	for b.Loop() {
		for _, s := range steps {
			key := fmt.Sprintf("%s-%s-%d", prefix, s.name, i)
			start := time.Now()
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			must := func(q string, args ...any) {
				if _, err := tx.Exec(q, args...); err != nil {
					b.Fatalf("%s: %v", q, err)
				}
			}
			if s.lookup {
				var n int
				if err := tx.QueryRow(`SELECT COUNT(*) FROM idempotency_keys WHERE key = ?`, key).Scan(&n); err != nil {
					b.Fatal(err)
				}
			}
			if s.savepoint {
				must(`SAVEPOINT exec`)
			}
			must(`INSERT INTO tags (label, created_at, updated_at) VALUES (?, 'x', 'x')`, key)
			switch {
			case s.compact:
				must(`INSERT INTO bench_compact_keys (key, request_hash, value, created_at) VALUES (?, ?, ?, 1764309600)`,
					key, []byte(hash[:16]), `{"id":1234,"label":"`+key+`","created_at":"2026-11-28T06:00:00.000Z","updated_at":"2026-11-28T06:00:00.000Z"}`)
			case s.row && s.big:
				must(`INSERT INTO idempotency_keys (key, op, request_hash, value, created_at) VALUES (?, 'tags.create', ?, ?, 'x')`,
					key, hash, `{"id":1234,"label":"`+key+`","created_at":"2026-11-28T06:00:00.000Z","updated_at":"2026-11-28T06:00:00.000Z"}`)
			case s.row:
				must(`INSERT INTO idempotency_keys (key, op, request_hash, created_at) VALUES (?, '', '', '')`, key)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			took[s.name] = append(took[s.name], time.Since(start))
		}
		i++
	}
	for _, s := range steps {
		b.ReportMetric(ms(percentile(took[s.name], 50)), s.name+"-p50-ms")
	}
	b.ReportMetric(0, "ns/op")
}
