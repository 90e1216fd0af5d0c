package deploy_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"blog/deploy"
)

// containersConf is the Podman configuration the image test runs with.
// This VM's hybrid cgroups need runc and the cgroupfs manager, and the
// default RLIMIT_NOFILE of containers is not permitted here.
const containersConf = `[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
`

// Names that mark what the image test makes, so that a later run can clean
// up after one that was killed.
const (
	ourPrefix     = "blog-image-test"               // containers and the image's repository, then the process id
	ourLabel      = "org.replicated-notes.test"     // on the image built from the Dockerfile: the process id
	standInLabel  = "org.replicated-notes.stand-in" // on the stand-in base images, which are kept
	clusterLock   = "/tmp/blog-cluster.lock"        // held by every test that runs LiteFS on loopback
	debianMirror  = "http://deb.debian.org/debian"
	lockPatience  = 20 * time.Minute
	leftoverGrace = 10 // seconds `podman rm` gives a leftover container
)

// podman runs Podman as the image test needs it.
type podman struct {
	conf string // path of containersConf
}

func newPodman(t testing.TB) *podman {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "containers.conf")
	if err := os.WriteFile(conf, []byte(containersConf), 0o644); err != nil {
		t.Fatal(err)
	}
	return &podman{conf: conf}
}

func (p *podman) command(args ...string) *exec.Cmd {
	cmd := exec.Command("podman", append([]string{"--runtime", "runc"}, args...)...)
	cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+p.conf)
	return cmd
}

