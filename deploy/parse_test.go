package deploy_test

import (
	"slices"
	"testing"
	"time"

	"blog/deploy"
)

func TestExpandEnvLikeLiteFS(t *testing.T) {
	env := map[string]string{"FLY_REGION": "ams", "PRIMARY_REGION": "ams", "OTHER": "lhr", "APP": "notes"}
	getenv := func(k string) string { return env[k] }
	cases := []struct{ in, want string }{
		{"${FLY_REGION == PRIMARY_REGION}", "true"},
		{"${OTHER == PRIMARY_REGION}", "false"},
		{"${OTHER != PRIMARY_REGION}", "true"},
		{"${FLY_REGION == 'ams'}", "true"},
		{`${FLY_REGION == "lhr"}`, "false"},
		{`${ FLY_REGION != "lhr" }`, "true"},
		{"litefs/${APP}", "litefs/notes"},
		{"$APP.internal", "notes.internal"},
		{"${MISSING}x", "x"},
	}
	for _, c := range cases {
		if got := deploy.ExpandEnv(c.in, getenv); got != c.want {
			t.Errorf("ExpandEnv(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestShellWords(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`go build -tags sqlite3_flock ./cmd/blog`, []string{"go", "build", "-tags", "sqlite3_flock", "./cmd/blog"}},
		{`-ldflags "-X main.version=${VERSION}" -o /out/blog`, []string{"-ldflags", "-X main.version=${VERSION}", "-o", "/out/blog"}},
		{`'a b'"c d"e\ f`, []string{"a bc de f"}},
		{`'sqlite3 db "SELECT 1 WHERE l='\''x'\''"'`, []string{`sqlite3 db "SELECT 1 WHERE l='x'"`}},
		{`"a \"b\" \$c \d"`, []string{`a "b" $c \d`}},
	}
	for _, c := range cases {
		got, err := deploy.ShellWords(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ShellWords(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := deploy.ShellWords(`"open`); err == nil {
		t.Error("an unterminated quote was accepted")
	}
}

func TestDockerIgnore(t *testing.T) {
	ig, err := deploy.ParseDockerIgnore([]byte("# comment\n.git\n/data\n**/*.db\ndocs\n!docs/keep.md\n*.md\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		".git":             true,
		".git/objects/ab":  true,
		"data/blog.db":     true,
		"blog.db":          true,
		"a/b/c.db":         true,
		"a/b/c.db-wal":     false,
		"docs/DEPLOY.md":   true,
		"README.md":        true,
		"content/x.md":     false, // *.md is for the root only
		"cmd/blog/main.go": false,
		"go.mod":           false,
	}
	for name, want := range cases {
		if got := ig.Excluded(name); got != want {
			t.Errorf("Excluded(%q) = %v, want %v", name, got, want)
		}
	}
	// A later exception wins over an earlier pattern, and is undone by a
	// later pattern again.
	ig, _ = deploy.ParseDockerIgnore([]byte("*\n!go.mod\n!internal\ninternal/secret\n"))
	for name, want := range map[string]bool{"go.mod": false, "internal/x.go": false, "internal/secret/k": true, "web/a.go": true} {
		if got := ig.Excluded(name); got != want {
			t.Errorf("with exceptions: Excluded(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestParseFlyForms(t *testing.T) {
	f, err := deploy.ParseFly([]byte(`
app = "a"
kill_timeout = 45
[[mounts]]
  source = "one"
  destination = "/one"
[[mounts]]
  source = "two"
  destination = "/two"
`))
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(f.KillTimeout) != 45*time.Second {
		t.Errorf("kill_timeout = 45 read as %s", time.Duration(f.KillTimeout))
	}
	if m := f.Mount("/two"); m == nil || m.Source != "two" || len(f.Mounts) != 2 {
		t.Errorf("[[mounts]] read as %+v", f.Mounts)
	}
	if _, err := deploy.ParseFly([]byte(`kill_timeout = "soon"`)); err == nil {
		t.Error(`kill_timeout = "soon" was accepted`)
	}
}

func TestSSHCommands(t *testing.T) {
	cmds, err := deploy.SSHCommands([]byte("text\n" +
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

func TestSecretsSetAndTestBuildTags(t *testing.T) {
	got := deploy.SecretsSet([]byte("```sh\nfly secrets set A_B=\"$(x)\" C='d e' lower=x\n$ flyctl secrets set E=1\n```\n"))
	if want := []string{"A_B", "C", "E"}; !slices.Equal(got, want) {
		t.Errorf("SecretsSet = %q, want %q", got, want)
	}
	tags := deploy.TestBuildTags([]byte("go vet -tags a ./...\ngo test -count=1 -tags=b ./...\ngo build -o x -tags 'c d' .\ngo run .\n"))
	if want := []string{"a", "b", "c d"}; !slices.Equal(tags, want) {
		t.Errorf("TestBuildTags = %q, want %q", tags, want)
	}
}
