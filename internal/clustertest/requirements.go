package clustertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// litefsInstall is how ./scripts/test installs the LiteFS the cluster runs;
// it is named in the message of a machine that lacks it.
const litefsInstall = "go install github.com/superfly/litefs/cmd/litefs@v0.5.14"

// Requirements lists what the cluster needs that this machine lacks: root,
// /dev/fuse, fusermount3, sqlite3, litefs. It returns the litefs binary.
func Requirements() (litefs string, missing []string) {
	if os.Geteuid() != 0 {
		missing = append(missing, "root (LiteFS mounts FUSE)")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		missing = append(missing, "/dev/fuse")
	}
	for _, tool := range []string{"fusermount3", "sqlite3"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	litefs = findLiteFS()
	if litefs == "" {
		missing = append(missing, "litefs ("+litefsInstall+")")
	}
	return litefs, missing
}

// findLiteFS returns the litefs binary on PATH or, since go install puts it
// in GOPATH/bin, which root's PATH often lacks, there; "" when neither has it.
func findLiteFS() string {
	if p, err := exec.LookPath("litefs"); err == nil {
		return p
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	for _, dir := range filepath.SplitList(strings.TrimSpace(string(gopath))) {
		if p := filepath.Join(dir, "bin", "litefs"); isExecutable(p) {
			return p
		}
	}
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Require returns the litefs binary, or ends the test when the machine
// cannot run the cluster: skipped on a developer's machine, failed under CI
// (CI set), where a silent skip would hide that nothing ran.
func Require(t testing.TB) string {
	t.Helper()
	litefs, missing := Requirements()
	if len(missing) > 0 {
		msg := "the LiteFS cluster needs " + strings.Join(missing, ", ") + " (./scripts/test installs them)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return litefs
}