// try runs podman and returns its output, stdout and stderr together.
func (p *podman) try(args ...string) (string, error) {
	out, err := p.command(args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// must runs podman and ends the test when it fails.
func (p *podman) must(t testing.TB, args ...string) string {
	t.Helper()
	out, err := p.try(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stdout runs podman and returns its standard output alone.
func (p *podman) stdout(args ...string) (string, error) {
	cmd := p.command(args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("podman %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out), nil
}

func (p *podman) imageExists(name string) bool {
	return p.command("image", "exists", name).Run() == nil
}

// ours is the prefix of the names of this test process's containers and
// image; ourLabel's value on the image is the same process id.
func ours() string { return fmt.Sprintf("%s-%d", ourPrefix, os.Getpid()) }

// removeOurs removes the containers and images this test process made, and
// those of image tests that are no longer running (killed before they could
// clean up). Those of an image test still running are left alone, and so
// are the stand-in base images.
func (p *podman) removeOurs(t testing.TB) {
	t.Helper()
	mine := func(pid string) bool {
		n, err := strconv.Atoi(pid)
		return err != nil || n == os.Getpid() || !alive(n)
	}
	out, _ := p.stdout("ps", "-a", "--format", "{{.Names}}", "--filter", "name=^"+ourPrefix+"-")
	for _, name := range strings.Fields(out) {
		pid, _, _ := strings.Cut(strings.TrimPrefix(name, ourPrefix+"-"), "-")
		if !mine(pid) {
			continue
		}
		if o, err := p.try("rm", "-f", "-t", strconv.Itoa(leftoverGrace), name); err != nil {
			t.Errorf("cannot remove container %s: %s", name, o)
		}
	}
	out, _ = p.stdout("images", "-a", "--no-trunc", "--filter", "label="+ourLabel, "--format", "{{.ID}} {{index .Labels \""+ourLabel+"\"}}")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		id, pid, _ := strings.Cut(line, " ")
		if id == "" || !mine(pid) {
			continue
		}
		if o, err := p.try("rmi", "-f", id); err != nil && !strings.Contains(o, "image not known") {
			t.Errorf("cannot remove image %s: %s", id, o)
		}
	}
}

// alive reports whether the process pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// qualified returns the full name Podman stores an image name under:
// debian:bookworm-slim is docker.io/library/debian:bookworm-slim.
func qualified(name string) string {
	first, _, found := strings.Cut(name, "/")
	switch {
	case !found:
		return "docker.io/library/" + name
	case first == "localhost" || strings.ContainsAny(first, ".:"):
		return name
	default:
		return "docker.io/" + name
	}
}

// baseImages returns the images the Dockerfile builds from, those of its
// FROM lines and of its COPY --from lines that name no stage, and the one
// the image itself is built on, the last FROM's.
func baseImages(dockerfile []byte) (images []string, final string) {
	stages := map[string]bool{}
	for _, m := range fromLine.FindAllSubmatch(dockerfile, -1) {
		final = string(m[1])
		if !stages[final] {
			images = append(images, final)
		}
		if len(m[2]) > 0 {
			stages[string(m[2])] = true
		}
	}
	for _, m := range copyFrom.FindAllSubmatch(dockerfile, -1) {
		if _, err := strconv.Atoi(string(m[1])); err != nil && !stages[string(m[1])] {
			images = append(images, string(m[1]))
		}
	}
	slices.Sort(images)
	return slices.Compact(images), final
}

var (
	fromLine = regexp.MustCompile(`(?im)^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$`)
	copyFrom = regexp.MustCompile(`(?im)^\s*COPY\s.*--from=(\S+)`)
)

// standIns makes sure every base image of the Dockerfile is there, building
// a stand-in for each one missing (no registry is reachable from here):
//
//   - debian:<suite>-slim: debootstrap --variant=minbase <suite>, with the
//     slim image's habit of leaving documentation and apt's caches out of
//     later installs;
//   - golang:<go.mod's version>-bookworm: that plus this machine's Go
//     toolchain and CA certificates (the build downloads modules);
//   - flyio/litefs:<minor>: FROM scratch with the LiteFS binary that
//     scripts/test installs, of that minor version.
//
// Stand-ins are kept for the next run: building them takes minutes, and
// they are not built from anything of ours.
func (p *podman) standIns(t testing.TB, b *bundle) {
	t.Helper()
	images, _ := baseImages(b.files[deploy.DockerFile])
	// Debian first: the Go image is built on it.
	slices.SortStableFunc(images, func(x, y string) int {
		return boolInt(!strings.HasPrefix(x, "debian:")) - boolInt(!strings.HasPrefix(y, "debian:"))
	})
	for _, img := range images {
		if p.imageExists(qualified(img)) {
			continue
		}
		start := time.Now()
		repo, tag, _ := strings.Cut(img, ":")
		var err error
		switch repo {
		case "debian":
			err = p.debianStandIn(t, img, tag)
		case "golang":
			err = p.goStandIn(t, b, img, tag)
		case "flyio/litefs":
			err = p.liteFSStandIn(t, img, tag)
		default:
			err = fmt.Errorf("no registry is reachable and there is no stand-in for %s; pull it with podman pull", img)
		}
		if err != nil {
			t.Fatalf("stand-in %s: %v", img, err)
		}
		t.Logf("built the stand-in %s in %s", img, time.Since(start).Round(time.Second))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// slimDpkg and slimApt give the stand-in Debian the slim image's habits:
// installed packages bring no documentation, and apt keeps no downloads.
const (
	slimDpkg = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
`
	slimApt = `DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
`
)

func (p *podman) debianStandIn(t testing.TB, img, tag string) error {
	suite := strings.TrimSuffix(tag, "-slim")
	if suite != "bookworm" {
		return fmt.Errorf("only bookworm has a stand-in, not %q", suite)
	}
	dir, err := os.MkdirTemp("", ourPrefix+"-rootfs-")
	if err != nil {
		return err
	}
	defer func() {
		unmountUnder(t, dir)
		os.RemoveAll(dir)
	}()
	t.Logf("no %s here: building a stand-in with debootstrap (takes a few minutes)", img)
	cmd := exec.Command("debootstrap", "--variant=minbase", suite, dir, debianMirror)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("debootstrap: %v\n%s", err, tail(string(out), 20))
	}
	unmountUnder(t, dir)
	for name, text := range map[string]string{
		"etc/dpkg/dpkg.cfg.d/slim":   slimDpkg,
		"etc/apt/apt.conf.d/slim":    slimApt,
		"etc/apt/apt.conf.d/no-lang": "Acquire::Languages \"none\";\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	for _, junk := range []string{"var/cache/apt/archives", "var/lib/apt/lists"} {
		entries, _ := os.ReadDir(filepath.Join(dir, junk))
		for _, e := range entries {
			if !e.IsDir() && e.Name() != "lock" {
				os.Remove(filepath.Join(dir, junk, e.Name()))
			}
		}
	}
	tar := exec.Command("tar", "--numeric-owner", "-C", dir, "-c", ".")
	imp := p.command("import", "--change", `CMD ["bash"]`, "--change", "LABEL "+standInLabel+"=debootstrap", "-", qualified(img))
	pipe, err := tar.StdoutPipe()
	if err != nil {
		return err
	}
	imp.Stdin = pipe
	var impOut bytes.Buffer
	imp.Stdout, imp.Stderr = &impOut, &impOut
	if err := imp.Start(); err != nil {
		return err
	}
	tarErr := tar.Run()
	if err := errors.Join(imp.Wait(), tarErr); err != nil {
		return fmt.Errorf("podman import: %v\n%s", err, impOut.Bytes())
	}
	return nil
}

// unmountUnder unmounts whatever debootstrap left mounted under dir.
func unmountUnder(t testing.TB, dir string) {
	for _, m := range mountsUnder(dir) {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", m, err)
		}
	}
}

// mountsUnder lists the mount points at or under dir, deepest first.
func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && (f[1] == dir || strings.HasPrefix(f[1], dir+"/")) {
			out = append(out, f[1])
		}
	}
	slices.Reverse(out)
	return out
}

func (p *podman) goStandIn(t testing.TB, b *bundle, img, tag string) error {
	want, err := goModVersion(b.root)
	if err != nil {
		return err
	}
	version, distro, _ := strings.Cut(tag, "-")
	if version != want || distro != "bookworm" {
		return fmt.Errorf("the Dockerfile builds with %s, but go.mod wants Go %s on bookworm", img, want)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %v", err)
	}
	local, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return fmt.Errorf("go env GOVERSION: %v", err)
	}
	if v := strings.TrimSpace(string(local)); v != "go"+want && !strings.HasPrefix(v, "go"+want+".") {
		return fmt.Errorf("this machine's Go is %s, not Go %s", v, want)
	}
	base := qualified("debian:bookworm-slim")
	name := ours() + "-golang"
	if _, err := p.try("create", "--name", name, "--network=none", base); err != nil {
		return err
	}
	defer p.try("rm", "-f", name)
	if _, err := p.try("cp", strings.TrimSpace(string(goroot)), name+":/usr/local/go"); err != nil {
		return err
	}
	ssl := filepath.Join(t.TempDir(), "ssl")
	if err := os.MkdirAll(filepath.Join(ssl, "certs"), 0o755); err != nil {
		return err
	}
	certs, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		return fmt.Errorf("the build downloads modules over TLS and needs CA certificates: %v", err)
	}
	if err := os.WriteFile(filepath.Join(ssl, "certs", "ca-certificates.crt"), certs, 0o644); err != nil {
		return err
	}
	if _, err := p.try("cp", ssl+"/.", name+":/etc/ssl"); err != nil {
		return err
	}
	_, err = p.try("commit", "-q",
		"--change", "ENV GOLANG_VERSION="+strings.TrimPrefix(strings.TrimSpace(string(local)), "go"),
		"--change", "ENV GOTOOLCHAIN=local",
		"--change", "ENV GOPATH=/go",
		"--change", "ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"--change", "WORKDIR /go",
		"--change", "LABEL "+standInLabel+"=go",
		name, qualified(img))
	return err
}

func (p *podman) liteFSStandIn(t testing.TB, img, tag string) error {
	bin, version, err := localLiteFS()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(version, "v"+tag+".") {
		return fmt.Errorf("the Dockerfile copies LiteFS from %s, but the LiteFS here (%s) is %s", img, bin, version)
	}
	ctx := t.TempDir()
	data, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(ctx, "litefs"), data, 0o755); err != nil {
		return err
	}
	containerfile := "FROM scratch\nCOPY litefs /usr/local/bin/litefs\nLABEL " + standInLabel + "=litefs-" + version + "\nENTRYPOINT [\"litefs\"]\n"
	if err := os.WriteFile(filepath.Join(ctx, "Containerfile"), []byte(containerfile), 0o644); err != nil {
		return err
	}
	_, err = p.try("build", "-q", "--network=none", "--pull=never", "--layers=false", "--force-rm", "-t", qualified(img), ctx)
	return err
}

// localLiteFS finds the litefs binary scripts/test installs and its version.
func localLiteFS() (bin, version string, err error) {
	bin, err = exec.LookPath("litefs")
	if err != nil {
		gopath, _ := exec.Command("go", "env", "GOPATH").Output()
		bin = filepath.Join(strings.TrimSpace(string(gopath)), "bin", "litefs")
		if _, err := os.Stat(bin); err != nil {
			return "", "", errors.New("no litefs here (./scripts/test installs it)")
		}
	}
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		return "", "", fmt.Errorf("go version -m %s: %v", bin, err)
	}
	m := regexp.MustCompile(`(?m)^\s+mod\s+github\.com/superfly/litefs\s+(v\S+)`).FindSubmatch(out)
	if m == nil {
		return "", "", fmt.Errorf("%s is not built from github.com/superfly/litefs", bin)
	}
	return bin, string(m[1]), nil
}

// holdClusterLock takes the lock every test that runs LiteFS on loopback
// holds, and releases it when the test ends. When a process above this
// test already holds it (flock /tmp/blog-cluster.lock go test …), the test
// runs under that hold.
func holdClusterLock(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(clusterLock, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if heldByAncestor(f) {
		f.Close()
		t.Logf("%s is held by a process this test runs under", clusterLock)
		return
	}
	deadline := time.Now().Add(lockPatience)
	for said := false; ; said = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			t.Fatalf("flock %s: %v", clusterLock, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			t.Fatalf("waited %s for %s, which another LiteFS test holds", lockPatience, clusterLock)
		}
		if !said {
			t.Logf("waiting for %s: another LiteFS test is running", clusterLock)
		}
		// Often: the other tests wait in flock(2) itself and would
		// otherwise always win the lock first.
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() { f.Close() })
}

// heldByAncestor reports whether a process this one descends from holds a
// flock on f, according to /proc/locks.
func heldByAncestor(f *os.File) bool {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return false
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		return false
	}
	holders := map[int]bool{}
	sc := bufio.NewScanner(bytes.NewReader(locks))
	for sc.Scan() {
		// 1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] != "FLOCK" {
			continue
		}
		id := strings.Split(f[5], ":")
		if len(id) != 3 || id[2] != strconv.FormatUint(st.Ino, 10) {
			continue
		}
		if pid, err := strconv.Atoi(f[4]); err == nil {
			holders[pid] = true
		}
	}
	for pid := os.Getppid(); pid > 1; pid = parentOf(pid) {
		if holders[pid] {
			return true
		}
	}
	return false
}

func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// pid (comm) state ppid …; comm may hold spaces and parentheses.
	rest := string(b[bytes.LastIndexByte(b, ')')+1:])
	f := strings.Fields(rest)
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// freePort returns a TCP port free on every one of ips.
func freePort(t testing.TB, ips ...string) int {
	t.Helper()
	for range 100 {
		ln, err := net.Listen("tcp", net.JoinHostPort(ips[0], "0"))
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ok := true
		for _, ip := range ips[1:] {
			other, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
			if err != nil {
				ok = false
				break
			}
			other.Close()
		}
		ln.Close()
		if ok {
			return port
		}
	}
	t.Fatalf("no port free on all of %v", ips)
	return 0
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
