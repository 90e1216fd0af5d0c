package deploy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"blog/deploy"
	"blog/internal/blogtest"
	"blog/internal/litefs"
)

// The machine environment litefs.yml is expanded in: a machine in the
// primary region, as Fly sets it.
const (
	sampleMachineID = "148e21ea7e1089"
	sampleConsulURL = "https://:token@consul-fra-2.fly-shared.net/replicated-notes-xyz/"
)

// requiredSecrets are the settings the blog needs on Fly that must not be
// written in fly.toml.
var requiredSecrets = []string{"BLOG_FORWARD_SECRET", "BLOG_ADMIN_PASSWORD"}

// files are the texts of the deployment's files, by name. Tests check them
// as they are and as broken copies.
type files map[string][]byte

func readFiles(root string) (files, error) {
	f := files{}
	for _, name := range []string{deploy.FlyFile, deploy.LiteFSFile, deploy.DockerFile, deploy.DockerIgnoreFile, deploy.RunbookFile, deploy.TestScriptFile} {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		f[name] = b
	}
	return f, nil
}

// clone returns a copy of f that can be changed without changing f.
func (f files) clone() files {
	c := make(files, len(f))
	for k, v := range f {
		c[k] = bytes.Clone(v)
	}
	return c
}

// bundle is the deployment's files, parsed.
type bundle struct {
	root      string
	files     files
	fly       *flyConfig
	candidate *deploy.LiteFS // litefs.yml on a machine in the primary region
	ignore    *dockerIgnore
}

func (b *bundle) env(region string) func(string) string {
	return func(name string) string {
		switch name {
		case "FLY_REGION":
			return region
		case "FLY_MACHINE_ID":
			return sampleMachineID
		case "FLY_APP_NAME":
			return b.fly.App
		case "FLY_CONSUL_URL":
			return sampleConsulURL
		}
		return b.fly.Env[name] // [env] of fly.toml
	}
}

func parseBundle(root string, files files) (*bundle, error) {
	b := &bundle{root: root, files: files}
	var err error
	if b.fly, err = parseFly(files[deploy.FlyFile]); err != nil {
		return nil, err
	}
	// A key LiteFS does not know fails its own check below.
	if b.candidate, err = deploy.ParseLiteFSIgnoringUnknownKeys(files[deploy.LiteFSFile], b.env(b.fly.PrimaryRegion)); err != nil {
		return nil, err
	}
	if b.ignore, err = parseDockerIgnore(files[deploy.DockerIgnoreFile]); err != nil {
		return nil, err
	}
	return b, nil
}

// edit is a change to one file that breaks what a check guards.
type edit struct {
	file, old, new string
}

type check struct {
	name   string
	run    func(*bundle) error
	breaks []edit // each must make run fail
}

