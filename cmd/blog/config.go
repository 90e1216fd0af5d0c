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
	LiteFSURL     string
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
	fs.StringVar(&c.LiteFSURL, "litefs-url", env("BLOG_LITEFS_URL", "http://localhost:20202"), "LiteFS's HTTP API")
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
	if u, err := url.Parse(c.LiteFSURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, usageError{fmt.Sprintf("BLOG_LITEFS_URL %q is not an http:// address such as http://localhost:20202", c.LiteFSURL)}
	}
	if c.DB == "" {
		return c, usageError{"BLOG_DB must name a database file"}
	}
	return c, nil
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
