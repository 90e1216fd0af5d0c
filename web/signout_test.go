package web_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"blog/content"
)

// GET /signout makes the browser forget the admin's sign-in: a browser
// drops the Basic credentials it holds for a realm when a request that
// carried them is answered 401 for that same realm. So every challenge
// the blog makes names one realm, /signout answers the admin 401 with it,
// and the admin's pages link to it.
func TestSignOutForgetsTheAdmin(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	admin := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+password))

	out := e.get("/signout", "Authorization", admin)
	if out.status != 401 || !strings.Contains(out.body, "choose Cancel") || !strings.Contains(out.header.Get("Cache-Control"), "no-store") {
		t.Fatalf("GET /signout as the admin = %d, Cache-Control %q; want 401 and a page saying to cancel", out.status, out.header.Get("Cache-Control"))
	}
	realm := out.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(realm, `Basic realm="`) {
		t.Fatalf("GET /signout challenges %q", realm)
	}
	for _, path := range []string{"/signin", "/posts/measuring-against-a-plain-server?preview"} {
		if r := e.get(path); r.status != 401 || r.header.Get("WWW-Authenticate") != realm {
			t.Errorf("GET %s = %d challenging %q; want 401 for the realm of /signout, %q", path, r.status, r.header.Get("WWW-Authenticate"), realm)
		}
	}
	w := newEnv(t, password)
	if r := w.do("POST", "/api/tags", "application/json", `{"label":"x"}`, false); r.status != 401 || r.header.Get("WWW-Authenticate") != realm {
		t.Errorf("a write without the password = %d challenging %q; want the realm %q", r.status, r.header.Get("WWW-Authenticate"), realm)
	}

	// A browser that sent no password is not asked for one.
	if r := e.get("/signout"); r.status != 200 || r.header.Get("WWW-Authenticate") != "" || !strings.Contains(r.body, "not signed in") {
		t.Errorf("GET /signout without a password = %d, WWW-Authenticate %q; want 200 and no challenge", r.status, r.header.Get("WWW-Authenticate"))
	}
	// Signing out is not a failed sign-in: however often, the password
	// still works at once.
	for range 12 {
		e.get("/signout", "Authorization", admin)
	}
	if r := e.get("/signin?next=%2Ftags", "Authorization", admin); r.status != 303 {
		t.Errorf("sign in after signing out 12 times = %d, want 303", r.status)
	}

	// Where the admin sees that they are signed in, the way out.
	if r := e.get("/tags", "Authorization", admin); !strings.Contains(r.body, "signed in as admin") || !strings.Contains(r.body, `href="/signout"`) {
		t.Error("the admin's /tags does not say signed in, with a link to /signout")
	}
	if r := e.get("/tags"); strings.Contains(r.body, `href="/signout"`) {
		t.Error("a reader's /tags offers to sign out")
	}
}
