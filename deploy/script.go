package deploy

import (
	"regexp"
	"strings"
)

// TestBuildTags returns the -tags values of the go build, test and vet
// commands of a test script's text, in order.
func TestBuildTags(script []byte) []string {
	var tags []string
	for _, m := range goTags.FindAllStringSubmatch(string(script), -1) {
		tags = append(tags, strings.Trim(m[1], `"'`))
	}
	return tags
}

var goTags = regexp.MustCompile(`go (?:build|test|vet|run|install)\b[^\n]*?-tags[ =]("[^"]*"|'[^']*'|\S+)`)
