package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
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

	// Live pages.
	GossipAddr    string   // where viewer counts are gossiped (BLOG_GOSSIP_ADDR)
	Peers         []string // host:port or DNS names to gossip with (BLOG_PEERS)
	DiscordUserID string   // whose presence the pages show (BLOG_DISCORD_USER_ID)
	LanyardURL    string   // Lanyard's WebSocket (BLOG_LANYARD_URL)
	LiveMax       int      // most open live streams (BLOG_LIVE_MAX)
}

var errHelp = errors.New("help requested")

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
	fs.StringVar(&c.GossipAddr, "gossip-addr", env("BLOG_GOSSIP_ADDR", ":7946"), "gossip address")
	peers := fs.String("peers", getenv("BLOG_PEERS"), "gossip peers")
	fs.StringVar(&c.DiscordUserID, "discord-user-id", getenv("BLOG_DISCORD_USER_ID"), "Discord user id")
	fs.StringVar(&c.LanyardURL, "lanyard-url", env("BLOG_LANYARD_URL", "wss://api.lanyard.rest/socket"), "Lanyard WebSocket")
	liveMax := fs.String("live-max", env("BLOG_LIVE_MAX", "5000"), "most open live streams")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	_, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return c, usageError{fmt.Sprintf("BLOG_ADDR %q is not host:port: %v", c.Addr, err)}
	}
	if c.ForwardPort == "" {
		c.ForwardPort = port
	}
	if n, err := strconv.Atoi(c.ForwardPort); err != nil || n < 1 || n > 65535 {
		return c, usageError{fmt.Sprintf("BLOG_FORWARD_PORT %q is not a port number", c.ForwardPort)}
	}
	if _, _, err := net.SplitHostPort(c.GossipAddr); err != nil {
		return c, usageError{fmt.Sprintf("BLOG_GOSSIP_ADDR %q is not host:port: %v", c.GossipAddr, err)}
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
		if u, err := url.Parse(c.LanyardURL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return c, usageError{fmt.Sprintf("BLOG_LANYARD_URL %q is not a ws:// or wss:// address", c.LanyardURL)}
		}
	}
	if c.DB == "" {
		return c, usageError{"BLOG_DB must name a database file"}
	}
	return c, nil
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
