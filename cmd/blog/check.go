package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"blog/internal/cluster"
)

// Exit statuses of `blog check` besides 0 (the nodes agree) and 2 (usage).
const (
	exitDiffer      = 1 // the nodes hold different counts, or are at different TXIDs
	exitUnreachable = 3 // a node could not be asked, or answered nonsense
	exitRefused     = 4 // a node refused the admin password
)

// exitStatus ends the program with a status of its own, after its message.
type exitStatus struct {
	code int
	msg  string
}

func (e exitStatus) Error() string { return e.msg }

// checkArgs is what `blog check` was asked.
type checkArgs struct {
	urls     []string
	password string
	wait     time.Duration // how long replicas may take to reach the primary's TXID
	timeout  time.Duration // for each request
}

// Bounds of `blog check`.
const (
	checkWait     = 5 * time.Second
	checkTimeout  = 10 * time.Second
	checkInterval = 200 * time.Millisecond // between askings while replicas catch up
)

// check asks each node for its report (GET /admin/node as the admin),
// asks again while replicas catch up with the primary, for up to --wait,
// and prints a row a node with the differences marked.
func check(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	a, err := parseCheck(ctx, args, getenv)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usageText)
		return nil
	}
	if err != nil {
		return err
	}
	client := &http.Client{
		Timeout:       a.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	deadline := time.Now().Add(a.wait)
	for {
		reports, failures := fetchReports(ctx, client, a.urls, a.password)
		if len(failures) > 0 {
			printFailures(stdout, a.urls, reports, failures)
			return failed(failures)
		}
		v := cluster.Compare(a.urls, reports)
		if v.Same() || !v.CatchingUp || time.Now().Add(checkInterval).After(deadline) {
			printVerdict(stdout, v, a.wait)
			if !v.Same() {
				return exitStatus{exitDiffer, fmt.Sprintf("the %d nodes differ", len(a.urls))}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(checkInterval):
		}
	}
}

// parseCheck reads the command line: the nodes' addresses, or with none
// the nodes BLOG_PEERS names (cluster.PeerURLs), and the admin password.
func parseCheck(ctx context.Context, args []string, getenv func(string) string) (checkArgs, error) {
	a := checkArgs{}
	var peers, addr string
	fs := newFlagSet("blog check")
	fs.setting(&a.password, "admin-password", "")
	fs.setting(&peers, "peers", "")
	fs.setting(&addr, "addr", ":8080")
	fs.DurationVar(&a.wait, "wait", checkWait, "")
	fs.DurationVar(&a.timeout, "timeout", checkTimeout, "")
	if err := fs.parse(args, getenv); err != nil {
		return a, err
	}
	if a.wait < 0 || a.timeout <= 0 {
		return a, usageError{"--wait must be 0 or more, and --timeout more than 0"}
	}
	for _, u := range fs.Args() {
		if !strings.Contains(u, "://") {
			u = "http://" + u
		}
		if !isURL(u, "http", "https") {
			return a, usageError{fmt.Sprintf("%q is not a node's address, such as http://10.0.0.2:8080", u)}
		}
		a.urls = append(a.urls, strings.TrimRight(u, "/"))
	}
	if len(a.urls) == 0 {
		var names []string
		for _, p := range strings.Split(peers, ",") {
			if p = strings.TrimSpace(p); p != "" {
				names = append(names, p)
			}
		}
		if len(names) == 0 {
			return a, usageError{"name the nodes to check (blog check http://10.0.0.2:8080 …), or set BLOG_PEERS"}
		}
		urls, err := cluster.PeerURLs(ctx, net.DefaultResolver, names, addr)
		if err != nil {
			return a, exitStatus{exitUnreachable, err.Error()}
		}
		a.urls = urls
	}
	if a.password == "" {
		return a, usageError{"BLOG_ADMIN_PASSWORD is not set: blog check asks each node as the admin"}
	}
	return a, nil
}

// fetchReports asks every node at once. A node that cannot be asked has a
// failure and no report.
func fetchReports(ctx context.Context, client *http.Client, urls []string, password string) ([]cluster.Report, []error) {
	reports := make([]cluster.Report, len(urls))
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() { reports[i], errs[i] = cluster.Fetch(ctx, client, u, password) })
	}
	wg.Wait()
	var failures []error
	for _, err := range errs {
		if err != nil {
			failures = append(failures, err)
		}
	}
	return reports, failures
}

// failed is the exit of a check that could not ask every node: refused
// when any node refused the password (every node shares it, so that is the
// first thing to fix), else unreachable.
func failed(failures []error) error {
	code := exitUnreachable
	lines := make([]string, len(failures))
	for i, err := range failures {
		lines[i] = err.Error()
		var fe *cluster.FetchError
		if errors.As(err, &fe) && fe.Kind == cluster.Refused {
			code = exitRefused
		}
	}
	what := "a node"
	if len(failures) > 1 {
		what = fmt.Sprint(len(failures), " nodes")
	}
	return exitStatus{code, fmt.Sprintf("%s could not be checked:\n  %s", what, strings.Join(lines, "\n  "))}
}

// The table's columns: the node, what it is, where it stands, and one
// column a table.
var checkColumns = []string{"NODE", "ROLE", "REGION", "TXID", "TAGS", "POSTS", "PROJECTS", "ASSETS", "KEYS"}

// printVerdict prints a row a node, a * after each value that differs from
// the primary's, and what differs in words.
func printVerdict(w io.Writer, v cluster.Verdict, waited time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(checkColumns, "\t"))
	for _, n := range v.Nodes {
		cells := []string{n.URL, n.Report.Role, orDash(n.Report.Region), mark(orDash(n.Report.TXID), n.TXIDDiffers)}
		for _, c := range n.Report.Counts.Tables() {
			cells = append(cells, mark(fmt.Sprint(c.Rows), n.Differs[c.Table]))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
	fmt.Fprintln(w)
	ref := v.Nodes[v.Reference]
	if v.Same() {
		at := "at TXID " + ref.Report.TXID
		if ref.Report.TXID == "" {
			at = "(none is on LiteFS)"
		}
		what := fmt.Sprintf("the %d nodes hold", len(v.Nodes))
		if len(v.Nodes) == 1 {
			what = "the one node holds"
		}
		fmt.Fprintf(w, "OK: %s the same rows %s.\n", what, at)
		return
	}
	fmt.Fprintf(w, "DIFFERENT: * marks what differs from %s (%s)", ref.URL, ref.Report.Role)
	if v.CatchingUp {
		fmt.Fprintf(w, ", after waiting %s for the replicas", waited)
	}
	fmt.Fprintln(w, ":")
	for _, p := range v.Problems {
		fmt.Fprintln(w, "  "+p)
	}
}

// printFailures prints the nodes that answered, and a row for each that
// did not; the reasons follow from failed.
func printFailures(w io.Writer, urls []string, reports []cluster.Report, failures []error) {
	why := map[string]string{}
	for _, err := range failures {
		if fe := (*cluster.FetchError)(nil); errors.As(err, &fe) {
			why[fe.URL] = fe.Kind
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(checkColumns, "\t"))
	for i, u := range urls {
		r := reports[i]
		if r.ID == "" {
			fmt.Fprintf(tw, "%s\t(%s)\n", u, cmp.Or(why[u], "not checked"))
			continue
		}
		cells := []string{u, r.Role, orDash(r.Region), orDash(r.TXID)}
		for _, c := range r.Counts.Tables() {
			cells = append(cells, fmt.Sprint(c.Rows))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

func mark(s string, differs bool) string {
	if differs {
		return s + "*"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
