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

// withPostTOC gives the page the contents of the post it shows in full,
// if any: the home page's, whose title leads to the top of the text.
func withPostTOC(p Page, post *posts.Post) Page {
	if post == nil || len(post.TOC) == 0 {
		return p
	}
	return p.WithTOC(post.Title, "content", post.TOC)
}
