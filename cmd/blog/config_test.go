package main

import (
	"blog/internal/blogtest"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runInProcess runs the program as main does, but in this process: in a
// new empty folder, with env as its whole environment. It returns the exit
// status main would give, what the program wrote, and the folder, where a
// refused command must have created nothing. Tests that call it do not
// run in parallel: the working folder is the process's.
func runInProcess(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr, dir string) {
	t.Helper()
	dir = t.TempDir()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := os.Chdir(wd); err != nil {
			t.Fatal(err)
		}
	}()
	// A run that should have been refused but serves ends here.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err = run(ctx, args, func(k string) string { return env[k] }, &out, &errOut)
	code = exitCode(err, &errOut)
	return code, out.String(), errOut.String(), dir
}

// noFiles fails the test when a refused command left anything in dir.
func noFiles(t *testing.T, dir string) {
	t.Helper()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a refused command created files: %v", entries)
	}
}

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string // expected in stdout (code 0) or stderr
	}{
		{"help", []string{"help"}, 0, "Usage: blog"},
		{"-h", []string{"-h"}, 0, "Usage: blog"},
		{"serve -h", []string{"serve", "-h"}, 0, "Usage: blog"},
		{"new-post -h", []string{"new-post", "-h"}, 0, "Usage: blog"},
		{"no command", nil, 2, "Usage: blog"},
		{"unknown command", []string{"publish"}, 2, `unknown command "publish"`},
		{"unknown flag", []string{"serve", "--colour"}, 2, "Usage: blog"},
		{"unknown flag of new-post", []string{"new-post", "--colour", "Title"}, 2, "Usage: blog"},
		{"an argument too many", []string{"migrate", "now"}, 2, `blog: unexpected argument "now"`},
		{"bad address", []string{"serve", "--addr", "nowhere"}, 2, "BLOG_ADDR"},
		{"bad forward port", []string{"serve", "--forward-port", "http"}, 2, "BLOG_FORWARD_PORT"},
		{"bad LiteFS address", []string{"serve", "--litefs-url", "localhost:20202"}, 2, "BLOG_LITEFS_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr, dir := runInProcess(t, nil, tc.args...)
			where := stdout
			if tc.code != 0 {
				where = stderr
			}
			if code != tc.code || !strings.Contains(where, tc.out) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d with %q", code, stdout, stderr, tc.code, tc.out)
			}
			noFiles(t, dir)
		})
	}
}

// lastLine is the last line of s, where a command-line mistake is told.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestMistakeIsTheLastLine: a mistake in the command line is told under
// the usage, where it stays in sight, with the flag as it was typed.
func TestMistakeIsTheLastLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--bogus"}, "blog: unknown flag --bogus"},
		{[]string{"serve", "-bogus=1"}, "blog: unknown flag -bogus"},
		{[]string{"migrate", "--colour=red"}, "blog: unknown flag --colour"},
		{[]string{"new-post", "Title", "--publsh"}, "blog: unknown flag --publsh"},
		{[]string{"serve", "--addr"}, "blog: --addr needs a value"},
		{[]string{"publish"}, `blog: unknown command "publish"`},
	} {
		code, _, stderr, dir := runInProcess(t, nil, tc.args...)
		if code != 2 || lastLine(stderr) != tc.want || !strings.HasPrefix(stderr, "Usage: blog") {
			t.Errorf("blog %q: exit %d, stderr ends %q; want exit 2, the usage, then %q", tc.args, code, lastLine(stderr), tc.want)
		}
		noFiles(t, dir)
	}
}

// TestUsageExitCode: the real binary exits 2 with the usage on stderr for
// a command line it does not understand, and 0 with the usage on stdout
// when asked for help.
func TestUsageExitCode(t *testing.T) {
	bin := blogtest.Binary(t)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"serve", "--colour"}, 2},
		{[]string{"help"}, 0},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = cleanEnv()
		cmd.Dir = t.TempDir()
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		where := stdout.String()
		if tc.code != 0 {
			where = stderr.String()
		}
		if code != tc.code || !strings.Contains(where, "Usage: blog") {
			t.Errorf("blog %q: exit %d, stdout %q, stderr %q; want exit %d with the usage", tc.args, code, stdout.String(), stderr.String(), tc.code)
		}
		noFiles(t, cmd.Dir)
	}
}

