package web

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"blog/internal/markdown"
	"blog/web/views"
)

// TaglinesFile is the file of the content folder whose lines are the
// taglines the header types out, one a line; blank lines and lines that
// start with # are skipped. Without it the blog uses DefaultTaglines.
const TaglinesFile = "taglines.txt"

// maxTagline bounds one tagline, so a stray paragraph cannot push the
// header about; longer lines are refused with the line's number. Every page
// carries the whole list for the script to pick from, so its length is
// bounded too.
const (
	maxTagline  = 80
	maxTaglines = 200
)

// The blog's own identity, used where a setting leaves it out
// (BLOG_SITE_NAME, BLOG_SITE_DESCRIPTION; BLOG_SOURCE_URL has none).
const (
	DefaultSiteName        = "Replicated Notes"
	DefaultSiteDescription = "Notes on running a blog from SQLite, copied to every region by LiteFS: " +
		"forwarded writes, exactly-once effects and reads of your own writes."
)

// DefaultTaglines are typed out under the site's name when the content
// folder has no taglines.txt.
var DefaultTaglines = []string{
	"one primary, many replicas",
	"written once, read everywhere",
	"exactly once, even when retried",
	"reads its own writes",
	"the WAL remembers",
	"fsync is a love language",
	"SELECT * FROM thoughts;",
	"no disk I/O errors were harmed",
	"the primary moved; the write followed",
	"TXIDs only go up",
	"rendered once, served from every region",
	"a blog in a single file",
	"signed, forwarded, committed",
	"PRAGMA journal_mode = wal;",
	"idempotent by design",
	"monospace is a lifestyle",
	"try the CRT filter",
	"copied to every region before this line ends",
}

// Site is the blog's identity as the pages and the feed show it.
type Site = views.Site

// LoadTaglines reads TaglinesFile from the content folder: nil, nil when
// there is none. A line over 80 characters or a file without any tagline
// is an error, so a mistake shows at start-up rather than in the header.
func LoadTaglines(fsys fs.FS) ([]string, error) {
	b, err := fs.ReadFile(fsys, TaglinesFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", TaglinesFile, err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len([]rune(line)) > maxTagline {
			return nil, fmt.Errorf("%s line %d: a tagline has at most %d characters, this one %d",
				TaglinesFile, n, maxTagline, len([]rune(line)))
		}
		if len(lines) == maxTaglines {
			return nil, fmt.Errorf("%s line %d: at most %d taglines, as every page carries them all", TaglinesFile, n, maxTaglines)
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", TaglinesFile, err)
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s has no taglines: write one a line, or remove the file", TaglinesFile)
	}
	return lines, nil
}

// ProjectsIntroFile is the file of the content folder whose Markdown
// introduces the projects page. The original Blog's layout has none;
// without it the page has no introduction.
const ProjectsIntroFile = "projects/intro.md"

// projectsIntro is the projects page's introduction.
type projectsIntro struct {
	HTML string // "" for none
	Text string // its words, for the page's description
}

// loadProjectsIntro renders ProjectsIntroFile: empty when there is none.
func loadProjectsIntro(fsys fs.FS) (projectsIntro, error) {
	b, err := fs.ReadFile(fsys, ProjectsIntroFile)
	if errors.Is(err, fs.ErrNotExist) {
		return projectsIntro{}, nil
	}
	if err != nil {
		return projectsIntro{}, fmt.Errorf("read %s: %w", ProjectsIntroFile, err)
	}
	d, err := markdown.Render(b)
	if err != nil {
		return projectsIntro{}, fmt.Errorf("%s: %w", ProjectsIntroFile, err)
	}
	return projectsIntro{HTML: d.HTML, Text: strings.Join(strings.Fields(d.Text), " ")}, nil
}

// withDefaults fills what the settings left out.
func withDefaults(s Site) Site {
	if s.Name == "" {
		s.Name = DefaultSiteName
	}
	if s.Description == "" {
		s.Description = DefaultSiteDescription
	}
	if len(s.Taglines) == 0 {
		s.Taglines = DefaultTaglines
	}
	return s
}
