package deploy_test

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"blog/deploy"
	"blog/internal/blogtest"
)

// The machines' loopback addresses, apart from the cluster tests' .2 and .3.
const (
	primaryIP = "127.0.0.12"
	replicaIP = "127.0.0.13"
)

// The machines, as Fly names them: a 14-digit hex id each.
const (
	primaryMachineID = "e2865013f41986"
	replicaMachineID = "d8d9e4b2e1e890"
)

// otherRegion returns a Fly region other than primary, for the replica.
func otherRegion(primary string) string {
	if primary == "syd" {
		return "lhr"
	}
	return "syd"
}

// machine is one container run from the image, as a Fly machine.
type machine struct {
	role   string // "primary" or "replica": what it must become
	name   string // the container's name
	id     string // FLY_MACHINE_ID
	region string // FLY_REGION
	ip     string
	url    string // the blog: http://ip:port
	host   string // <id>.vm.<app>.internal
	data   string // the host folder mounted as the "litefs" volume
	config string // its litefs.yml: the image's own, with a static lease
	env    []string
}

// deployment is two machines run from the image built from the Dockerfile.
type deployment struct {
	p                *podman
	b                *bundle
	image            string
	primary, replica *machine
	adminPassword    string
	healthPath       string // the path of fly.toml's health check
	killTimeout      time.Duration
	client           *http.Client
}

// requireImageTools skips the test where the machines cannot run (they
// mount FUSE, which needs root and /dev/fuse), and fails it where only a
// tool is missing: scripts/test installs those.
func requireImageTools(t testing.TB) {
	t.Helper()
	// Under CI (CI set) a skip would hide that nothing ran: fail instead.
	skip := t.Skip
	if os.Getenv("CI") != "" {
		skip = t.Fatal
	}
	if os.Geteuid() != 0 {
		skip("the image test runs the image with Podman as root (LiteFS mounts FUSE inside the containers); run it as root")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		skip("the image test needs /dev/fuse for LiteFS inside the containers: " + err.Error())
	}
	var missing []string
	for _, tool := range []string{"podman", "runc", "debootstrap", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the image test needs %s: apt-get install -y podman runc debootstrap (./scripts/test does)", strings.Join(missing, ", "))
	}
}

