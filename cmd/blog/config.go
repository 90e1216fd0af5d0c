package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"blog/internal/litefs"
	"blog/internal/live"
	"blog/web"
)

// config is every setting, read once here and passed down as plain values.
type config struct {
	Addr          string
	DB            string
	AdminPassword string
	ForwardSecret string
	ForwardPort   string
	BaseURL       string
	ContentDir    string
	HomeSlug      string
	Watch         bool
	// The site's identity in pages and the feed.
	SiteName        string
	SiteDescription string
	SourceURL       string
	// OnFly is set on Fly.io (FLY_APP_NAME), where the proxy's headers
	// name the client and the scheme it used.
	OnFly bool

	// Live pages.
	GossipAddr    string   // where viewer counts are gossiped (BLOG_GOSSIP_ADDR)
	MetricsAddr   string   // where /metrics is served (BLOG_METRICS_ADDR)
	Peers         []string // host:port or DNS names to gossip with (BLOG_PEERS)
	DiscordUserID string   // whose presence the pages show (BLOG_DISCORD_USER_ID)
	LanyardURL    string   // Lanyard's WebSocket (BLOG_LANYARD_URL)
	LiveMax       int      // most open live streams (BLOG_LIVE_MAX)
	LiteFSURL     string
}

var errHelp = errors.New("help requested")

// isURL reports whether s is an absolute address with a host, in one of
// the schemes.
func isURL(s string, schemes ...string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && slices.Contains(schemes, u.Scheme)
}

// parseConfig reads the environment, then lets flags override it.
func parseConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("blog "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Addr, "addr", env("BLOG_ADDR", ":8080"), "listen address")
	fs.StringVar(&c.DB, "db", env("BLOG_DB", "data/blog.db"), "SQLite database file")
	fs.StringVar(&c.AdminPassword, "admin-password", getenv("BLOG_ADMIN_PASSWORD"), "admin password")
	fs.StringVar(&c.ForwardSecret, "forward-secret", getenv("BLOG_FORWARD_SECRET"), "forwarding secret")
	fs.StringVar(&c.ForwardPort, "forward-port", getenv("BLOG_FORWARD_PORT"), "forwarding port")
	fs.StringVar(&c.BaseURL, "url", getenv("BLOG_URL"), "public base URL")
	fs.StringVar(&c.ContentDir, "content", getenv("BLOG_CONTENT"), "content folder")
	fs.StringVar(&c.HomeSlug, "home-slug", env("BLOG_HOME_SLUG", "hello-world"), "the post / shows")
	if cmd == "serve" {
		fs.BoolVar(&c.Watch, "watch", false, "re-import BLOG_CONTENT when its files change")
	}
	fs.StringVar(&c.SiteName, "site-name", env("BLOG_SITE_NAME", web.DefaultSiteName), "the site's name")
	fs.StringVar(&c.SiteDescription, "site-description", env("BLOG_SITE_DESCRIPTION", web.DefaultSiteDescription), "the site's description")
	fs.StringVar(&c.SourceURL, "source-url", getenv("BLOG_SOURCE_URL"), "address of the site's source code")
	fs.StringVar(&c.GossipAddr, "gossip-addr", getenv("BLOG_GOSSIP_ADDR"), "gossip address")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", getenv("BLOG_METRICS_ADDR"), "metrics address")
	peers := fs.String("peers", getenv("BLOG_PEERS"), "gossip peers")
	fs.StringVar(&c.DiscordUserID, "discord-user-id", getenv("BLOG_DISCORD_USER_ID"), "Discord user id")
	fs.StringVar(&c.LanyardURL, "lanyard-url", env("BLOG_LANYARD_URL", "wss://api.lanyard.rest/socket"), "Lanyard WebSocket")
	liveMax := fs.String("live-max", env("BLOG_LIVE_MAX", strconv.Itoa(live.DefaultMax)), "most open live streams")
	fs.StringVar(&c.LiteFSURL, "litefs-url", env("BLOG_LITEFS_URL", litefs.DefaultAPIURL), "LiteFS's HTTP API")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, usageError{err.Error()}
	}
	c.OnFly = getenv("FLY_APP_NAME") != ""
	if fs.NArg() > 0 {
		return c, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	// A bad value is reported under the name the user gave it: the flag
	// when the flag was on the command line, else the variable.
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	source := func(flagName, variable string) string {
		if given[flagName] {
			return "--" + flagName
		}
		return variable
	}
	port, err := listenPort(c.Addr)
	if err != nil {
		return c, usageError{fmt.Sprintf("%s %q %v", source("addr", "BLOG_ADDR"), c.Addr, err)}
	}
	if c.ForwardPort == "" {
		c.ForwardPort = port
	} else if !isPort(c.ForwardPort) {
		return c, usageError{fmt.Sprintf("%s %q is not a port number (1 to 65535)",
			source("forward-port", "BLOG_FORWARD_PORT"), c.ForwardPort)}
	}
	if c.SourceURL != "" {
		if !isURL(c.SourceURL, "http", "https") {
			return c, usageError{fmt.Sprintf("BLOG_SOURCE_URL %q is not an http(s) address", c.SourceURL)}
		}
	}
	// The gossip and metrics ports are for the deployment's own network:
	// unless told otherwise they listen where nothing outside can reach.
	private := privateHost(c.Addr, c.OnFly, getenv("FLY_PRIVATE_IP"))
	if c.GossipAddr == "" {
		c.GossipAddr = net.JoinHostPort(private, defaultGossipPort)
	} else if _, _, err := net.SplitHostPort(c.GossipAddr); err != nil {
		return c, usageError{fmt.Sprintf("%s %q is not host:port: %v", source("gossip-addr", "BLOG_GOSSIP_ADDR"), c.GossipAddr, err)}
	}
	if c.MetricsAddr == "" {
		c.MetricsAddr = net.JoinHostPort(private, defaultMetricsPort)
	} else if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
		return c, usageError{fmt.Sprintf("%s %q is not host:port: %v", source("metrics-addr", "BLOG_METRICS_ADDR"), c.MetricsAddr, err)}
	}
	for _, p := range strings.Split(*peers, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.Peers = append(c.Peers, p)
		}
	}
	if len(c.Peers) > 0 && c.ForwardSecret == "" {
		return c, usageError{"BLOG_PEERS is set but BLOG_FORWARD_SECRET is not: gossip between nodes is encrypted with a key derived from it (use the same value on every node)"}
	}
	n, err := strconv.Atoi(*liveMax)
	if err != nil || n < 1 {
		return c, usageError{fmt.Sprintf("BLOG_LIVE_MAX %q is not a positive number", *liveMax)}
	}
	c.LiveMax = n
	if c.DiscordUserID != "" {
		if !isURL(c.LanyardURL, "ws", "wss") {
			return c, usageError{fmt.Sprintf("BLOG_LANYARD_URL %q is not a ws:// or wss:// address", c.LanyardURL)}
		}
	}
	if !isURL(c.LiteFSURL, "http", "https") {
		return c, usageError{fmt.Sprintf("BLOG_LITEFS_URL %q is not an http:// address such as http://localhost:20202", c.LiteFSURL)}
	}
	if c.DB == "" {
		return c, usageError{"BLOG_DB must name a database file"}
	}
	return c, nil
}

