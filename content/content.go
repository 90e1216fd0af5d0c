// Package content holds the blog's own posts (posts/*.md), projects
// (projects/projects.yaml) and the pictures the posts show (assets/),
// embedded in the binary, laid out as the original Blog lays out its
// content. Authors can point the blog at a folder laid out the same way.
package content

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
)

// FS is the content shipped with the blog.
//
//go:embed posts projects assets
var FS embed.FS

// From returns the content in the folder dir, or the embedded content
// when dir is empty (the BLOG_CONTENT setting, --content).
func From(dir string) (fs.FS, error) {
	if dir == "" {
		return FS, nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("content folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("content folder %s is not a folder", dir)
	}
	return os.DirFS(dir), nil
}