// TestImage builds the image from the Dockerfile, as `fly deploy` does, and
// runs the deployment from it: two machines with the environment Fly gives
// them, one in the primary region and one elsewhere, each starting from the
// image's own /etc/litefs.yml with a static lease instead of Consul.
func TestImage(t *testing.T) {
	requireImageTools(t)
	start := time.Now()
	d := newDeployment(t)
	d.start(t, true)
	t.Logf("the two machines serve, %s after the test began", time.Since(start).Round(time.Second))
	label := "image-" + randomHex(4)

	t.Run("blog migrate runs on the candidate only", func(t *testing.T) {
		pl, rl := d.logs(t, d.primary), d.logs(t, d.replica)
		if !strings.Contains(pl, "executing command: blog [migrate]") || !strings.Contains(pl, "database is up to date") {
			t.Errorf("the machine in the primary region did not migrate; its log:\n%s", tail(pl, 30))
		}
		if strings.Contains(rl, "executing command: blog [migrate]") || !strings.Contains(rl, "not a candidate, skipping command execution: blog [migrate]") {
			t.Errorf("LiteFS did not skip blog migrate on the machine outside the primary region; its log:\n%s", tail(rl, 30))
		}
		for _, m := range []*machine{d.primary, d.replica} {
			if !strings.Contains(d.logs(t, m), "starting background subprocess: blog [serve]") {
				t.Errorf("LiteFS did not start blog serve on the %s", m.role)
			}
		}
	})

	t.Run("each machine reports its role", func(t *testing.T) {
		if h := d.health(t, d.primary); h.Role != "primary" || h.Primary != "" {
			t.Errorf("the primary's health: %+v, want role primary", h)
		}
		if h := d.health(t, d.replica); h.Role != "replica" || h.Primary != d.primary.host {
			t.Errorf("the replica's health: %+v, want role replica of %s", h, d.primary.host)
		}
	})

	t.Run("the image is what the Dockerfile says", func(t *testing.T) {
		if out, err := d.p.try("exec", d.primary.name, "blog", "version"); err != nil || strings.TrimSpace(out) != d.version() {
			t.Errorf("blog version in the image: %q, %v; want the build's VERSION %q", out, err, d.version())
		}
		if err := checkImageBuild(d.blogBuildInfo(t, d.primary)); err != nil {
			t.Error(err)
		}
		// LiteFS's Consul lease on Fly is reached over TLS.
		if out, err := d.p.try("exec", d.primary.name, "test", "-s", "/etc/ssl/certs/ca-certificates.crt"); err != nil {
			t.Errorf("the image has no CA certificates: %s", out)
		}
	})

	if !t.Run("a tag created on the replica is there at once", func(t *testing.T) {
		id := d.createTag(t, d.replica, label)
		got, status := d.getTag(t, d.replica, id)
		if status != http.StatusOK || got.Label != label {
			t.Fatalf("GET /api/tags/%d on the replica right after creating it: %d %+v", id, status, got)
		}
		// Forwarded to the primary: the replica never tried the write.
		for _, line := range strings.Split(d.logs(t, d.replica), "\n") {
			if l := strings.ToLower(line); strings.Contains(l, "disk i/o error") || strings.Contains(l, "readonly") {
				t.Errorf("the replica's log reports a failed write: %s", line)
			}
		}
	}) {
		t.FailNow()
	}

	t.Run("sqlite3 counts the tag once on each machine", func(t *testing.T) {
		for _, m := range []*machine{d.primary, d.replica} {
			if n := d.count(t, m, label); n != 1 {
				t.Errorf("sqlite3 on the %s counts %d tags labelled %q, want 1", m.role, n, label)
			}
		}
	})

	if !t.Run("SIGTERM stops a machine within kill_timeout", func(t *testing.T) {
		d.stop(t, d.replica)
	}) {
		t.FailNow()
	}

	t.Run("a restarted replica catches up", func(t *testing.T) {
		missed := label + "-missed"
		d.createTag(t, d.primary, missed)
		d.p.must(t, "start", d.replica.name)
		d.waitRole(t, d.replica, "replica")
		deadline := time.Now().Add(10 * time.Second)
		for d.count(t, d.replica, missed) != 1 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		for _, l := range []string{label, missed} {
			if n := d.count(t, d.replica, l); n != 1 {
				t.Errorf("after its restart the replica counts %d tags labelled %q, want 1", n, l)
			}
		}
		if p, r := d.health(t, d.primary).TXID, d.health(t, d.replica).TXID; p != r {
			t.Errorf("after its restart the replica is at TXID %s, the primary at %s", r, p)
		}
	})

	t.Run("SIGTERM stops the primary within kill_timeout", func(t *testing.T) {
		d.stop(t, d.primary)
	})
}

// TestImageByHand builds the image and runs the two machines until Ctrl-C,
// for a look before `fly deploy` (scripts/fly-local).
func TestImageByHand(t *testing.T) {
	if os.Getenv("BLOG_IMAGE_BY_HAND") == "" {
		t.Skip("set BLOG_IMAGE_BY_HAND=1 (or run scripts/fly-local) to run the image's two machines by hand")
	}
	requireImageTools(t)
	d := newDeployment(t)
	// Not holding the cluster tests' lock while it waits for Ctrl-C.
	d.start(t, false)
	pm := "CONTAINERS_CONF=" + d.p.conf + " podman"
	t.Logf(`two machines run the image %s; stop them with Ctrl-C

  %s  %s  region %s  %s  (container %s)
  %s  %s  region %s  %s  (container %s)

  admin password: %s

  curl -u admin:%s -H 'Content-Type: application/json' -d '{"label":"hello"}' %s/api/tags
  %s exec %s sqlite3 %s "SELECT COUNT(*) FROM tags WHERE label='hello'"
  %s exec %s sqlite3 %s "SELECT COUNT(*) FROM tags WHERE label='hello'"
  %s logs -f %s`,
		d.image,
		d.primary.role, d.primary.url, d.primary.region, d.primary.host, d.primary.name,
		d.replica.role, d.replica.url, d.replica.region, d.replica.host, d.replica.name,
		d.adminPassword, d.adminPassword, d.replica.url,
		pm, d.primary.name, d.b.fly.Env["BLOG_DB"],
		pm, d.replica.name, d.b.fly.Env["BLOG_DB"],
		pm, d.replica.name)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}