// The ports of the private listeners, on the host privateHost picks.
const (
	defaultGossipPort  = "7946"
	defaultMetricsPort = "9091"
)

// privateHost is the host the gossip and metrics listen on by default: on
// Fly.io the machine's private (6PN) address, which only the app's own
// machines reach; elsewhere the host of the blog's own address, so that
// nodes sharing a machine on loopback addresses (127.0.0.2, 127.0.0.3) do
// not collide; and loopback when that address names no host or every
// interface, since a port open to the world is never the default.
func privateHost(blogAddr string, onFly bool, flyPrivateIP string) string {
	if onFly {
		if flyPrivateIP != "" {
			return flyPrivateIP
		}
		return "fly-local-6pn" // Fly's name for the machine's 6PN address
	}
	host, _, err := net.SplitHostPort(blogAddr)
	if err != nil || host == "" {
		return "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return host
}

// listenPort checks a listen address and returns its port. The port must
// be a number: a service name or port 0 (any free port) would leave the
// replicas' forwarding port unknown.
func listenPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if isPort(addr) {
			return "", fmt.Errorf("is not host:port; to listen on port %s of every interface write :%s", addr, addr)
		}
		return "", fmt.Errorf("is not host:port (for example :8080 or 127.0.0.1:8080)")
	}
	switch {
	case port == "":
		return "", fmt.Errorf("has no port; write %s", net.JoinHostPort(host, "8080"))
	case port == "0":
		return "", fmt.Errorf("asks for port 0 (any free port); name the port, for example %s", net.JoinHostPort(host, "8080"))
	case !isPort(port):
		return "", fmt.Errorf("has port %q, which is not a port number (1 to 65535)", port)
	}
	return port, nil
}

func isPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == s
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