var checks = []check{
	{
		name: "the service port is the port of BLOG_ADDR",
		run:  checkServicePort,
		breaks: []edit{
			{deploy.FlyFile, "internal_port = 8080", "internal_port = 8081"},
			{deploy.FlyFile, `BLOG_ADDR = "[::]:8080"`, `BLOG_ADDR = "[::]:9090"`},
		},
	},
	{
		name: "Fly scrapes /metrics where the blog serves it, on the private network",
		run:  checkMetricsPort,
		breaks: []edit{
			{deploy.FlyFile, "port = 9091\n  path = \"/metrics\"", "port = 8080\n  path = \"/metrics\""},
			{deploy.FlyFile, `BLOG_METRICS_ADDR = "fly-local-6pn:9091"`, `BLOG_METRICS_ADDR = "[::]:9091"`},
			{deploy.FlyFile, `BLOG_METRICS_ADDR = "fly-local-6pn:9091"`, `BLOG_METRICS_ADDR = "fly-local-6pn:8080"`},
		},
	},
	{
		name: "the blog listens on IPv6 for replicas on the private network",
		run:  checkListensOnIPv6,
		breaks: []edit{
			{deploy.FlyFile, `BLOG_ADDR = "[::]:8080"`, `BLOG_ADDR = "0.0.0.0:8080"`},
			{deploy.FlyFile, `BLOG_ADDR = "[::]:8080"`, `BLOG_ADDR = "127.0.0.1:8080"`},
		},
	},
	{
		name: "the volume is mounted at LiteFS's data folder",
		run:  checkVolume,
		breaks: []edit{
			{deploy.FlyFile, `destination = "/var/lib/litefs"`, `destination = "/data"`},
			{deploy.LiteFSFile, `dir: "/var/lib/litefs"`, `dir: "/data/litefs"`},
			{deploy.FlyFile, `source = "litefs"`, `source = "blog_data"`},
			{deploy.RunbookFile, "fly volumes create litefs --region ams", "fly volumes create data --region ams"},
		},
	},
	{
		// The image test swaps the lease for a static one, keeping only
		// candidate:, so it cannot see the rest of it.
		name: "the lease is Consul's, from the attached secret, and promotes",
		run:  checkLease,
		breaks: []edit{
			{deploy.LiteFSFile, "promote: true", "promote: false"},
			{deploy.LiteFSFile, `type: "consul"`, `type: "static"`},
			{deploy.LiteFSFile, `url: "${FLY_CONSUL_URL}"`, `url: "http://localhost:8500"`},
			{deploy.LiteFSFile, `key: "litefs/${FLY_APP_NAME}"`, `key: "litefs"`},
		},
	},
	{
		name: "replicas reach the primary by the name LiteFS advertises",
		run:  checkPrimaryName,
		breaks: []edit{
			{deploy.LiteFSFile, `hostname: "${FLY_MACHINE_ID}.vm.${FLY_APP_NAME}.internal"`, `hostname: "${HOSTNAME}"`},
			{deploy.LiteFSFile, `hostname: "${FLY_MACHINE_ID}.vm.${FLY_APP_NAME}.internal"`, `hostname: "localhost"`},
			{deploy.LiteFSFile, `.internal:20202"`, `.internal:20203"`},
		},
	},
	{
		name: "LiteFS runs no proxy in front of the blog",
		run:  checkNoProxy,
		breaks: []edit{
			{deploy.LiteFSFile, "exec:\n", "proxy:\n  addr: \":8080\"\n  target: \"localhost:8081\"\n  db: \"blog.db\"\n\nexec:\n"},
			{deploy.LiteFSFile, "exec:\n", "proxy:\n\nexec:\n"},
		},
	},
	{
		name: "litefs.yml uses only keys LiteFS knows",
		run:  checkLiteFSKeys,
		breaks: []edit{
			{deploy.LiteFSFile, "if-candidate: true", "if_candidate: true"},
			{deploy.LiteFSFile, "advertise-url:", "advertise_url:"},
			{deploy.LiteFSFile, "    key: ", "    prefix: "},
		},
	},
	{
		name: "the runbook sets the secrets the blog reads",
		run:  checkSecrets,
		breaks: []edit{
			{deploy.RunbookFile, "fly secrets set BLOG_FORWARD_SECRET=", "fly secrets set FORWARD_SECRET="},
			{deploy.RunbookFile, " BLOG_ADMIN_PASSWORD='", " ADMIN_PASSWORD='"},
			{deploy.FlyFile, `BLOG_DB = "/litefs/blog.db"`, `BLOG_DB = "/litefs/blog.db"` + "\n  BLOG_ADMIN_PASSWORD = \"hunter2\""},
		},
	},
	{
		name: "the runbook reads the live database read-only, at BLOG_DB",
		run:  checkRunbookSQLite,
		breaks: []edit{
			{deploy.RunbookFile, "sqlite3 -readonly /litefs/blog.db", "sqlite3 /litefs/blog.db"},
			{deploy.RunbookFile, "sqlite3 -readonly /litefs/blog.db", "sqlite3 -readonly /litefs/tags.db"},
			{deploy.FlyFile, `BLOG_DB = "/litefs/blog.db"`, `BLOG_DB = "/litefs/notes.db"`},
		},
	},
	{
		name: "a machine stops on SIGTERM with time to finish a write",
		run:  checkStop,
		breaks: []edit{
			{deploy.FlyFile, `kill_signal = "SIGTERM"`, `kill_signal = "SIGUSR1"`},
			{deploy.FlyFile, `kill_timeout = "30s"`, `kill_timeout = "5s"`},
			{deploy.FlyFile, `kill_timeout = "30s"`, `kill_timeout = 10`},
		},
	},
	{
		name: "Fly checks /health",
		run:  checkHealth,
		breaks: []edit{
			{deploy.FlyFile, `path = "/health"`, `path = "/healthz"`},
			{deploy.FlyFile, `    timeout = "5s"` + "\n", ""},
			{deploy.FlyFile, `timeout = "5s"`, `timeout = "30s"`},
		},
	},
	{
		// The image test reads how the image's blog was built
		// (TestImageBuildCheckCatchesBreakage); this is the script.
		name: "scripts/test builds as the tests build it",
		run:  checkTestScript,
		breaks: []edit{
			{deploy.TestScriptFile, "go test -tags sqlite3_flock", "go test -tags other"},
			{deploy.TestScriptFile, "go vet -tags sqlite3_flock", "go vet"},
		},
	},
	{
		name: ".dockerignore keeps what the build needs and leaves the rest out",
		run:  checkDockerIgnore,
		breaks: []edit{
			{deploy.DockerIgnoreFile, "docs\n", "docs\ninternal\n"},
			{deploy.DockerIgnoreFile, "docs\n", "docs\n**/*.sql\n"},
			{deploy.DockerIgnoreFile, "docs\n", "docs\ncontent/assets\n"},
			{deploy.DockerIgnoreFile, "docs\n", "docs\n*.yml\n"},
			{deploy.DockerIgnoreFile, ".git\n", ""},
			{deploy.DockerIgnoreFile, "**/*.db\n", ""},
		},
	},
}