// newDeployment builds the image and prepares the two machines; everything
// it makes is removed when the test ends, pass or fail.
func newDeployment(t testing.TB) *deployment {
	t.Helper()
	b := readBundle(t)
	p := newPodman(t)
	p.removeOurs(t)
	t.Cleanup(func() { p.removeOurs(t) })

	p.standIns(t, b)
	d := &deployment{
		p:             p,
		b:             b,
		image:         "localhost/" + ourPrefix + ":" + strings.TrimPrefix(ours(), ourPrefix+"-") + "-" + randomHex(4),
		adminPassword: "admin-" + randomHex(8),
		killTimeout:   time.Duration(b.fly.KillTimeout),
		client:        &http.Client{Timeout: 30 * time.Second},
	}
	if b.fly.HTTPService == nil || len(b.fly.HTTPService.Checks) == 0 {
		t.Fatalf("%s has no [[http_service.checks]]", deploy.FlyFile)
	}
	d.healthPath = b.fly.HTTPService.Checks[0].Path
	d.build(t)

	// The image's own litefs.yml: what LiteFS runs with on Fly.
	base, err := p.stdout("run", "--rm", "--name", ours()+"-config", "--network=none", "--entrypoint", "cat", d.image, "/etc/litefs.yml")
	if err != nil {
		t.Fatal(err)
	}
	blogPort := freePort(t, primaryIP, replicaIP)
	liteFSPort := freePort(t, primaryIP, replicaIP)
	gossipPort := freePort(t, primaryIP, replicaIP)
	forwardSecret := "forward-" + randomHex(16)
	tmp := t.TempDir()
	app := b.fly.App
	d.primary = &machine{role: "primary", id: primaryMachineID, region: b.fly.PrimaryRegion, ip: primaryIP}
	d.replica = &machine{role: "replica", id: replicaMachineID, region: otherRegion(b.fly.PrimaryRegion), ip: replicaIP}
	for _, m := range []*machine{d.primary, d.replica} {
		m.name = ours() + "-" + m.role
		m.host = m.id + ".vm." + app + ".internal"
		m.url = "http://" + net.JoinHostPort(m.ip, strconv.Itoa(blogPort))
	}
	for _, m := range []*machine{d.primary, d.replica} {
		m.data = filepath.Join(tmp, m.role, "volume")
		if err := os.MkdirAll(m.data, 0o755); err != nil {
			t.Fatal(err)
		}
		// Both machines name the primary: a static lease does not move.
		cfg, err := staticLease(base, d.primary.host, "http://"+net.JoinHostPort(d.primary.host, strconv.Itoa(liteFSPort)), net.JoinHostPort(m.ip, strconv.Itoa(liteFSPort)))
		if err != nil {
			t.Fatal(err)
		}
		m.config = filepath.Join(tmp, m.role, "litefs.yml")
		if err := os.WriteFile(m.config, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		// What Fly sets on a machine, then fly.toml's [env], then the
		// secrets.
		env := map[string]string{
			"FLY_APP_NAME":   app,
			"FLY_MACHINE_ID": m.id,
			"FLY_REGION":     m.region,
			"PRIMARY_REGION": b.fly.PrimaryRegion,
		}
		for k, v := range b.fly.Env {
			env[k] = v
		}
		env["BLOG_FORWARD_SECRET"] = forwardSecret
		env["BLOG_ADMIN_PASSWORD"] = d.adminPassword
		// On Fly every machine has its own network; here both share the
		// host's, so each listens on its own address only.
		// Replicas forward to the port of their own BLOG_ADDR, as on Fly.
		env["BLOG_ADDR"] = strings.TrimPrefix(m.url, "http://")
		env["BLOG_LITEFS_URL"] = "http://" + net.JoinHostPort(m.ip, strconv.Itoa(liteFSPort))
		env["BLOG_GOSSIP_ADDR"] = net.JoinHostPort(m.ip, strconv.Itoa(gossipPort))
		for k, v := range env {
			m.env = append(m.env, k+"="+v)
		}
	}
	return d
}

func (d *deployment) version() string {
	return "image-test-" + strings.TrimPrefix(d.image, "localhost/"+ourPrefix+":")
}

// blogBuildInfo copies the blog the machine runs out of its container and
// reads how it was built.
func (d *deployment) blogBuildInfo(t testing.TB, m *machine) *debug.BuildInfo {
	t.Helper()
	path, err := d.p.stdout("exec", m.name, "sh", "-c", "command -v blog")
	if err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "blog")
	d.p.must(t, "cp", m.name+":"+strings.TrimSpace(path), local)
	info, err := buildinfo.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// checkImageBuild: the image's blog is built as the tests build it, with
// blogtest.BuildTags, without which SQLite fails on LiteFS; static, so
// that it does not depend on the C library of the image it runs in; and
// with -trimpath, so that it holds no path of the machine that built it.
func checkImageBuild(info *debug.BuildInfo) error {
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if got := settings["-tags"]; got != blogtest.BuildTags {
		return fmt.Errorf("the image's blog is built with -tags %q; the tests build with %q, and without it SQLite fails on LiteFS", got, blogtest.BuildTags)
	}
	if got := settings["CGO_ENABLED"]; got != "0" {
		return fmt.Errorf("the image's blog is built with CGO_ENABLED=%q, want 0", got)
	}
	if settings["-trimpath"] != "true" {
		return errors.New("the image's blog is built without -trimpath")
	}
	return nil
}

// checkImageBuild passes the build the Dockerfile makes and fails each way
// of breaking it.
func TestImageBuildCheckCatchesBreakage(t *testing.T) {
	build := func(change func(map[string]string)) *debug.BuildInfo {
		settings := map[string]string{"-buildmode": "exe", "-ldflags": "-s -w -X main.version=dev", "-tags": blogtest.BuildTags, "-trimpath": "true", "CGO_ENABLED": "0", "GOOS": "linux"}
		change(settings)
		info := &debug.BuildInfo{Path: "blog/cmd/blog"}
		for _, k := range slices.Sorted(maps.Keys(settings)) {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: k, Value: settings[k]})
		}
		return info
	}
	if err := checkImageBuild(build(func(map[string]string) {})); err != nil {
		t.Fatalf("the Dockerfile's build: %v", err)
	}
	for name, change := range map[string]func(map[string]string){
		"another tag too": func(s map[string]string) { s["-tags"] = blogtest.BuildTags + ",netgo" },
		"no tags":         func(s map[string]string) { delete(s, "-tags") },
		"with cgo":        func(s map[string]string) { s["CGO_ENABLED"] = "1" },
		"no -trimpath":    func(s map[string]string) { delete(s, "-trimpath") },
	} {
		if err := checkImageBuild(build(change)); err == nil {
			t.Errorf("%s: check passed, want it to fail", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// build builds the Dockerfile, unchanged, from the module root, the way
// `fly deploy` does with its VERSION argument, and logs what the image
// adds to its base.
func (d *deployment) build(t testing.TB) {
	t.Helper()
	start := time.Now()
	_, err := d.p.try("build", "--network=host", "--pull=never", "--layers=false", "--force-rm",
		"--label", ourLabel+"="+strconv.Itoa(os.Getpid()),
		"--build-arg", "VERSION="+d.version(),
		"-f", filepath.Join(d.b.root, deploy.DockerFile), "-t", d.image, d.b.root)
	if err != nil {
		t.Fatalf("build the image: %v", tail(err.Error(), 40))
	}
	t.Logf("built %s from %s in %s", d.image, deploy.DockerFile, time.Since(start).Round(time.Second))

	_, final := baseImages(d.b.files[deploy.DockerFile])
	base := qualified(final)
	size := func(img string) int64 {
		out, err := d.p.stdout("image", "inspect", "--format", "{{.Size}}", img)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
		return n
	}
	all, own := size(d.image), size(d.image)-size(base)
	t.Logf("the image is %.1f MB, of which %.1f MB on top of %s", float64(all)/1e6, float64(own)/1e6, base)
}

// staticLease returns the image's litefs.yml with its lease: section
// replaced by a static lease held by the primary, keeping the lease's
// candidate: and promote: lines as they are, so that LiteFS evaluates the
// candidate expression with the machine's environment itself. LiteFS's API
// listens on httpAddr: on Fly each machine has its own network.
func staticLease(base, hostname, advertiseURL, httpAddr string) (string, error) {
	lines := strings.Split(base, "\n")
	var out, kept []string
	inLease, found := false, false
	for _, line := range lines {
		topLevel := line != "" && line[0] != ' ' && line[0] != '\t' && line[0] != '#'
		if topLevel {
			inLease = strings.HasPrefix(line, "lease:")
			if inLease {
				found = true
				out = append(out, "lease: {{lease}}")
				continue
			}
			if strings.HasPrefix(line, "http:") {
				return "", fmt.Errorf("%s has an http: section; the image test sets http.addr itself, change it too", deploy.LiteFSFile)
			}
		}
		if inLease {
			if k := strings.TrimSpace(line); strings.HasPrefix(k, "candidate:") || strings.HasPrefix(k, "promote:") {
				kept = append(kept, "  "+k)
			}
			continue
		}
		out = append(out, line)
	}
	if !found {
		return "", fmt.Errorf("%s has no lease: section", deploy.LiteFSFile)
	}
	if !slices.ContainsFunc(kept, func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "candidate:") }) {
		return "", fmt.Errorf("%s's lease says nothing of candidate:; every machine would be one", deploy.LiteFSFile)
	}
	lease := strings.Join(append([]string{
		"",
		`  type: "static"`,
		fmt.Sprintf("  hostname: %q", hostname),
		fmt.Sprintf("  advertise-url: %q", advertiseURL),
	}, kept...), "\n")
	text := strings.Replace(strings.Join(out, "\n"), " {{lease}}", lease, 1)
	return text + fmt.Sprintf("\nhttp:\n  addr: %q\n", httpAddr), nil
}

// start runs the primary, waits until it serves as primary, and then runs
// the replica and waits until it serves as its replica. With lock, the
// containers run while the test holds the cluster tests' lock, so that
// their LiteFS and FUSE mounts do not compete with the cluster tests'.
func (d *deployment) start(t testing.TB, lock bool) {
	t.Helper()
	if lock {
		holdClusterLock(t)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, m := range []*machine{d.primary, d.replica} {
				if out, err := d.p.try("logs", m.name); err == nil {
					t.Logf("the %s's log:\n%s", m.role, tail(out, 60))
				}
			}
		}
		// Removed here, before the lock is released; removeOurs runs
		// again after it.
		for _, m := range []*machine{d.primary, d.replica} {
			d.p.try("rm", "-f", "-t", "5", m.name)
		}
	})
	for _, m := range []*machine{d.primary, d.replica} {
		args := []string{"run", "-d", "--name", m.name, "--hostname", m.id,
			"--device", "/dev/fuse", "--cap-add", "SYS_ADMIN", "--network=host",
			"--stop-signal", d.b.fly.KillSignal,
			// Fly's private DNS: each machine by its id, and the app's
			// name for all of them.
			"--add-host", d.primary.host + ":" + d.primary.ip,
			"--add-host", d.replica.host + ":" + d.replica.ip,
			"--add-host", d.b.fly.App + ".internal:" + d.primary.ip,
			"--add-host", d.b.fly.App + ".internal:" + d.replica.ip,
			"-v", m.data + ":" + d.b.fly.Mounts[0].Destination,
			"-v", m.config + ":/etc/litefs.yml:ro",
		}
		for _, kv := range m.env {
			args = append(args, "-e", kv)
		}
		d.p.must(t, append(args, d.image)...)
		d.waitRole(t, m, m.role)
	}
}

