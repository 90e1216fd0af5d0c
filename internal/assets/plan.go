package assets

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime/debug"
	"sort"
	"strings"

	"blog/internal/repo"
)

// Folders are the content's image folders: assets/, as the original Blog
// lays its content out, and images/, which earlier content used.
var Folders = []string{"assets", "images"}

// Plan is what an import will do to the stored images: every image of the
// content is read and converted before anything is written, so that one
// bad file stops the import with nothing written.
type Plan struct {
	Changed   []Asset  // new or changed images, converted
	Removed   []string // names stored but gone from the content
	Unchanged int

	meta map[string]Meta // every image of the content, by name
}

// Lookup returns the size and placeholder of the content's image called
// name, changed or not.
func (p *Plan) Lookup(name string) (Meta, bool) {
	m, ok := p.meta[name]
	return m, ok
}

// FileError is a file of the content that cannot be imported, and why.
type FileError struct {
	File   string
	Reason string
}

func (e *FileError) Error() string { return e.File + ": " + e.Reason }

// Files lists the images of one folder of the content: the files at its
// top, without editors' hidden files and without folders. A folder that is
// not there has none.
func Files(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") && !e.IsDir() {
			files = append(files, path.Join(dir, e.Name()))
		}
	}
	return files, nil
}

// Prepare reads the images of fsys's assets/ and images/ folders, converts
// those that are new or changed since the import that stored db's images
// (by hash), and lists the stored images the content no longer has. Every
// problem is reported, joined, each naming its file. Images are converted
// one at a time and only their WebP is kept, so memory holds one decoded
// picture at most.
func Prepare(ctx context.Context, db *sql.DB, fsys fs.FS) (*Plan, error) {
	stored, err := Stored(ctx, db)
	if err != nil {
		return nil, err
	}
	return plan(ctx, fsys, stored, false)
}

// Check reports what Prepare would find wrong with fsys's images without
// a database and without converting any: their names, sizes and headers
// (dimensions, decoded size). It lets the blog refuse bad content before
// it creates a database; a picture that is broken past its header is
// still found by Prepare.
func Check(ctx context.Context, fsys fs.FS) error {
	_, err := plan(ctx, fsys, nil, true)
	return err
}

// plan is Prepare's work against the stored images' metadata; headerOnly
// checks every file's header and converts none.
func plan(ctx context.Context, fsys fs.FS, stored map[string]Meta, headerOnly bool) (*Plan, error) {
	p := &Plan{meta: map[string]Meta{}}
	sources := map[string]string{}
	var errs []error
	for _, dir := range Folders {
		files, err := Files(fsys, dir)
		if err != nil {
			return nil, err
		}
		for _, file := range files {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			name := NameOf(file)
			if err := CheckName(name); err != nil {
				errs = append(errs, &FileError{file, "its name cannot be an address: " + err.Error()})
				continue
			}
			if other, dup := sources[name]; dup {
				errs = append(errs, &FileError{file, fmt.Sprintf("has the name %q of %s; posts could not tell them apart", name, other)})
				continue
			}
			sources[name] = file
			// After a bad file only headers are checked: the import
			// will stop, and converting the rest would only delay it.
			a, changed, err := prepareFile(fsys, file, name, stored[name], headerOnly || len(errs) > 0)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			p.meta[name] = a.Meta()
			if changed {
				p.Changed = append(p.Changed, a)
			} else {
				p.Unchanged++
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for name := range stored {
		if _, ok := p.meta[name]; !ok {
			p.Removed = append(p.Removed, name)
		}
	}
	sort.Strings(p.Removed)
	return p, nil
}

// prepareFile reads one image and converts it unless the stored one has
// its hash.
func prepareFile(fsys fs.FS, file, name string, stored Meta, headerOnly bool) (Asset, bool, error) {
	info, err := fs.Stat(fsys, file)
	if err != nil {
		return Asset{}, false, &FileError{file, err.Error()}
	}
	if info.Size() > MaxBytes {
		return Asset{}, false, &FileError{file, fmt.Sprintf("is %.1f MB; at most %d MB are accepted",
			float64(info.Size())/(1<<20), MaxBytes>>20)}
	}
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		return Asset{}, false, &FileError{file, err.Error()}
	}
	if len(src) > MaxBytes { // grew since the Stat
		return Asset{}, false, &FileError{file, fmt.Sprintf("is over %d MB", MaxBytes>>20)}
	}
	hash := Hash(src)
	if stored.Hash == hash {
		return Asset{Name: name, Width: stored.Width, Height: stored.Height, LQIP: stored.LQIP, Hash: hash}, false, nil
	}
	c, err := convert(file, src, headerOnly)
	if err == nil && c.ContentType != SVGContentType && !headerOnly {
		// The file and the decoded picture are garbage now; hand their
		// memory back before the next one, so that an import of many
		// photographs stays within a small machine's memory.
		debug.FreeOSMemory()
	}
	if err != nil {
		return Asset{}, false, &FileError{file, err.Error()}
	}
	return Asset{
		Name: name, Source: file, ContentType: c.ContentType, Data: c.Data,
		Width: c.Width, Height: c.Height, LQIP: c.LQIP, Hash: hash,
	}, true, nil
}

// Hash identifies an image file and the conversion it goes through.
func Hash(src []byte) string {
	h := sha256.New()
	h.Write([]byte(Version))
	h.Write([]byte{0})
	h.Write(src)
	return hex.EncodeToString(h.Sum(nil))
}

// Convert turns the image file called file into what is stored, by its
// extension: JPEG, PNG, GIF and WebP become WebP, SVG stays as it is.
func Convert(file string, src []byte) (Converted, error) {
	return convert(file, src, false)
}

func convert(file string, src []byte, headerOnly bool) (Converted, error) {
	switch strings.ToLower(path.Ext(file)) {
	case ".svg":
		return convertSVG(src)
	case ".jpg", ".jpeg", ".png", ".gif", ".webp":
		return convertRaster(src, headerOnly)
	}
	return Converted{}, errors.New("is not an image the blog can serve (JPEG, PNG, GIF, WebP or SVG)")
}

// Apply writes the plan through r's write chain: the changed images, then
// the removals. It returns what each write did.
func (p *Plan) Apply(ctx context.Context, r *repo.Repo) ([]repo.Change, error) {
	var changes []repo.Change
	for i := range p.Changed {
		out, err := Save(ctx, r, p.Changed[i])
		if err != nil {
			return changes, fmt.Errorf("store image %s: %w", p.Changed[i].Source, err)
		}
		p.Changed[i].Data = nil // stored; no need to hold it
		changes = append(changes, out.Change)
	}
	for _, name := range p.Removed {
		out, err := Remove(ctx, r, name)
		if err != nil {
			return changes, fmt.Errorf("remove image %q: %w", name, err)
		}
		changes = append(changes, out.Change)
	}
	return changes, nil
}
