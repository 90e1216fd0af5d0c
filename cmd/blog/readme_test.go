package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"blog/internal/blogtest"
)

// readDoc reads a file of the repository, by its path from the root.
func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadmeMatchesTheBinary: the README a newcomer starts from is short,
// names every command the binary has and the Go version go.mod needs, and
// the settings page names every setting of the usage, flag and variable.
func TestReadmeMatchesTheBinary(t *testing.T) {
	readme := readDoc(t, "README.md")
	if n := strings.Count(readme, "\n"); n >= 250 {
		t.Errorf("the README has %d lines; keep it under 250 and move reference into docs/", n)
	}
	_, commands, _ := strings.Cut(usageText, "Commands:\n")
	commands, _, _ = strings.Cut(commands, "\n\n")
	// A command's line starts two spaces in; its explanation continues
	// further in.
	for _, m := range regexp.MustCompile(`(?m)^  (\S+)`).FindAllStringSubmatch(commands, -1) {
		name := m[1]
		if !strings.Contains(readme, "`blog "+name) {
			t.Errorf("the README does not show `blog %s`", name)
		}
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(readDoc(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod names no Go version")
	}
	if want := "Go " + m[1]; !strings.Contains(readme, want) {
		t.Errorf("the README does not say %q, the version go.mod needs", want)
	}
	if !strings.Contains(readme, "\n./scripts/test\n") || !strings.Contains(readDoc(t, ".ci/run"), "./scripts/test") {
		t.Error("the README's test command is not ./scripts/test, the command CI runs")
	}
	const settingsDoc = "docs/SETTINGS.md"
	if !strings.Contains(readme, "("+settingsDoc+")") {
		t.Errorf("the README does not link %s", settingsDoc)
	}
	settings := readDoc(t, settingsDoc)
	pairs := regexp.MustCompile(`(?m)^  (--[a-z-]+)\s+(BLOG_[A-Z_]+)`).FindAllStringSubmatch(usageText, -1)
	if len(pairs) == 0 {
		t.Fatal("the usage lists no settings")
	}
	for _, flag := range pairs {
		row := "| `" + flag[2] + "` | `" + flag[1] + "` |"
		if !strings.Contains(settings, row) {
			t.Errorf("%s has no row for %s / %s", settingsDoc, flag[2], flag[1])
		}
	}
}

// shellBlocks returns the ```sh blocks of a Markdown text, each
// unindented (a block in a list item is indented with its item).
func shellBlocks(doc string) []string {
	var blocks []string
	var cur []string
	indent, in := "", false
	for _, line := range strings.Split(doc, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case !in && trimmed == "```sh":
			in, indent, cur = true, line[:len(line)-len(trimmed)], nil
		case in && trimmed == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, strings.TrimPrefix(line, indent))
		}
	}
	return blocks
}

// example is a curl command of the docs and the status they say it gets.
type example struct {
	vars    []string // the NAME=value lines before it, such as B=http://localhost:8080
	command string   // continuation lines joined
	status  int
	expect  string // the rest of the status line: the answer, abridged with …
}

var (
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=\S*$`)
	statusLine = regexp.MustCompile(`^# (\d{3})\b(.*)$`)
)

// curlExamples returns the curl commands of the ```sh blocks of doc, each
// with the status the line under it gives. A curl without one is an error:
// every example must say what it gets, or it could not be checked.
func curlExamples(doc string) ([]example, error) {
	var list []example
	var vars []string
	for _, block := range shellBlocks(doc) {
		lines := strings.Split(block, "\n")
		for i := 0; i < len(lines); i++ {
			line := strings.TrimSpace(lines[i])
			if assignment.MatchString(line) {
				vars = append(vars, line)
				continue
			}
			if !strings.HasPrefix(line, "curl ") {
				continue
			}
			cmd := line
			for strings.HasSuffix(cmd, `\`) && i+1 < len(lines) {
				i++
				cmd = strings.TrimSuffix(cmd, `\`) + " " + strings.TrimSpace(lines[i])
			}
			var m []string
			if i+1 < len(lines) {
				m = statusLine.FindStringSubmatch(strings.TrimSpace(lines[i+1]))
			}
			if m == nil {
				return nil, fmt.Errorf("%q has no line under it saying the status it gets (# 200 …)", cmd)
			}
			status, _ := strconv.Atoi(m[1])
			list = append(list, example{vars: append([]string(nil), vars...), command: cmd, status: status, expect: m[2]})
		}
	}
	return list, nil
}

// jsonFields are the "key":value pairs an example's answer shows in full:
// numbers, literals and strings that are not abridged. Times (keys ending
// in _at) differ from run to run.
var jsonField = regexp.MustCompile(`"([a-z_]+)":("(?:[^"\\…]|\\.)*"|-?\d+|true|false|null)`)

func expectedFields(expect string) []string {
	var out []string
	for _, m := range jsonField.FindAllStringSubmatch(expect, -1) {
		if !strings.HasSuffix(m[1], "_at") {
			out = append(out, m[0])
		}
	}
	return out
}

// TestDocExamplesRunAsWritten runs the curl examples of the README and
// docs/API.md, as they are written, against a freshly started blog (only
// the host and port are rewritten to the blog's), in order, and checks
// that each gets the status the docs say and shows the fields they show.
func TestDocExamplesRunAsWritten(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is not installed; scripts/test installs it")
		}
		t.Skip("curl is not installed")
	}
	bin := blogtest.Binary(t)
	for _, name := range []string{"README.md", "docs/API.md"} {
		t.Run(name, func(t *testing.T) {
			doc := readDoc(t, name)
			examples, err := curlExamples(doc)
			if err != nil {
				t.Fatal(err)
			}
			if len(examples) < 3 {
				t.Fatalf("%s shows %d curl examples; the test finds none of them?", name, len(examples))
			}
			// The password the docs start the blog with.
			pw := regexp.MustCompile(`BLOG_ADMIN_PASSWORD=(\S+) \./blog serve`).FindStringSubmatch(doc)
			if pw == nil {
				t.Fatalf("%s does not show how it starts the blog (BLOG_ADMIN_PASSWORD=… ./blog serve)", name)
			}
			dir := t.TempDir()
			addr := freePort(t)
			start(t, bin, dir, cleanEnv("BLOG_ADDR="+addr, "BLOG_ADMIN_PASSWORD="+pw[1]), "serve")
			waitHealthy(t, "http://"+addr)
			host := strings.NewReplacer("localhost:8080", addr, "127.0.0.1:8080", addr)
			for i, ex := range examples {
				out := filepath.Join(dir, fmt.Sprintf("answer-%d", i))
				script := host.Replace(strings.Join(ex.vars, "\n") + "\n" + ex.command +
					" --silent --show-error --output " + out + " --write-out '%{http_code}'")
				cmd := exec.Command("sh", "-c", script)
				cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(curl)+":"+os.Getenv("PATH"))
				got, err := cmd.Output()
				if err != nil {
					t.Fatalf("%s: %v", ex.command, err)
				}
				body, _ := os.ReadFile(out)
				if status, _ := strconv.Atoi(string(got)); status != ex.status {
					t.Fatalf("%s\nanswers %s, %s; %s says %d", ex.command, got, body, name, ex.status)
				}
				for _, f := range expectedFields(ex.expect) {
					if !strings.Contains(string(body), f) {
						t.Errorf("%s\nanswers %s, without %s, which %s shows", ex.command, body, f, name)
					}
				}
			}
		})
	}
}

