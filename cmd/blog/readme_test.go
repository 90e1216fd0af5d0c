package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeMatchesTheBinary: the README a newcomer starts from names every
// command the binary has and the Go version go.mod needs.
func TestReadmeMatchesTheBinary(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	_, commands, _ := strings.Cut(usageText, "Commands:\n")
	commands, _, _ = strings.Cut(commands, "\n\n")
	// A command's line starts two spaces in; its explanation continues
	// further in.
	for _, m := range regexp.MustCompile(`(?m)^  (\S+)`).FindAllStringSubmatch(commands, -1) {
		name := m[1]
		if !strings.Contains(string(readme), "`blog "+name) {
			t.Errorf("the README does not show `blog %s`", name)
		}
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod names no Go version")
	}
	if want := "Go " + string(m[1]); !strings.Contains(string(readme), want) {
		t.Errorf("the README does not say %q, the version go.mod needs", want)
	}
	for _, flag := range regexp.MustCompile(`(?m)^  (--[a-z-]+)\s+(BLOG_[A-Z_]+)`).FindAllStringSubmatch(usageText, -1) {
		if !strings.Contains(string(readme), "`"+flag[1]+"`") || !strings.Contains(string(readme), "`"+flag[2]+"`") {
			t.Errorf("the README's settings lack %s / %s", flag[2], flag[1])
		}
	}
}
