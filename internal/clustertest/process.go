package clustertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// start runs `litefs mount` for the node; LiteFS runs the blog. The log is
// appended to, so a restarted node's output follows its first run's.
func (n *Node) start(t testing.TB) {
	t.Helper()
	logFile, err := os.OpenFile(n.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := n.mountCommand(logFile)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start litefs for the %s: %v", n.Name, err)
	}
	n.watch(cmd, logFile)
}

// mountCommand is `litefs mount` with the node's config, writing to log.
func (n *Node) mountCommand(log *os.File) *exec.Cmd {
	cmd := exec.Command(n.litefs, "mount", "-config", n.Config)
	cmd.Dir = filepath.Dir(n.Config)
	cmd.Env = n.environ()
	cmd.Stdout, cmd.Stderr = log, log
	// A group of its own, so that the blog LiteFS runs can be stopped with
	// it should LiteFS not stop it; and SIGTERM, on which LiteFS stops the
	// blog and unmounts, should the test process die without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	return cmd
}

// environ is this process's environment less its own BLOG_ and FLY_
// settings, which would change how the node runs, plus the node's BLOG_
// settings.
func (n *Node) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BLOG_") && !strings.HasPrefix(kv, "FLY_") {
			env = append(env, kv)
		}
	}
	for k, v := range n.env {
		env = append(env, k+"="+v)
	}
	return env
}

// watch waits for the started cmd to exit, then records its exit status,
// closes its log and closes n.done, so that waits can give up on a node
// that died.
func (n *Node) watch(cmd *exec.Cmd, logFile *os.File) {
	done := make(chan struct{})
	n.cmd, n.done = cmd, done
	go func() {
		n.err = cmd.Wait()
		logFile.Close()
		close(done)
	}()
}

// Exited reports whether the node's LiteFS process has exited.
func (n *Node) Exited() bool {
	select {
	case <-n.done:
		return true
	default:
		return false
	}
}

// Stop stops the node: SIGTERM to LiteFS, which stops the blog, releases
// the lease and unmounts.
func (n *Node) Stop(t testing.TB) {
	t.Helper()
	if err := n.stop(); err != nil {
		t.Fatalf("stop the %s: %v", n.Name, err)
	}
}

// stop ends the node's processes and makes sure its mount is gone, so that
// the next cluster can mount there.
func (n *Node) stop() error {
	if n.cmd == nil {
		return nil
	}
	n.terminate()
	return unmount(n.FUSEDir)
}

// terminate sends SIGTERM to LiteFS, which passes it to the blog and
// unmounts, and kills the process group should that take too long.
func (n *Node) terminate() {
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.done
	}
	// Whatever LiteFS left running in its group goes too.
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
}
