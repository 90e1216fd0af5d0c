package deploy_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sshCommands returns the commands the runbook runs on machines with
// `fly ssh console … -C 'COMMAND'`, each split into words.
func sshCommands(runbook []byte) ([][]string, error) {
	var cmds [][]string
	for line := range strings.Lines(string(runbook)) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "fly ssh console ") && !strings.HasPrefix(line, "flyctl ssh console ") {
			continue
		}
		words, err := shellWords(line)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(words, func(w string) bool { return w == "-C" || w == "--command" })
		if i < 0 || i+1 == len(words) {
			continue
		}
		cmd, err := shellWords(words[i+1])
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, cmd)
	}
	return cmds, nil
}

// shellWords splits line into words the way the operator's shell does, by
// asking bash, with globbing off. Nothing but bash's builtins can run: the
// shell is restricted and has no PATH, and a line that tries to run a
// command is refused.
func shellWords(line string) ([]string, error) {
	cmd := exec.Command("bash", "--noprofile", "--norc", "--restricted", "-c", `set -f; printf '%s\0' `+line)
	cmd.Env = []string{"PATH=/nonexistent"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		return nil, fmt.Errorf("bash cannot split %q into words: %v %s", line, err, stderr.String())
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"), nil
}

// secretsSet returns the names of the secrets set by the `fly secrets set`
// commands of the runbook's text, in order.
func secretsSet(runbook []byte) []string {
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(runbook))
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "$"))
		for _, prefix := range []string{"fly secrets set ", "flyctl secrets set "} {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				for _, m := range secretAssignment.FindAllStringSubmatch(rest, -1) {
					names = append(names, m[1])
				}
			}
		}
	}
	return names
}

var secretAssignment = regexp.MustCompile(`(?:^|\s)([A-Z][A-Z0-9_]*)=`)

// scriptBuildTags returns the -tags values of the go build, test and vet
// commands of a script's text, in order.
func scriptBuildTags(script []byte) []string {
	var tags []string
	for _, m := range goTags.FindAllStringSubmatch(string(script), -1) {
		tags = append(tags, strings.Trim(m[1], `"'`))
	}
	return tags
}

var goTags = regexp.MustCompile(`go (?:build|test|vet|run|install)\b[^\n]*?-tags[ =]("[^"]*"|'[^']*'|\S+)`)

func TestShellWords(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`go build -tags sqlite3_flock ./cmd/blog`, []string{"go", "build", "-tags", "sqlite3_flock", "./cmd/blog"}},
		{`'a b'"c d"e\ f`, []string{"a bc de f"}},
		{`'sqlite3 db "SELECT 1 WHERE l='\''x'\''"'`, []string{`sqlite3 db "SELECT 1 WHERE l='x'"`}},
		{`"a \"b\" \$c \d"`, []string{`a "b" $c \d`}},
		{`a '*' "*.go"`, []string{"a", "*", "*.go"}},
	}
	for _, c := range cases {
		got, err := shellWords(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("shellWords(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := shellWords(`"open`); err == nil {
		t.Error("an unterminated quote was accepted")
	}
	// A runbook line that would run something on this machine is refused,
	// and nothing runs.
	marker := filepath.Join(t.TempDir(), "ran")
	for _, line := range []string{"a $(touch " + marker + ")", "a `touch " + marker + "`", "a; touch " + marker, "a > " + marker} {
		if got, err := shellWords(line); err == nil {
			t.Errorf("shellWords(%q) = %q, want an error", line, got)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("splitting a line ran a command of it")
	}
}

func TestSSHCommands(t *testing.T) {
	cmds, err := sshCommands([]byte("text\n" +
		"fly ssh console -s -C 'sqlite3 -readonly /litefs/blog.db \"SELECT 1 WHERE l='\\''x'\\''\"'\n" +
		"  fly ssh console --machine 1 --command 'cat /litefs/.primary'\n" +
		"not fly ssh console -C 'ignored'\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"sqlite3", "-readonly", "/litefs/blog.db", "SELECT 1 WHERE l='x'"},
		{"cat", "/litefs/.primary"},
	}
	if len(cmds) != len(want) {
		t.Fatalf("got %q, want %q", cmds, want)
	}
	for i := range want {
		if !slices.Equal(cmds[i], want[i]) {
			t.Errorf("command %d = %q, want %q", i, cmds[i], want[i])
		}
	}
}

func TestSecretsSetAndScriptBuildTags(t *testing.T) {
	got := secretsSet([]byte("```sh\nfly secrets set A_B=\"$(x)\" C='d e' lower=x\n$ flyctl secrets set E=1\n```\n"))
	if want := []string{"A_B", "C", "E"}; !slices.Equal(got, want) {
		t.Errorf("secretsSet = %q, want %q", got, want)
	}
	tags := scriptBuildTags([]byte("go vet -tags a ./...\ngo test -count=1 -tags=b ./...\ngo build -o x -tags 'c d' .\ngo run .\n"))
	if want := []string{"a", "b", "c d"}; !slices.Equal(tags, want) {
		t.Errorf("scriptBuildTags = %q, want %q", tags, want)
	}
}