// TestBadAddressNamesItsSource: a bad listen address or forwarding port is
// reported under the name the user gave it, the variable or the flag, and
// never under a setting the user did not set.
func TestBadAddressNamesItsSource(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		want  string // the first line of stderr starts so
		never []string
	}{
		{"port too big", map[string]string{"BLOG_ADDR": ":99999"}, nil,
			`blog: BLOG_ADDR ":99999" has port "99999", which is not a port number (1 to 65535)`, []string{"BLOG_FORWARD_PORT", "--addr"}},
		{"port not a number", map[string]string{"BLOG_ADDR": ":abc"}, nil,
			`blog: BLOG_ADDR ":abc" has port "abc", which is not a port number`, []string{"BLOG_FORWARD_PORT", "--addr"}},
		{"no port", map[string]string{"BLOG_ADDR": "localhost:"}, nil,
			`blog: BLOG_ADDR "localhost:" has no port; write localhost:8080`, []string{"BLOG_FORWARD_PORT", "--addr"}},
		{"port zero", map[string]string{"BLOG_ADDR": "127.0.0.1:0"}, nil,
			`blog: BLOG_ADDR "127.0.0.1:0" asks for port 0`, []string{"BLOG_FORWARD_PORT", "--addr"}},
		{"flag without host", nil, []string{"--addr", "8080"},
			`blog: --addr "8080" is not host:port; to listen on port 8080 of every interface write :8080`, []string{"BLOG_ADDR", "BLOG_FORWARD_PORT"}},
		{"flag over a good variable", map[string]string{"BLOG_ADDR": ":8080"}, []string{"--addr=:99999"},
			`blog: --addr ":99999" has port "99999"`, []string{"BLOG_ADDR", "BLOG_FORWARD_PORT"}},
		{"flag with port zero", nil, []string{"--addr", "127.0.0.1:0"},
			`blog: --addr "127.0.0.1:0" asks for port 0`, []string{"BLOG_ADDR", "BLOG_FORWARD_PORT"}},
		{"forward port variable", map[string]string{"BLOG_FORWARD_PORT": "99999"}, nil,
			`blog: BLOG_FORWARD_PORT "99999" is not a port number (1 to 65535)`, []string{"BLOG_ADDR", "--forward-port"}},
		{"forward port flag", map[string]string{"BLOG_FORWARD_PORT": "8081"}, []string{"--forward-port", "http"},
			`blog: --forward-port "http" is not a port number (1 to 65535)`, []string{"BLOG_ADDR", "BLOG_FORWARD_PORT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr, dir := runInProcess(t, tc.env, append([]string{"serve"}, tc.args...)...)
			last := lastLine(stderr)
			if code != 2 || !strings.HasPrefix(last, tc.want) {
				t.Fatalf("exit %d, last line %q; want exit 2 and a line starting %q", code, last, tc.want)
			}
			for _, wrong := range tc.never {
				if strings.Contains(last, wrong) {
					t.Fatalf("the message names %s, which the user did not set: %q", wrong, last)
				}
			}
			noFiles(t, dir)
		})
	}
}

// TestBadValueNamesItsSource: every setting that is checked names the flag
// when its bad value came from the command line, and the variable when it
// came from the environment.
func TestBadValueNamesItsSource(t *testing.T) {
	for _, tc := range []struct {
		flag, value string
		also        map[string]string // other settings the check needs
	}{
		{"addr", "nowhere", nil},
		{"forward-port", "http", nil},
		{"gossip-addr", "7946", nil},
		{"metrics-addr", "9091", nil},
		{"peers", "a:7946", nil}, // without BLOG_FORWARD_SECRET
		{"live-max", "0", nil},
		{"lanyard-url", "https://api.lanyard.rest", map[string]string{"BLOG_DISCORD_USER_ID": "1"}},
		{"source-url", "github/blog", nil},
		{"litefs-url", "localhost:20202", nil},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			v := variable(tc.flag)
			env := func(kv ...string) map[string]string {
				m := map[string]string{}
				for k, v := range tc.also {
					m[k] = v
				}
				for i := 0; i < len(kv); i += 2 {
					m[kv[i]] = kv[i+1]
				}
				return m
			}
			_, err := parseConfig("serve", nil, getenvOf(env(v, tc.value)))
			var u usageError
			if !errors.As(err, &u) || !strings.HasPrefix(err.Error(), v+" ") || strings.Contains(err.Error(), "--"+tc.flag) {
				t.Errorf("from %s: error %v; want a usage error that starts with %s", v, err, v)
			}
			_, err = parseConfig("serve", []string{"--" + tc.flag, tc.value}, getenvOf(env()))
			if !errors.As(err, &u) || !strings.HasPrefix(err.Error(), "--"+tc.flag+" ") {
				t.Errorf("from --%s: error %v; want a usage error that starts with --%s", tc.flag, err, tc.flag)
			}
		})
	}
	_, err := parseConfig("serve", []string{"--db", ""}, getenvOf(nil))
	if err == nil || err.Error() != "--db must name a database file" {
		t.Errorf("--db \"\": %v", err)
	}
}