// health is the answer of fly.toml's health check path.
type health struct {
	Status, Role, Primary, TXID string
}

func (d *deployment) getHealth(m *machine) (health, int, error) {
	resp, err := d.client.Get(m.url + d.healthPath)
	if err != nil {
		return health{}, 0, err
	}
	defer resp.Body.Close()
	var h health
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &h); err != nil {
		return health{}, resp.StatusCode, fmt.Errorf("%s: %v: %s", d.healthPath, err, b)
	}
	return h, resp.StatusCode, nil
}

func (d *deployment) health(t testing.TB, m *machine) health {
	t.Helper()
	h, status, err := d.getHealth(m)
	if err != nil || status != http.StatusOK {
		t.Fatalf("%s on the %s: %d %+v %v", d.healthPath, m.role, status, h, err)
	}
	return h
}

// waitRole waits until the machine's health check answers 200 with role.
func (d *deployment) waitRole(t testing.TB, m *machine, role string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		h, status, err := d.getHealth(m)
		if err == nil && status == http.StatusOK && h.Role == role {
			return
		}
		last = fmt.Sprintf("%d %+v %v", status, h, err)
		if state, _ := d.p.stdout("inspect", "--format", "{{.State.Status}}", m.name); strings.TrimSpace(state) == "exited" {
			t.Fatalf("the %s's container exited; its log:\n%s", m.role, tail(d.logs(t, m), 40))
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("the %s did not serve as %s within 90 s (last: %s); its log:\n%s", m.role, role, last, tail(d.logs(t, m), 40))
}

func (d *deployment) logs(t testing.TB, m *machine) string {
	t.Helper()
	return d.p.must(t, "logs", m.name)
}

// stop stops the machine as Fly does: kill_signal, and SIGKILL after
// kill_timeout. It must stop in time, with LiteFS shut down cleanly.
func (d *deployment) stop(t testing.TB, m *machine) {
	t.Helper()
	start := time.Now()
	d.p.must(t, "stop", "-t", strconv.Itoa(int(d.killTimeout.Seconds())), m.name)
	took := time.Since(start)
	code, err := d.p.stdout("inspect", "--format", "{{.State.ExitCode}}", m.name)
	if err != nil {
		t.Fatal(err)
	}
	log := d.logs(t, m)
	if took >= d.killTimeout || strings.TrimSpace(code) != "0" {
		t.Errorf("the %s took %s to stop on %s and exited %s; fly.toml's kill_timeout is %s. Its log:\n%s",
			m.role, took.Round(time.Millisecond), d.b.fly.KillSignal, strings.TrimSpace(code), d.killTimeout, tail(log, 20))
	}
	for _, line := range []string{"signal received, litefs shutting down", "litefs shut down complete"} {
		if !strings.Contains(log, line) {
			t.Errorf("the %s's LiteFS did not log %q when stopped; its log:\n%s", m.role, line, tail(log, 20))
		}
	}
	t.Logf("the %s stopped in %s", m.role, took.Round(time.Millisecond))
}

type apiTag struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// createTag creates a tag through the machine's API and expects 201.
func (d *deployment) createTag(t testing.TB, m *machine, label string) int64 {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"label": label})
	req, err := http.NewRequest(http.MethodPost, m.url+"/api/tags", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("admin", d.adminPassword)
	resp, err := d.client.Do(req)
	if err != nil {
		t.Fatalf("POST /api/tags on the %s: %v", m.role, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var tg apiTag
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &tg) != nil || tg.Label != label || tg.ID == 0 {
		t.Fatalf("POST /api/tags %q on the %s: %d %s, want 201 with the tag", label, m.role, resp.StatusCode, b)
	}
	return tg.ID
}

func (d *deployment) getTag(t testing.TB, m *machine, id int64) (apiTag, int) {
	t.Helper()
	resp, err := d.client.Get(fmt.Sprintf("%s/api/tags/%d", m.url, id))
	if err != nil {
		t.Fatalf("GET /api/tags/%d on the %s: %v", id, m.role, err)
	}
	defer resp.Body.Close()
	var tg apiTag
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &tg); err != nil {
			t.Fatalf("GET /api/tags/%d on the %s: %v: %s", id, m.role, err, b)
		}
	}
	return tg, resp.StatusCode
}

