package clustertest

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"blog/deploy"
)

// TestTwoNodesScriptStopsOnSignal runs ./scripts/two-nodes as a user does,
// follows the instructions it prints (a write on the replica, a count on
// each node), then stops it by sending SIGINT or SIGTERM to its PID, as a
// process manager or `kill` would: both nodes must stop and both LiteFS
// mounts must be gone.
func TestTwoNodesScriptStopsOnSignal(t *testing.T) {
	Require(t)
	root, err := deploy.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		sig       syscall.Signal
		ignoreINT bool // started as a script's background job is: SIGINT ignored
	}{
		{"SIGINT", syscall.SIGINT, false},
		{"SIGINT to a background job", syscall.SIGINT, true},
		{"SIGTERM", syscall.SIGTERM, false},
	} {
		sig := tc.sig
		t.Run(tc.name, func(t *testing.T) {
			s := startScript(t, filepath.Join(root, "scripts", "two-nodes"), tc.ignoreINT)
			for _, n := range s.nodes {
				if !mounted(n.fuseDir) {
					t.Fatalf("the %s's LiteFS mount %s is not mounted while the script runs", n.name, n.fuseDir)
				}
			}
			if !tc.ignoreINT && sig == syscall.SIGINT {
				s.followInstructions(t)
			}

			if err := s.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-s.done:
			case <-time.After(2 * stopTimeout):
				t.Fatalf("the script did not exit within %s of %s; output:\n%s", 2*stopTimeout, sig, s.output())
			}
			for _, n := range s.nodes {
				if mounted(n.fuseDir) {
					t.Errorf("the %s's LiteFS mount %s is still mounted after %s", n.name, n.fuseDir, sig)
				}
				if res, err := http.Get(n.url + "/health"); err == nil {
					res.Body.Close()
					t.Errorf("the %s's blog at %s still answers after %s", n.name, n.url, sig)
				}
			}
			if matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "blog-two-nodes.*")); len(matches) > 0 {
				t.Errorf("the script left its build behind: %v", matches)
			}
			if left := processesNaming(s.nodes[0].root, s.nodes[1].root, "/blog-two-nodes."); len(left) > 0 {
				var lines []string
				for _, p := range left {
					lines = append(lines, p.cmdline)
				}
				t.Errorf("still running after %s: %s", sig, strings.Join(lines, "; "))
			}
		})
	}
}

type scriptNode struct {
	name, url, db, fuseDir, root string
}

type script struct {
	cmd   *exec.Cmd
	done  chan struct{}
	mu    sync.Mutex
	out   bytes.Buffer
	nodes []scriptNode
	// counts is how many sqlite3 lines the script has printed so far.
	counts int
}

func (s *script) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// nodeLine is how the script prints a node: name, URL, database, log.
var nodeLine = regexp.MustCompile(`(primary|replica)\s+(http://\S+)\s+database\s+(\S+)`)

// startScript runs the script and waits until it prints that both nodes
// are running. Should the test fail first, the script's process group is
// killed and the mounts undone, so one failure leaves nothing behind.
func startScript(t *testing.T, path string, ignoreINT bool) *script {
	t.Helper()
	s := &script{cmd: exec.Command(path), done: make(chan struct{})}
	if ignoreINT {
		// What sh does for `./scripts/two-nodes &` in a script.
		s.cmd = exec.Command("sh", "-c", `trap '' INT; exec "$0"`, path)
	}
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BLOG_") {
			env = append(env, kv)
		}
	}
	s.cmd.Env = env
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = s.cmd.Wait()
		pw.Close()
		close(s.done)
	}()
	running := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.out.WriteString(line + "\n")
			if m := nodeLine.FindStringSubmatch(line); m != nil {
				fuse := filepath.Dir(m[3])
				s.nodes = append(s.nodes, scriptNode{name: m[1], url: m[2], db: m[3], fuseDir: fuse, root: filepath.Dir(fuse)})
			}
			if strings.HasPrefix(strings.TrimSpace(line), "sqlite3 ") {
				s.counts++
			}
			// Ready once the instructions are printed whole: both nodes
			// and both counts (the lines arrive one at a time).
			ready := len(s.nodes) == 2 && s.counts == 2
			s.mu.Unlock()
			if ready {
				once.Do(func() { close(running) })
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(2 * stopTimeout):
				_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			}
		}
		// What a broken script left running, in its process group (the test
		// binary) or naming this run's nodes (LiteFS), stops its nodes and
		// unmounts on SIGTERM.
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		s.mu.Lock()
		defer s.mu.Unlock()
		var marks []string
		for _, n := range s.nodes {
			marks = append(marks, n.root)
		}
		if left := processesNaming(marks...); len(left) > 0 {
			for _, p := range left {
				_ = syscall.Kill(p.pid, syscall.SIGTERM)
			}
			time.Sleep(5 * time.Second)
			for _, p := range processesNaming(marks...) {
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
			}
		}
		for _, n := range s.nodes {
			if mounted(n.fuseDir) {
				_ = exec.Command("fusermount3", "-uz", n.fuseDir).Run()
			}
		}
	})
	select {
	case <-running:
	case <-s.done:
		t.Fatalf("the script exited before the nodes ran; output:\n%s", s.output())
	case <-time.After(3 * time.Minute):
		t.Fatalf("the nodes were not running within 3 minutes; output:\n%s", s.output())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s
}

// followInstructions runs the curl and sqlite3 commands the script prints,
// as printed: the write on the replica reaches the primary and both nodes
// count the new tag once.
func (s *script) followInstructions(t *testing.T) {
	t.Helper()
	var curl string
	var counts []string
	for _, line := range strings.Split(s.output(), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "curl "):
			curl = line
		case strings.HasPrefix(line, "sqlite3 "):
			counts = append(counts, line)
		}
	}
	if curl == "" || len(counts) != 2 {
		t.Fatalf("the script printed no curl or not two sqlite3 counts:\n%s", s.output())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sh", "-c", curl+" -sS -w ' %{http_code}'").CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), " 201") {
		t.Fatalf("%s: %v %s", curl, err, out)
	}
	for _, count := range counts {
		var got string
		for deadline := time.Now().Add(5 * time.Second); ; {
			out, err := exec.CommandContext(ctx, "sh", "-c", count).CombinedOutput()
			got = strings.TrimSpace(string(out))
			if err == nil && got == "1" || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got != "1" {
			t.Errorf("%s: %q, want 1", count, got)
		}
	}
}

type process struct {
	pid     int
	cmdline string
}

// processesNaming lists the processes whose command line contains any of
// the strings.
func processesNaming(strs ...string) []process {
	var found []process
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		cmdline := strings.ReplaceAll(string(b), "\x00", " ")
		for _, s := range strs {
			if s != "" && strings.Contains(cmdline, s) {
				found = append(found, process{pid, cmdline})
				break
			}
		}
	}
	return found
}