func getenvOf(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// TestEverySettingReadsItsVariable: each setting the usage lists is read
// from the variable it names there, and the flag of the same name wins
// over the variable.
func TestEverySettingReadsItsVariable(t *testing.T) {
	fields := map[string]func(c config) string{
		"--addr":             func(c config) string { return c.Addr },
		"--db":               func(c config) string { return c.DB },
		"--admin-password":   func(c config) string { return c.AdminPassword },
		"--forward-secret":   func(c config) string { return c.ForwardSecret },
		"--forward-port":     func(c config) string { return c.ForwardPort },
		"--url":              func(c config) string { return c.BaseURL },
		"--content":          func(c config) string { return c.ContentDir },
		"--home-slug":        func(c config) string { return c.HomeSlug },
		"--site-name":        func(c config) string { return c.SiteName },
		"--site-description": func(c config) string { return c.SiteDescription },
		"--source-url":       func(c config) string { return c.SourceURL },
		"--litefs-url":       func(c config) string { return c.LiteFSURL },
		"--gossip-addr":      func(c config) string { return c.GossipAddr },
		"--metrics-addr":     func(c config) string { return c.MetricsAddr },
		"--peers":            func(c config) string { return strings.Join(c.Peers, ",") },
		"--discord-user-id":  func(c config) string { return c.DiscordUserID },
		"--lanyard-url":      func(c config) string { return c.LanyardURL },
		"--live-max":         func(c config) string { return strconv.Itoa(c.LiveMax) },
	}
	// Values every check accepts, one from the environment, one from the
	// command line.
	values := map[string][2]string{
		"--addr": {"127.0.0.1:8081", "127.0.0.1:8082"}, "--forward-port": {"8083", "8084"},
		"--source-url": {"https://a.example", "https://b.example"}, "--litefs-url": {"http://a:20202", "http://b:20202"},
		"--gossip-addr": {"10.0.0.1:1", "10.0.0.2:2"}, "--metrics-addr": {"10.0.0.1:3", "10.0.0.2:4"},
		"--peers": {"a:1", "b:2"}, "--lanyard-url": {"ws://a", "wss://b"}, "--live-max": {"7", "8"},
	}
	pairs := regexp.MustCompile(`(?m)^  (--[a-z-]+)\s+(BLOG_[A-Z_]+)`).FindAllStringSubmatch(usageText, -1)
	if len(pairs) != len(fields) {
		t.Fatalf("the usage lists %d settings; this test knows %d", len(pairs), len(fields))
	}
	for _, p := range pairs {
		flag, name := p[1], p[2]
		field, ok := fields[flag]
		if !ok {
			t.Errorf("the usage lists %s, which this test does not know", flag)
			continue
		}
		v, ok := values[flag]
		if !ok {
			v = [2]string{"from-env", "from-flag"}
		}
		// Gossip needs the secret; the secret is then set for every case.
		env := map[string]string{name: v[0], "BLOG_FORWARD_SECRET": "s"}
		if name == "BLOG_FORWARD_SECRET" {
			env = map[string]string{name: v[0]}
		}
		c, err := parseConfig("serve", nil, getenvOf(env))
		if err != nil || field(c) != v[0] {
			t.Errorf("%s=%q: %s is %q, %v", name, v[0], flag, field(c), err)
		}
		c, err = parseConfig("serve", []string{flag, v[1]}, getenvOf(env))
		if err != nil || field(c) != v[1] {
			t.Errorf("%s=%q and %s %q: %s is %q, %v; want the flag's", name, v[0], flag, v[1], flag, field(c), err)
		}
	}
}

// TestOnlySettingsReadVariables: a variable set to "" counts as unset, and
// the flags that are not settings (--watch, new-post's --slug and
// --publish) read no variable.
func TestOnlySettingsReadVariables(t *testing.T) {
	c, err := parseConfig("serve", nil, getenvOf(map[string]string{"BLOG_ADDR": "", "BLOG_HOME_SLUG": "", "BLOG_WATCH": "true"}))
	if err != nil || c.Addr != ":8080" || c.HomeSlug != "hello-world" || c.Watch {
		t.Fatalf("empty variables and BLOG_WATCH: %+v, %v", c, err)
	}
	if c, err := parseConfig("serve", []string{"--watch"}, getenvOf(nil)); err != nil || !c.Watch {
		t.Fatalf("--watch: %v, %v", c.Watch, err)
	}
	content := t.TempDir()
	env := map[string]string{"BLOG_CONTENT": content, "BLOG_SLUG": "from-env", "BLOG_PUBLISH": "true"}
	p, err := parseNewPost([]string{"A title"}, getenvOf(env))
	if err != nil || p.dir != content || p.slug != "a-title" || p.publish {
		t.Fatalf("new-post with BLOG_SLUG and BLOG_PUBLISH set: %+v, %v", p, err)
	}
	p, err = parseNewPost([]string{"--content", t.TempDir(), "A title", "--slug", "given"}, getenvOf(env))
	if err != nil || p.dir == content || p.slug != "given" {
		t.Fatalf("new-post --content over BLOG_CONTENT: %+v, %v", p, err)
	}
}

func TestLiveSettings(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := parseConfig("serve", nil, env(map[string]string{}))
	if err != nil || c.GossipAddr != "127.0.0.1:7946" || c.MetricsAddr != "127.0.0.1:9091" || c.LiveMax != 5000 || c.LanyardURL != "wss://api.lanyard.rest/socket" || c.Peers != nil {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = parseConfig("serve", nil, env(map[string]string{"BLOG_PEERS": " a:7946, b.internal ,", "BLOG_FORWARD_SECRET": "s"}))
	if err != nil || len(c.Peers) != 2 || c.Peers[0] != "a:7946" || c.Peers[1] != "b.internal" {
		t.Fatalf("peers: %q, %v", c.Peers, err)
	}
	for _, bad := range []map[string]string{
		{"BLOG_PEERS": "a:7946"}, // gossip unencrypted: refused
		{"BLOG_LIVE_MAX": "0"},
		{"BLOG_LIVE_MAX": "many"},
		{"BLOG_GOSSIP_ADDR": "7946"},
		{"BLOG_METRICS_ADDR": "9091"},
		{"BLOG_DISCORD_USER_ID": "1", "BLOG_LANYARD_URL": "https://api.lanyard.rest"},
	} {
		var name string
		for k := range bad {
			if k != "BLOG_DISCORD_USER_ID" {
				name = k
			}
		}
		_, err := parseConfig("serve", nil, env(bad))
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v, want a usage error naming %s", bad, err, name)
		}
	}
}

// The gossip and metrics ports never default to a public interface: the
// blog's own host when it names one, loopback when it names every
// interface or none, the private (6PN) address on Fly.io.
func TestPrivateListenersDefaultToPrivateAddresses(t *testing.T) {
	for _, tc := range []struct {
		env             map[string]string
		gossip, metrics string
	}{
		{map[string]string{}, "127.0.0.1:7946", "127.0.0.1:9091"},
		{map[string]string{"BLOG_ADDR": ":8081"}, "127.0.0.1:7946", "127.0.0.1:9091"},
		{map[string]string{"BLOG_ADDR": "0.0.0.0:8080"}, "127.0.0.1:7946", "127.0.0.1:9091"},
		{map[string]string{"BLOG_ADDR": "[::]:8080"}, "127.0.0.1:7946", "127.0.0.1:9091"},
		{map[string]string{"BLOG_ADDR": "127.0.0.3:8080"}, "127.0.0.3:7946", "127.0.0.3:9091"},
		{map[string]string{"BLOG_ADDR": "[::]:8080", "FLY_APP_NAME": "notes", "FLY_PRIVATE_IP": "fdaa:0:1::3"}, "[fdaa:0:1::3]:7946", "[fdaa:0:1::3]:9091"},
		{map[string]string{"BLOG_ADDR": "[::]:8080", "FLY_APP_NAME": "notes"}, "fly-local-6pn:7946", "fly-local-6pn:9091"},
		{map[string]string{"BLOG_GOSSIP_ADDR": "10.0.0.1:7000", "BLOG_METRICS_ADDR": "10.0.0.1:9000"}, "10.0.0.1:7000", "10.0.0.1:9000"},
	} {
		c, err := parseConfig("serve", nil, func(k string) string { return tc.env[k] })
		if err != nil || c.GossipAddr != tc.gossip || c.MetricsAddr != tc.metrics {
			t.Errorf("%v: gossip %q, metrics %q, %v; want %q and %q", tc.env, c.GossipAddr, c.MetricsAddr, err, tc.gossip, tc.metrics)
		}
	}
}

// The listen address remembers where it came from, for the message when
// its port is taken.
func TestAddrOrigin(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, nil, "the default"},
		{map[string]string{"BLOG_ADDR": ""}, nil, "the default"},
		{map[string]string{"BLOG_ADDR": ":8081"}, nil, "from BLOG_ADDR"},
		{map[string]string{"BLOG_ADDR": ":8081"}, []string{"--addr", ":8082"}, "from --addr"},
	} {
		c, err := parseConfig("serve", tc.args, getenvOf(tc.env))
		if err != nil || c.AddrOrigin != tc.want {
			t.Errorf("%v %q: origin %q, %v; want %q", tc.env, tc.args, c.AddrOrigin, err, tc.want)
		}
	}
}
