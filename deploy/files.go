package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// BuildTags are the build tags of every binary that can meet LiteFS: its
// FUSE file system has no OFD locks, SQLite's default, so the blog must lock
// with flock(2). The Dockerfile, scripts/test and the cluster tests build
// with exactly these.
const BuildTags = "sqlite3_flock"

// The deployment's files, relative to the module root.
const (
	FlyFile          = "fly.toml"
	LiteFSFile       = "litefs.yml"
	DockerFile       = "Dockerfile"
	DockerIgnoreFile = ".dockerignore"
	RunbookFile      = "docs/DEPLOY.md"
	TestScriptFile   = "scripts/test"
)

// ModuleRoot returns the folder holding the blog's go.mod, looking in dir
// and then in each folder above it.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module blog\n")) {
			return d, nil
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod of module blog in %s or above", dir)
		}
	}
}

// Files are the texts of the deployment's files, by name relative to the
// module root. Tests check them as they are and as broken copies.
type Files map[string][]byte

// ReadFiles reads the deployment's files from the module root.
func ReadFiles(root string) (Files, error) {
	f := Files{}
	for _, name := range []string{FlyFile, LiteFSFile, DockerFile, DockerIgnoreFile, RunbookFile, TestScriptFile} {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		f[name] = b
	}
	return f, nil
}

// Clone returns a copy of f that can be changed without changing f.
func (f Files) Clone() Files {
	c := make(Files, len(f))
	for k, v := range f {
		c[k] = bytes.Clone(v)
	}
	return c
}