func moduleRoot(t testing.TB) string {
	t.Helper()
	root, err := deploy.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func readBundle(t testing.TB) *bundle {
	t.Helper()
	root := moduleRoot(t)
	files, err := readFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseBundle(root, files)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDeployFiles checks that fly.toml, litefs.yml, the Dockerfile,
// .dockerignore and the runbook agree with each other and with the code.
func TestDeployFiles(t *testing.T) {
	b := readBundle(t)
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(b); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestDeployChecksCatchBreakage breaks a copy of the files in the ways each
// check guards against, and expects the check to fail every time.
func TestDeployChecksCatchBreakage(t *testing.T) {
	good := readBundle(t)
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if len(c.breaks) == 0 {
				t.Fatal("no breakage to test this check with")
			}
			for _, e := range c.breaks {
				files := good.files.clone()
				if !bytes.Contains(files[e.file], []byte(e.old)) {
					t.Errorf("%s no longer contains %q; update this test's edit", e.file, e.old)
					continue
				}
				files[e.file] = bytes.Replace(files[e.file], []byte(e.old), []byte(e.new), 1)
				b, err := parseBundle(good.root, files)
				if err != nil {
					t.Errorf("%s with %q → %q does not parse, so the check is not exercised: %v", e.file, e.old, e.new, err)
					continue
				}
				if err := c.run(b); err == nil {
					t.Errorf("%s with %q → %q: check passed, want it to fail", e.file, e.old, e.new)
				} else {
					t.Logf("%s with %q → %q: %v", e.file, e.old, e.new, err)
				}
			}
		})
	}
}

func checkServicePort(b *bundle) error {
	addr := b.fly.Env["BLOG_ADDR"]
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("[env] BLOG_ADDR %q: %v", addr, err)
	}
	if b.fly.HTTPService == nil {
		return errors.New("fly.toml has no [http_service]")
	}
	if got := strconv.Itoa(b.fly.HTTPService.InternalPort); got != port {
		return fmt.Errorf("[http_service] internal_port is %s, but the blog listens on port %s (BLOG_ADDR %q)", got, port, addr)
	}
	return nil
}

// checkMetricsPort: /metrics is served on BLOG_METRICS_ADDR, the machine's
// private address, never on the site's port, and [metrics] scrapes it.
func checkMetricsPort(b *bundle) error {
	addr := b.fly.Env["BLOG_METRICS_ADDR"]
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("[env] BLOG_METRICS_ADDR %q: %v", addr, err)
	}
	if host != "fly-local-6pn" {
		return fmt.Errorf("[env] BLOG_METRICS_ADDR %q is not on fly-local-6pn, the machine's private address", addr)
	}
	if _, sitePort, _ := net.SplitHostPort(b.fly.Env["BLOG_ADDR"]); port == sitePort {
		return fmt.Errorf("[env] BLOG_METRICS_ADDR %q shares the site's port", addr)
	}
	m := b.fly.Metrics
	if m == nil {
		return errors.New("fly.toml has no [metrics]")
	}
	if strconv.Itoa(m.Port) != port || m.Path != "/metrics" {
		return fmt.Errorf("[metrics] scrapes port %d path %q, but the blog serves /metrics on port %s (BLOG_METRICS_ADDR)", m.Port, m.Path, port)
	}
	return nil
}