// count counts the tags labelled label with sqlite3 inside the machine, as
// an operator does on Fly with fly ssh console.
func (d *deployment) count(t testing.TB, m *machine, label string) int {
	t.Helper()
	query := "SELECT COUNT(*) FROM tags WHERE label='" + strings.ReplaceAll(label, "'", "''") + "'"
	out, err := d.p.stdout("exec", m.name, "sqlite3", d.b.fly.Env["BLOG_DB"], query)
	if err != nil {
		t.Fatalf("sqlite3 on the %s: %v", m.role, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("sqlite3 on the %s printed %q", m.role, out)
	}
	return n
}

// The image test's litefs.yml differs from the image's only in the lease
// and LiteFS's API address, and keeps the candidate expression for LiteFS.
func TestStaticLease(t *testing.T) {
	b := readBundle(t)
	base := string(b.files[deploy.LiteFSFile])
	got, err := staticLease(base, "p.vm.app.internal", "http://p.vm.app.internal:1234", "127.0.0.12:1234")
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{b.fly.PrimaryRegion, otherRegion(b.fly.PrimaryRegion)} {
		env := func(name string) string {
			if name == "FLY_REGION" {
				return region
			}
			return b.fly.Env[name]
		}
		want, err := deploy.ParseLiteFS([]byte(base), env)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := deploy.ParseLiteFS([]byte(got), env)
		if err != nil {
			t.Fatal(err)
		}
		l := cfg.Lease
		if l.Type != "static" || l.Hostname != "p.vm.app.internal" || l.AdvertiseURL != "http://p.vm.app.internal:1234" || l.Consul.URL != "" {
			t.Errorf("lease: %+v, want a static lease held by p.vm.app.internal", l)
		}
		if l.Candidate != want.Lease.Candidate || l.Promote != want.Lease.Promote {
			t.Errorf("in region %s: candidate %v promote %v, the image's litefs.yml says %v %v", region, l.Candidate, l.Promote, want.Lease.Candidate, want.Lease.Promote)
		}
		if cfg.HTTP.Addr != "127.0.0.12:1234" {
			t.Errorf("http.addr %q", cfg.HTTP.Addr)
		}
		rest := *cfg
		rest.Lease, rest.HTTP = want.Lease, want.HTTP
		if !reflect.DeepEqual(rest, *want) {
			t.Errorf("the rest changed:\n%s", got)
		}
	}
	if !strings.Contains(got, "candidate: ${FLY_REGION == PRIMARY_REGION}") {
		t.Errorf("the candidate expression is not left to LiteFS:\n%s", got)
	}

	noCandidate := strings.Replace(base, "candidate:", "# candidate:", 1)
	if _, err := staticLease(noCandidate, "h", "http://h:1", "127.0.0.12:1"); err == nil || !strings.Contains(err.Error(), "candidate") {
		t.Errorf("a litefs.yml whose lease names no candidate: %v, want an error saying so", err)
	}
	if _, err := staticLease(base+"\nhttp:\n  addr: \":20202\"\n", "h", "http://h:1", "127.0.0.12:1"); err == nil {
		t.Error("a litefs.yml with its own http: section was accepted; its addr would be overridden silently")
	}
}
