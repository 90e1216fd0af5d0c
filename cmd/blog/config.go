package main

import (
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
	Addr string
	// AddrOrigin says where Addr came from, for a message when the port is
	// taken: "from BLOG_ADDR", "from --addr" or "the default".
	AddrOrigin    string
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
	// Region and MachineID name the node on the cluster page and in
	// blog check (FLY_REGION, FLY_MACHINE_ID; empty off Fly.io).
	Region, MachineID string

	// Live pages.
	GossipAddr    string   // where viewer counts are gossiped (BLOG_GOSSIP_ADDR)
	MetricsAddr   string   // where /metrics is served (BLOG_METRICS_ADDR)
	Peers         []string // host:port or DNS names to gossip with (BLOG_PEERS)
	DiscordUserID string   // whose presence the pages show (BLOG_DISCORD_USER_ID)
	LanyardURL    string   // Lanyard's WebSocket (BLOG_LANYARD_URL)
	LiveMax       int      // most open live streams (BLOG_LIVE_MAX)
	LiteFSURL     string
}

// isURL reports whether s is an absolute address with a host, in one of
// the schemes.
func isURL(s string, schemes ...string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && slices.Contains(schemes, u.Scheme)
}

// parseConfig reads the settings of serve and migrate: the command line,
// then the environment for what it left alone (see flagSet), then checks
// them and fills in the defaults that depend on other settings.
func parseConfig(cmd string, args []string, getenv func(string) string) (config, error) {
	var c config
	var peers, liveMax string
	fs := newFlagSet("blog " + cmd)
	fs.setting(&c.Addr, "addr", ":8080")
	fs.setting(&c.DB, "db", "data/blog.db")
	fs.setting(&c.AdminPassword, "admin-password", "")
	fs.setting(&c.ForwardSecret, "forward-secret", "")
	fs.setting(&c.ForwardPort, "forward-port", "")
	fs.setting(&c.BaseURL, "url", "")
	fs.setting(&c.ContentDir, "content", "")
	fs.setting(&c.HomeSlug, "home-slug", "hello-world")
	if cmd == "serve" {
		fs.BoolVar(&c.Watch, "watch", false, "") // a flag only, with no variable
	}
	fs.setting(&c.SiteName, "site-name", web.DefaultSiteName)
	fs.setting(&c.SiteDescription, "site-description", web.DefaultSiteDescription)
	fs.setting(&c.SourceURL, "source-url", "")
	fs.setting(&c.GossipAddr, "gossip-addr", "")
	fs.setting(&c.MetricsAddr, "metrics-addr", "")
	fs.setting(&peers, "peers", "")
	fs.setting(&c.DiscordUserID, "discord-user-id", "")
	fs.setting(&c.LanyardURL, "lanyard-url", "wss://api.lanyard.rest/socket")
	fs.setting(&liveMax, "live-max", strconv.Itoa(live.DefaultMax))
	fs.setting(&c.LiteFSURL, "litefs-url", litefs.DefaultAPIURL)
	if err := fs.parse(args, getenv); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	c.OnFly = getenv("FLY_APP_NAME") != ""
	c.AddrOrigin = fs.origin("addr", getenv)
	c.Region, c.MachineID = getenv("FLY_REGION"), getenv("FLY_MACHINE_ID")
	if err := c.checkAddresses(fs, getenv("FLY_PRIVATE_IP")); err != nil {
		return c, err
	}
	if err := c.checkLive(fs, peers, liveMax); err != nil {
		return c, err
	}
	return c, c.checkRest(fs)
}

// checkAddresses checks the addresses the node listens on and forwards
// to, and fills in the forwarding port and the private listeners.
func (c *config) checkAddresses(fs *flagSet, flyPrivateIP string) error {
	port, err := listenPort(c.Addr)
	if err != nil {
		return usageError{fmt.Sprintf("%s %q %v", fs.source("addr"), c.Addr, err)}
	}
	if c.ForwardPort == "" {
		c.ForwardPort = port
	} else if !isPort(c.ForwardPort) {
		return usageError{fmt.Sprintf("%s %q is not a port number (1 to 65535)", fs.source("forward-port"), c.ForwardPort)}
	}
	// The gossip and metrics ports are for the deployment's own network:
	// unless told otherwise they listen where nothing outside can reach.
	private := privateHost(c.Addr, c.OnFly, flyPrivateIP)
	for _, l := range []struct {
		addr       *string
		flag, port string
	}{
		{&c.GossipAddr, "gossip-addr", defaultGossipPort},
		{&c.MetricsAddr, "metrics-addr", defaultMetricsPort},
	} {
		if *l.addr == "" {
			*l.addr = net.JoinHostPort(private, l.port)
		} else if _, _, err := net.SplitHostPort(*l.addr); err != nil {
			return usageError{fmt.Sprintf("%s %q is not host:port: %v", fs.source(l.flag), *l.addr, err)}
		}
	}
	return nil
}

// checkLive checks the settings of live pages: the peers to gossip with,
// the most streams, and Lanyard's address when presence is on.
func (c *config) checkLive(fs *flagSet, peers, liveMax string) error {
	for _, p := range strings.Split(peers, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.Peers = append(c.Peers, p)
		}
	}
	if len(c.Peers) > 0 && c.ForwardSecret == "" {
		return usageError{fs.source("peers") + " is set but BLOG_FORWARD_SECRET is not: gossip between nodes is " +
			"encrypted with a key derived from it (use the same value on every node)"}
	}
	n, err := strconv.Atoi(liveMax)
	if err != nil || n < 1 {
		return usageError{fmt.Sprintf("%s %q is not a positive number", fs.source("live-max"), liveMax)}
	}
	c.LiveMax = n
	if c.DiscordUserID != "" && !isURL(c.LanyardURL, "ws", "wss") {
		return usageError{fmt.Sprintf("%s %q is not a ws:// or wss:// address", fs.source("lanyard-url"), c.LanyardURL)}
	}
	return nil
}

// checkRest checks the other addresses and the database's name.
func (c *config) checkRest(fs *flagSet) error {
	if c.SourceURL != "" && !isURL(c.SourceURL, "http", "https") {
		return usageError{fmt.Sprintf("%s %q is not an http(s) address", fs.source("source-url"), c.SourceURL)}
	}
	if !isURL(c.LiteFSURL, "http", "https") {
		return usageError{fmt.Sprintf("%s %q is not an http:// address such as http://localhost:20202",
			fs.source("litefs-url"), c.LiteFSURL)}
	}
	if c.DB == "" {
		return usageError{fs.source("db") + " must name a database file"}
	}
	return nil
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

// newLogger returns the blog's logger, one text line a record, written
// through a logBuffer; the caller closes the buffer when the command ends.
func newLogger(w io.Writer) (*slog.Logger, *logBuffer) {
	buf := &logBuffer{w: w}
	h := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo})
	return slog.New(urgent{h, buf}), buf
}
