package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The deployment's files, relative to the module root.
const (
	FlyFile          = "fly.toml"
	LiteFSFile       = "litefs.yml"
	DockerFile       = "Dockerfile"
	DockerIgnoreFile = ".dockerignore"
	RunbookFile      = "docs/DEPLOY.md"
	TestScriptFile   = "scripts/test"
)

// ModuleRoot returns the folder of the go.mod that the go command uses
// here: the blog's, in its tests.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("go env GOMOD: %q %v: not inside the blog's module", gomod, err)
	}
	return filepath.Dir(gomod), nil
}
