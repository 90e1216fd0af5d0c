// Package static holds the blog's stylesheets, scripts and icons, embedded
// in the binary, and names each by a URL that changes with its content so it
// can be cached for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sync"
)

// FS holds the static files.
//
//go:embed *.css *.svg *.js
var FS embed.FS

var versions = sync.OnceValue(func() map[string]string {
	v := map[string]string{}
	_ = fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := FS.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	return v
})

// URL returns the address of a static file, versioned by its content.
func URL(name string) string {
	if v, ok := versions()[name]; ok {
		return "/static/" + name + "?v=" + v
	}
	return "/static/" + name
}

// Version returns the content version of name, "" if there is no such file.
func Version(name string) string { return versions()[name] }
