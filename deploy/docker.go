package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"
)

// Instruction is one instruction of a Dockerfile, its continuation lines
// joined.
type Instruction struct {
	Stage int    // index of the FROM it belongs to, from 0
	Cmd   string // upper case: FROM, RUN, COPY, …
	Args  string // the rest of the line
}

// Dockerfile is a parsed Dockerfile.
type Dockerfile struct {
	Instructions []Instruction
	Stages       []Stage
}

// Stage is one FROM of a multi-stage build.
type Stage struct {
	Image string // the base image, like golang:1.26-bookworm
	Name  string // the AS name, if any
}

// ParseDockerfile splits text into instructions. Comments and blank lines
// are dropped; lines ending in a backslash continue on the next.
func ParseDockerfile(text []byte) (*Dockerfile, error) {
	var d Dockerfile
	var cur strings.Builder
	flush := func() error {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return nil
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := Instruction{Stage: len(d.Stages) - 1, Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args)}
		if in.Cmd == "FROM" {
			f := strings.Fields(in.Args)
			if len(f) == 0 {
				return fmt.Errorf("%s: FROM without an image", DockerFile)
			}
			st := Stage{Image: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.Name = f[2]
			}
			d.Stages = append(d.Stages, st)
			in.Stage = len(d.Stages) - 1
		} else if in.Stage < 0 && in.Cmd != "ARG" {
			return fmt.Errorf("%s: %s before the first FROM", DockerFile, in.Cmd)
		}
		d.Instructions = append(d.Instructions, in)
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\"))
			cur.WriteString(" ")
			continue
		}
		cur.WriteString(trimmed)
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(d.Stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM", DockerFile)
	}
	return &d, sc.Err()
}

// Final returns the index of the stage that makes the image.
func (d *Dockerfile) Final() int { return len(d.Stages) - 1 }

// Find returns the instructions named cmd, in order.
func (d *Dockerfile) Find(cmd string) []Instruction {
	var out []Instruction
	for _, in := range d.Instructions {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// GoBuild is a `go build` command found in a RUN instruction.
type GoBuild struct {
	Stage    int
	Env      map[string]string // VAR=value words before `go`
	Tags     string            // the value of -tags
	Trimpath bool
	LDFlags  string
	Output   string // -o
	Packages []string
}

// GoBuilds returns every `go build` of the Dockerfile's RUN instructions.
func (d *Dockerfile) GoBuilds() ([]GoBuild, error) {
	var out []GoBuild
	for _, in := range d.Find("RUN") {
		for _, cmd := range splitShell(in.Args) {
			words, err := ShellWords(cmd)
			if err != nil {
				return nil, fmt.Errorf("RUN %s: %w", in.Args, err)
			}
			b := GoBuild{Stage: in.Stage, Env: map[string]string{}}
			i := 0
			for ; i < len(words) && strings.Contains(words[i], "=") && !strings.HasPrefix(words[i], "-"); i++ {
				k, v, _ := strings.Cut(words[i], "=")
				b.Env[k] = v
			}
			if i+1 >= len(words) || words[i] != "go" || words[i+1] != "build" {
				continue
			}
			args := words[i+2:]
			for j := 0; j < len(args); j++ {
				a := args[j]
				name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
				if !strings.HasPrefix(a, "-") {
					b.Packages = append(b.Packages, a)
					continue
				}
				takeVal := func() string {
					if hasVal {
						return val
					}
					if j+1 < len(args) {
						j++
						return args[j]
					}
					return ""
				}
				switch name {
				case "tags":
					b.Tags = takeVal()
				case "ldflags":
					b.LDFlags = takeVal()
				case "o":
					b.Output = takeVal()
				case "trimpath":
					b.Trimpath = true
				}
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// splitShell splits a shell command line at && and ; outside quotes.
func splitShell(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == ';':
			out = append(out, cur.String())
			cur.Reset()
			continue
		case r == '&' && i+1 < len(rs) && rs[i+1] == '&':
			out = append(out, cur.String())
			cur.Reset()
			i++
			continue
		}
		cur.WriteRune(r)
	}
	return append(out, cur.String())
}

// ShellWords splits a command line into words the way a POSIX shell does
// for plain words, backslash escapes, and single- and double-quoted
// strings. Variables are left as they are.
func ShellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i+1 < len(rs) && strings.ContainsRune("$`\"\\\n", rs[i+1]):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '\\':
			if i+1 < len(rs) {
				i++
				cur.WriteRune(rs[i])
			}
			inWord = true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// DockerIgnore is a parsed .dockerignore.
type DockerIgnore struct {
	rules []ignoreRule
}

type ignoreRule struct {
	pattern []string // path segments; "**" matches any number of them
	keep    bool     // a "!" exception
}

// ParseDockerIgnore reads the text of a .dockerignore.
func ParseDockerIgnore(text []byte) (*DockerIgnore, error) {
	var d DockerIgnore
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := ignoreRule{}
		if strings.HasPrefix(line, "!") {
			r.keep = true
			line = strings.TrimSpace(line[1:])
		}
		line = path.Clean(strings.TrimPrefix(line, "/"))
		for _, seg := range strings.Split(line, "/") {
			if _, err := path.Match(seg, ""); err != nil {
				return nil, fmt.Errorf("%s: pattern %q: %w", DockerIgnoreFile, line, err)
			}
		}
		r.pattern = strings.Split(line, "/")
		d.rules = append(d.rules, r)
	}
	return &d, sc.Err()
}

// Excluded reports whether the file at name, a slash-separated path relative
// to the build context, is left out of the context: the last pattern that
// matches it or one of its parent folders decides.
func (d *DockerIgnore) Excluded(name string) bool {
	segs := strings.Split(path.Clean(name), "/")
	excluded := false
	for _, r := range d.rules {
		// A pattern matching a folder takes everything inside it along.
		for n := 1; n <= len(segs); n++ {
			if matchSegments(r.pattern, segs[:n]) {
				excluded = !r.keep
				break
			}
		}
	}
	return excluded
}

func matchSegments(pattern, name []string) bool {
	if len(pattern) == 0 {
		return len(name) == 0
	}
	if pattern[0] == "**" {
		for i := 0; i <= len(name); i++ {
			if matchSegments(pattern[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 {
		return false
	}
	ok, _ := path.Match(pattern[0], name[0])
	return ok && matchSegments(pattern[1:], name[1:])
}
