package clustertest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// unmount unmounts dir should LiteFS have left it mounted; lazily should
// it still be busy.
func unmount(dir string) error {
	if !mounted(dir) {
		return nil
	}
	out, err := exec.Command("fusermount3", "-u", dir).CombinedOutput()
	if err == nil {
		return nil
	}
	if out2, err2 := exec.Command("fusermount3", "-uz", dir).CombinedOutput(); err2 != nil {
		return fmt.Errorf("unmount %s: %v: %s; %v: %s", dir, err, out, err2, out2)
	}
	return nil
}

// mounted reports whether dir is a mount point.
func mounted(dir string) bool {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && unescapeMount(fields[4]) == dir {
			return true
		}
	}
	return false
}

// unescapeMount undoes the octal escapes mountinfo writes for space, tab,
// newline and backslash in a mount point.
func unescapeMount(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}