// TestReadmeWritingAPost follows the README's "Writing a post" as written,
// in a home folder of its own, after a first hour with the demo content:
// new-post makes a content folder that does not exist yet, and the blog
// serves what it wrote, the draft to the admin at the address the README
// gives, without the demo's posts and tags but with the admin's own tag.
func TestReadmeWritingAPost(t *testing.T) {
	readme := readDoc(t, "README.md")
	var block string
	for _, b := range shellBlocks(readme) {
		if strings.Contains(b, "new-post") {
			block = b
		}
	}
	if block == "" {
		t.Fatal("the README shows no block with blog new-post")
	}
	bin := blogtest.Binary(t)
	home, dir := t.TempDir(), t.TempDir()
	addr := freePort(t)
	base := "http://" + addr
	env := cleanEnv("HOME="+home, "BLOG_ADDR="+addr)

	// The first hour: the demo content, and a tag of the admin's own.
	first := start(t, bin, dir, append(env, "BLOG_ADMIN_PASSWORD=pw"), "serve")
	waitHealthy(t, base)
	if code, body := send(t, "POST", base+"/api/tags", `{"label":"my own"}`, true); code != 201 {
		t.Fatalf("create the admin's tag: %d %s", code, body)
	}
	stop(t, first)

	var served string
	for _, line := range strings.Split(block, "\n") {
		line, _, _ = strings.Cut(line, " #") // the comment
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "export "):
			env = append(env, os.Expand(strings.TrimPrefix(line, "export "), func(k string) string {
				if k == "HOME" {
					return home
				}
				return ""
			}))
		case strings.Contains(line, "./blog new-post"):
			cmd := exec.Command("sh", "-c", strings.Replace(line, "./blog", bin, 1))
			cmd.Dir, cmd.Env = dir, env
			out, err := cmd.CombinedOutput()
			path := strings.TrimSpace(string(out))
			if err != nil || !strings.HasPrefix(path, home) {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("%s printed %s, which is not there: %v", line, path, err)
			}
		case strings.Contains(line, "./blog serve"):
			served = line
		}
	}
	if served == "" {
		t.Fatal("the README's block does not serve what it wrote")
	}
	var pw string
	if m := regexp.MustCompile(`BLOG_ADMIN_PASSWORD=(\S+)`).FindStringSubmatch(served); m != nil {
		pw = m[1]
	}
	// NAME=value words before ./blog are its environment; the words after
	// it, its arguments (the README quotes none).
	words := strings.Fields(served)
	for len(words) > 0 && assignment.MatchString(words[0]) {
		env, words = append(env, words[0]), words[1:]
	}
	if len(words) == 0 || words[0] != "./blog" {
		t.Fatalf("cannot read %q as NAME=value… ./blog serve …", served)
	}
	start(t, bin, dir, env, words[1:]...)
	waitHealthy(t, base)
	preview := regexp.MustCompile("`(/posts/[a-z0-9-]+\\?preview)`").FindStringSubmatch(readme)
	if preview == nil {
		t.Fatal("the README does not say where the draft is previewed")
	}
	req, err := http.NewRequest("GET", base+preview[1], nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", pw)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	draft, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(draft), "draft-banner") {
		t.Errorf("GET %s as the admin = %d; want the draft", preview[1], res.StatusCode)
	}
	if a := fetch(t, base, "/posts", false); a.status != 200 || !strings.Contains(a.body, "Night sailing") ||
		strings.Contains(a.body, "Charting the bay") || strings.Contains(a.body, "How a write finds the primary") {
		t.Errorf("/posts = %d; want the published post alone, not the draft nor the demo's", a.status)
	}
	// The demo's tags went with its posts; the admin's stayed.
	if a := fetch(t, base, "/api/tags", false); a.status != 200 || !strings.Contains(a.body, `"label":"my own"`) ||
		strings.Contains(a.body, `"label":"litefs"`) {
		t.Errorf("/api/tags = %d %s; want the admin's tag and none of the demo's", a.status, a.body)
	}
}