func checkListensOnIPv6(b *bundle) error {
	addr := b.fly.Env["BLOG_ADDR"]
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("[env] BLOG_ADDR %q: %v", addr, err)
	}
	if host != "::" && host != "" {
		return fmt.Errorf("[env] BLOG_ADDR %q listens on %s only; replicas forward over Fly's IPv6 private network, so listen on [::]", addr, host)
	}
	return nil
}

func checkVolume(b *bundle) error {
	dir := b.candidate.Data.Dir
	m := b.fly.mount(dir)
	if m == nil {
		return fmt.Errorf("no [mounts] destination is litefs.yml's data.dir %q; LiteFS's data would not survive a restart", dir)
	}
	created := regexp.MustCompile(`fly volumes create (\S+)`).FindAllSubmatch(b.files[deploy.RunbookFile], -1)
	if len(created) == 0 {
		return fmt.Errorf("%s creates no volume, but [mounts] needs one named %q on every machine", deploy.RunbookFile, m.Source)
	}
	for _, c := range created {
		if string(c[1]) != m.Source {
			return fmt.Errorf("%s creates a volume named %q, but [mounts] mounts %q", deploy.RunbookFile, c[1], m.Source)
		}
	}
	return nil
}

func checkLease(b *bundle) error {
	l := b.candidate.Lease
	if l.Type != "consul" {
		return fmt.Errorf("lease.type is %q, want consul: a static lease cannot fail over", l.Type)
	}
	if !l.Promote {
		return errors.New("lease.promote is not true; after a deploy the primary could stay outside the primary region's newest machine")
	}
	if l.Consul.URL != sampleConsulURL {
		return fmt.Errorf("lease.consul.url is %q on a machine whose FLY_CONSUL_URL is %q; it must come from the secret `fly consul attach` sets", l.Consul.URL, sampleConsulURL)
	}
	if !strings.Contains(l.Consul.Key, b.fly.App) {
		return fmt.Errorf("lease.consul.key %q does not name the app %q; apps sharing Consul would share a lease", l.Consul.Key, b.fly.App)
	}
	return nil
}

func checkPrimaryName(b *bundle) error {
	l := b.candidate
	u, err := url.Parse(l.Lease.AdvertiseURL)
	if err != nil || u.Scheme != "http" || u.Hostname() == "" || u.Port() == "" {
		return fmt.Errorf("lease.advertise-url %q: want http://HOST:PORT (%v)", l.Lease.AdvertiseURL, err)
	}
	host, port := u.Hostname(), u.Port()
	// Replicas forward writes to the name in .primary, which is the
	// primary's lease.hostname.
	if l.Lease.Hostname != host {
		return fmt.Errorf("lease.hostname %q differs from advertise-url's host %q; replicas would forward writes to a name other than the primary's", l.Lease.Hostname, host)
	}
	if want := sampleMachineID + ".vm." + b.fly.App + ".internal"; host != want {
		return fmt.Errorf("the primary is advertised as %q, want the machine's private name %q", host, want)
	}
	if _, api, _ := net.SplitHostPort(l.HTTP.Addr); port != api {
		return fmt.Errorf("advertise-url's port %s is not the port LiteFS listens on (http.addr %q)", port, l.HTTP.Addr)
	}
	return nil
}

func checkNoProxy(b *bundle) error {
	// Even an empty section: it invites filling in.
	var sections map[string]any
	if err := yaml.Unmarshal(b.files[deploy.LiteFSFile], &sections); err != nil {
		return err
	}
	if _, ok := sections["proxy"]; ok {
		return errors.New("litefs.yml has a proxy: section; the blog forwards writes itself, and a second forwarding layer would replay them")
	}
	return nil
}

func checkLiteFSKeys(b *bundle) error {
	_, err := deploy.ParseLiteFS(b.files[deploy.LiteFSFile], b.env(b.fly.PrimaryRegion))
	return err
}

