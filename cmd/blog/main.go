// Command blog serves the blog and manages its database: `blog serve` runs
// the site, `blog migrate` applies the schema, `blog new-post` starts a post,
// `blog check` compares the nodes of a deployment. Settings come from the
// environment, overridden by flags of the same name.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is stamped in at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports err on stderr and returns the exit status it calls
// for: 0 for none, 2 with the usage for a mistake in the command line, a
// command's own (blog check's), 1 for anything else. The mistake is the
// last line, under the usage, where the terminal leaves it in sight.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var usage usageError
	if errors.As(err, &usage) {
		fmt.Fprint(stderr, usageText)
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "blog:", err)
		return 2
	}
	fmt.Fprintln(stderr, "blog:", err)
	var status exitStatus
	if errors.As(err, &status) {
		return status.code
	}
	return 1
}

const usageText = `Usage: blog <command> [flags]

Commands:
  serve     serve the blog (migrates and imports content where this node can write)
            --watch: import BLOG_CONTENT again whenever its files change
  new-post "Title" [--slug s] [--publish]
            write posts/<timestamp>_<slug>.md into BLOG_CONTENT (a draft unless --publish)
            and print its path
  migrate   apply pending database migrations and exit
  check [URL…] [--wait 5s] [--timeout 10s]
            ask each node (GET /admin/node, as admin with BLOG_ADMIN_PASSWORD) for its role,
            TXID and row counts, wait for the replicas to reach the primary's TXID, and
            print a row a node, * marking what differs. With no URL: the nodes BLOG_PEERS
            names, on the port of BLOG_ADDR. Exit 0 when all agree, 1 when they differ,
            3 when a node cannot be asked, 4 when one refuses the password
  version   print the version
  help      show this help

Flags (each overrides the environment variable of the same name):
  --addr            BLOG_ADDR            listen address (default ":8080")
  --db              BLOG_DB              SQLite database file (default "data/blog.db")
  --admin-password  BLOG_ADMIN_PASSWORD  password of user admin for every write route
  --forward-secret  BLOG_FORWARD_SECRET  secret signing writes forwarded to the primary (required on LiteFS)
  --forward-port    BLOG_FORWARD_PORT    port on the primary that replicas forward writes to (default: the port of --addr)
  --url             BLOG_URL             public base URL, for links in the feed (default: the request's host)
  --content         BLOG_CONTENT         content folder in the original Blog's layout (posts/, projects/projects.yaml, assets/)
                                         overriding the bundled content
                                         (its taglines.txt, one a line, replaces the header's taglines)
  --home-slug       BLOG_HOME_SLUG       the post / shows (default "hello-world"; the latest when there is none)
  --site-name       BLOG_SITE_NAME       the site's name in pages and the feed (default "Replicated Notes")
  --site-description BLOG_SITE_DESCRIPTION the site's description in pages and the feed
  --source-url      BLOG_SOURCE_URL      address of the site's source code, linked from the footer
  --litefs-url      BLOG_LITEFS_URL      LiteFS's HTTP API, whose event stream the node follows (default "http://localhost:20202")
  --gossip-addr     BLOG_GOSSIP_ADDR     where the node gossips viewer counts with its peers (default: port 7946 on the host of
                                         --addr, 127.0.0.1 when it names none, on Fly.io the machine's private address)
  --metrics-addr    BLOG_METRICS_ADDR    where /metrics is served, never on --addr (default: port 9091, on the host as above)
  --peers           BLOG_PEERS           peers to gossip with: host:port,… or a DNS name looked up every 30 s (needs --forward-secret)
  --discord-user-id BLOG_DISCORD_USER_ID the author's Discord id; set, the sidebar shows their presence from Lanyard
  --lanyard-url     BLOG_LANYARD_URL     Lanyard's WebSocket (default "wss://api.lanyard.rest/socket")
  --live-max        BLOG_LIVE_MAX        most open live streams on this node (default 5000)
`

// usageError is a mistake in the command line: exit 2 with the usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run is the whole program, callable from tests with their own arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usageText)
		return nil
	case "version", "--version":
		fmt.Fprintln(stdout, version)
		return nil
	case "new-post":
		return newPost(rest, getenv, stdout, time.Now())
	case "check":
		return check(ctx, rest, getenv, stdout)
	case "serve", "migrate":
		cfg, err := parseConfig(cmd, rest, getenv)
		if errors.Is(err, errHelp) {
			fmt.Fprint(stdout, usageText)
			return nil
		}
		if err != nil {
			return err
		}
		log, buf := newLogger(stderr)
		defer buf.Close()
		if cmd == "migrate" {
			return migrate(ctx, cfg, log)
		}
		return serve(ctx, cfg, log)
	default:
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}
