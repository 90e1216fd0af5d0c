package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
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
	HomeSlug      string
	Watch         bool
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
	fs.StringVar(&c.HomeSlug, "home-slug", env("BLOG_HOME_SLUG", "hello-world"), "the post / shows")
	if cmd == "serve" {
		fs.BoolVar(&c.Watch, "watch", false, "re-import BLOG_CONTENT when its files change")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, usageError{err.Error()}
	}
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
	if c.DB == "" {
		return c, usageError{"BLOG_DB must name a database file"}
	}
	return c, nil
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