func checkSecrets(b *bundle) error {
	set := secretsSet(b.files[deploy.RunbookFile])
	for _, name := range requiredSecrets {
		if !slices.Contains(set, name) {
			return fmt.Errorf("%s's `fly secrets set` does not set %s (it sets %v)", deploy.RunbookFile, name, set)
		}
		if _, ok := b.fly.Env[name]; ok {
			return fmt.Errorf("fly.toml's [env] sets the secret %s in plain text", name)
		}
		read, err := cmdBlogReads(b.root, name)
		if err != nil {
			return err
		}
		if !read {
			return fmt.Errorf("cmd/blog does not read %s", name)
		}
	}
	return nil
}

// cmdBlogMentions reports whether a non-test source file of cmd/blog
// contains text.
// cmdBlogReads reports whether the blog reads the variable name: whether
// its usage lists name beside a flag, every one of which cmd/blog reads
// from its variable (TestEverySettingReadsItsVariable).
func cmdBlogReads(root, name string) (bool, error) {
	setting := regexp.MustCompile(`(?m)^\s+--[a-z-]+\s+` + regexp.QuoteMeta(name) + `\s`)
	srcs, err := filepath.Glob(filepath.Join(root, "cmd", "blog", "*.go"))
	if err != nil {
		return false, err
	}
	for _, src := range srcs {
		if strings.HasSuffix(src, "_test.go") {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			return false, err
		}
		if setting.Match(b) {
			return true, nil
		}
	}
	return false, nil
}

func checkRunbookSQLite(b *bundle) error {
	cmds, err := sshCommands(b.files[deploy.RunbookFile])
	if err != nil {
		return err
	}
	n := 0
	for _, words := range cmds {
		if len(words) == 0 || words[0] != "sqlite3" {
			continue
		}
		n++
		// With the blog's flock(2) locks invisible to the shell, a
		// read-write shell deletes the WAL under the blog when it exits.
		if !slices.Contains(words, "-readonly") {
			return fmt.Errorf("the runbook runs %q without -readonly", strings.Join(words, " "))
		}
		if !slices.Contains(words, b.fly.Env["BLOG_DB"]) {
			return fmt.Errorf("the runbook runs %q, which does not open BLOG_DB %q", strings.Join(words, " "), b.fly.Env["BLOG_DB"])
		}
	}
	if n == 0 {
		return errors.New("the runbook never counts rows with sqlite3 on a machine")
	}
	return nil
}

func checkStop(b *bundle) error {
	// The blog and LiteFS both stop cleanly on SIGTERM (and SIGINT).
	if s := b.fly.KillSignal; s != "SIGTERM" && s != "SIGINT" {
		return fmt.Errorf("kill_signal is %q; LiteFS and the blog stop cleanly on SIGTERM", s)
	}
	need := litefs.DefaultForwardTimeout
	if grace, ok := shutdownGrace(b.root); ok {
		need = max(need, grace)
	}
	if got := time.Duration(b.fly.KillTimeout); got <= need {
		return fmt.Errorf("kill_timeout is %s; a write in flight may take %s to finish, so give it more", got, need)
	}
	return nil
}

// shutdownGrace reads the blog's shutdownGrace constant, "N * time.Second",
// from cmd/blog.
func shutdownGrace(root string) (time.Duration, bool) {
	v, ok := mainDecl(root, token.CONST, "shutdownGrace")
	if !ok {
		return 0, false
	}
	m := regexp.MustCompile(`^(\d+) \* time\.Second$`).FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return time.Duration(n) * time.Second, true
}

// mainDecl looks in the non-test files of cmd/blog for a package-level
// declaration of kind tok (token.VAR or token.CONST) named name, and returns
// the source text of its value.
func mainDecl(root string, tok token.Token, name string) (value string, found bool) {
	srcs, _ := filepath.Glob(filepath.Join(root, "cmd", "blog", "*.go"))
	for _, src := range srcs {
		if strings.HasSuffix(src, "_test.go") {
			continue
		}
		text, err := os.ReadFile(src)
		if err != nil {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, src, text, 0)
		if err != nil || f.Name.Name != "main" {
			continue
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != tok {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if n.Name != name {
						continue
					}
					if i < len(vs.Values) {
						e := vs.Values[i]
						value = string(text[fset.Position(e.Pos()).Offset:fset.Position(e.End()).Offset])
					}
					return value, true
				}
			}
		}
	}
	return "", false
}

