package views

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"

	"blog/internal/posts"
)

// ErrorCode is the code a bluescreen shows: "XX : XXXX : XXXXXXXX", made
// from the status and the address asked for, so the same broken address
// always shows the same code and a reader can quote it.
func ErrorCode(status int, path string) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%d %s", status, path)
	n := h.Sum32()
	return fmt.Sprintf("%02X : %04X : %08X", n%0xFF, (n/0x100)%0xFFFF, n/0x10000)
}

// errorTitle is the bluescreen's heading for a status.
func errorTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "Not Found"
	case http.StatusServiceUnavailable:
		return "Unavailable"
	case http.StatusInternalServerError:
		return "Unexpected Error"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Unexpected Error"
}

// hashes marks a heading's level as Markdown does.
func hashes(level int) string { return strings.Repeat("#", max(level, 1)) }

// postCount says how many posts a list holds.
func postCount(n int) string {
	if n == 1 {
		return "1 post"
	}
	return fmt.Sprintf("%d posts", n)
}

// readingTime says how long a post takes to read, in the original Blog's
// words.
func readingTime(minutes int) string {
	switch minutes {
	case 0:
		return "Less than 1 minute read"
	case 1:
		return "Approx. 1 minute read"
	}
	return fmt.Sprintf("Approx. %d minutes read", minutes)
}

// withPostTOC gives the page the contents of the post it shows in full,
// if any: the home page's.
func withPostTOC(p Page, post *posts.Post) Page {
	if post == nil {
		return p
	}
	return p.WithTOC(post.Title, TitleID(post.Slug), post.TOC)
}

// layoutIDs are the ids the pages give their own parts, which scripts and
// links look up; a post's title never takes one.
var layoutIDs = map[string]bool{
	"content": true, "sidebar": true, "toc": true, "tagline": true, "q": true, "q-syntax": true,
	"results": true, "tag-bar": true, "crt-note": true, "draft-banner": true, "presence-body": true,
	"recent-title": true, "search-hint": true, "search-problem": true, "viewers-page": true, "viewers-site": true,
	"post-count": true, "project-count": true, "projects-intro": true, "no-posts": true, "no-projects": true,
	"no-results": true, "crt-toggle": true, "crt-toggle-header": true,
}

// TitleID is the id of a post's title: its slug, as the original's, unless
// the slug is the id of a part of the page, which it would take over.
func TitleID(slug string) string {
	if layoutIDs[slug] || strings.HasPrefix(slug, "sidebar-") {
		return "post-" + slug
	}
	return slug
}

// projectCount says how many projects a list holds.
func projectCount(n int) string {
	if n == 1 {
		return "1 project"
	}
	return fmt.Sprintf("%d projects", n)
}
