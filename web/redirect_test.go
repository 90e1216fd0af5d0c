package web

import "testing"

// Defect: GET /%09/evil.example/ answered 301 to "/\t/evil.example", which
// a browser reads as //evil.example, another site; ?next= on /signin did
// the same. Every redirect target is now a cleaned path of this site.
func TestRedirectsStayOnTheSite(t *testing.T) {
	for _, tc := range []struct{ path, query, want string }{
		{"/tags", "", "/tags"},
		{"/posts/a-b", "x=1", "/posts/a-b?x=1"},
		{"/\t/evil.example", "", "/"},
		{"/\n/evil.example", "", "/"},
		{"/\r\n/evil.example", "", "/"},
		{`/\evil.example`, "", "/"},
		{`/\/evil.example`, "", "/"},
		{"//evil.example", "", "/evil.example"},
		{"///evil.example", "", "/evil.example"},
		{"/./../evil.example", "", "/evil.example"},
		{"/a/../../b", "", "/b"},
		{"evil.example", "", "/"},
		{"", "", "/"},
		{"/posts/caf\u00e9", "", "/posts/caf%C3%A9"},
		{"/posts/a b", "", "/"},
		{"/tags", "q=\t", "/tags"},
	} {
		if got := localTarget(tc.path, tc.query); got != tc.want {
			t.Errorf("localTarget(%q, %q) = %q, want %q", tc.path, tc.query, got, tc.want)
		}
	}
	for next, want := range map[string]string{
		"/tags/1":                   "/tags/1",
		"/posts?tags=go":            "/posts?tags=go",
		"/":                         "/",
		"":                          "/tags",
		"/\t/evil.example/":         "/tags",
		"/%09/evil.example/":        "/tags",
		"/%5Cevil.example":          "/tags",
		"//evil.example":            "/tags",
		`/\evil.example`:            "/tags",
		"https://evil.example":      "/tags",
		"javascript:alert(1)":       "/tags",
		"/\n/evil.example":          "/tags",
		"/posts/../../evil.example": "/evil.example",
	} {
		if got := localNext(next, "/tags"); got != want {
			t.Errorf("localNext(%q) = %q, want %q", next, got, want)
		}
	}
}