func checkHealth(b *bundle) error {
	c := b.fly.healthCheck("/health")
	if c == nil {
		return errors.New("[http_service] has no GET /health check")
	}
	routes, err := os.ReadFile(filepath.Join(b.root, "web", "routes.go"))
	if err != nil {
		return err
	}
	if !bytes.Contains(routes, []byte(`"/health"`)) {
		return errors.New("web/routes.go serves no /health")
	}
	var d [3]time.Duration
	for i, s := range []string{c.Interval, c.Timeout, c.GracePeriod} {
		if d[i], err = time.ParseDuration(s); err != nil {
			return fmt.Errorf("the /health check's interval, timeout and grace_period must all be set: %v", err)
		}
	}
	if d[1] >= d[0] {
		return fmt.Errorf("the /health check's timeout %s is not shorter than its interval %s", d[1], d[0])
	}
	return nil
}

// checkTestScript: scripts/test vets, builds and tests with the tags the
// tests and the image build with.
func checkTestScript(b *bundle) error {
	n := 0
	for line := range strings.Lines(string(b.files[deploy.TestScriptFile])) {
		line = strings.TrimSpace(line)
		if !goBuildCommand.MatchString(line) {
			continue
		}
		n++
		if tags := scriptBuildTags([]byte(line)); !slices.Equal(tags, []string{blogtest.BuildTags}) {
			return fmt.Errorf("%s runs %q, want it with -tags %s", deploy.TestScriptFile, line, blogtest.BuildTags)
		}
	}
	if n == 0 {
		return fmt.Errorf("%s runs no go vet, build or test", deploy.TestScriptFile)
	}
	return nil
}

var goBuildCommand = regexp.MustCompile(`^go (?:vet|build|test)\b`)

// goModVersion returns the major.minor Go version of go.mod.
func goModVersion(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(b)
	if m == nil {
		return "", errors.New("go.mod names no go version")
	}
	return string(m[1]), nil
}

var (
	buildFilesOnce sync.Once
	buildFiles     []string
	buildFilesErr  error
)

// filesOfTheBuild lists, relative to the module root, every file that
// building ./cmd/blog reads: go.mod, go.sum, and the Go and embedded files
// of the module's packages it depends on.
func filesOfTheBuild(root string) ([]string, error) {
	buildFilesOnce.Do(func() {
		cmd := exec.Command("go", "list", "-deps", "-tags", blogtest.BuildTags, "-json", "./cmd/blog")
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			buildFilesErr = fmt.Errorf("go list: %v", err)
			return
		}
		files := []string{"go.mod", "go.sum"}
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			var p struct {
				Dir        string
				GoFiles    []string
				EmbedFiles []string
				Module     *struct{ Path string }
			}
			if err := dec.Decode(&p); err == io.EOF {
				break
			} else if err != nil {
				buildFilesErr = err
				return
			}
			if p.Module == nil || p.Module.Path != "blog" {
				continue
			}
			rel, err := filepath.Rel(root, p.Dir)
			if err != nil {
				buildFilesErr = err
				return
			}
			for _, f := range append(p.GoFiles, p.EmbedFiles...) {
				files = append(files, filepath.ToSlash(filepath.Join(rel, f)))
			}
		}
		buildFiles = files
	})
	return buildFiles, buildFilesErr
}

func checkDockerIgnore(b *bundle) error {
	needed, err := filesOfTheBuild(b.root)
	if err != nil {
		return err
	}
	// The Dockerfile's COPY sources outside the build's own files.
	needed = append(needed, deploy.LiteFSFile)
	for _, f := range needed {
		if b.ignore.excluded(f) {
			return fmt.Errorf(".dockerignore leaves out %s, which the image's build needs", f)
		}
	}
	for _, f := range []string{".git/HEAD", "data/blog.db", "blog.db", "internal/sqlite/x.db-wal", "blog"} {
		if !b.ignore.excluded(f) {
			return fmt.Errorf(".dockerignore lets %s into the build context", f)
		}
	}
	return nil
}
