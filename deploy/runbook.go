package deploy

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// SecretsSet returns the names of the secrets set by the `fly secrets set`
// commands of the runbook's text, in order.
func SecretsSet(runbook []byte) []string {
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(runbook))
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "$"))
		for _, prefix := range []string{"fly secrets set ", "flyctl secrets set "} {
			rest, ok := strings.CutPrefix(line, prefix)
			if !ok {
				continue
			}
			for _, m := range secretAssignment.FindAllStringSubmatch(rest, -1) {
				names = append(names, m[1])
			}
		}
	}
	return names
}

var secretAssignment = regexp.MustCompile(`(?:^|\s)([A-Z][A-Z0-9_]*)=`)

// SSHCommands returns the commands the runbook runs on machines with
// `fly ssh console … -C 'COMMAND'`, each split into words.
func SSHCommands(runbook []byte) ([][]string, error) {
	var cmds [][]string
	sc := bufio.NewScanner(bytes.NewReader(runbook))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "fly ssh console ") && !strings.HasPrefix(line, "flyctl ssh console ") {
			continue
		}
		words, err := ShellWords(line)
		if err != nil {
			return nil, err
		}
		for i, w := range words {
			if (w == "-C" || w == "--command") && i+1 < len(words) {
				inner, err := ShellWords(words[i+1])
				if err != nil {
					return nil, err
				}
				cmds = append(cmds, inner)
			}
		}
	}
	return cmds, sc.Err()
}
