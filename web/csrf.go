package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"blog"
)

const (
	// csrfCookie holds the token over plain HTTP; behind TLS the cookie is
	// csrfSecureCookie, whose __Host- prefix makes browsers refuse it unless
	// it is Secure, for this host only and path /: a neighbouring subdomain
	// cannot plant one.
	csrfCookie       = "blog_csrf"
	csrfSecureCookie = "__Host-blog_csrf"
	csrfField        = "_csrf"
	csrfKey          = "csrf"
)

// csrfSigner makes and checks CSRF tokens: a random nonce and its HMAC
// under the server's key, so only this blog can mint one, whatever a
// caller puts in a cookie.
type csrfSigner struct{ key []byte }

// newCSRFSigner returns a signer with key, or with a random key of its own
// when key is empty (then tokens die with the process).
func newCSRFSigner(key []byte) csrfSigner {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return csrfSigner{key: key}
}

func (cs csrfSigner) mac(nonce string) string {
	m := hmac.New(sha256.New, cs.key)
	m.Write([]byte("csrf\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newToken returns a fresh signed token.
func (cs csrfSigner) newToken() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	nonce := base64.RawURLEncoding.EncodeToString(b)
	return nonce + "." + cs.mac(nonce)
}

// valid reports whether token was made by newToken under this key.
func (cs csrfSigner) valid(token string) bool {
	nonce, sig, ok := strings.Cut(token, ".")
	if !ok || len(nonce) != 24 || len(token) > 100 {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(cs.mac(nonce)))
}

// csrfGuard protects form posts with a signed double-submit token.
type csrfGuard struct{ signer csrfSigner }

// protect is the middleware of form routes: the token in an HttpOnly,
// SameSite=Lax cookie must be one this server signed, and the form must
// repeat it in its hidden _csrf input, in the body (never the query
// string, which ends up in logs and Referer headers). A post without it,
// or with another value, is refused before the handler runs. A page
// showing a form finds the token with csrfToken.
func (g csrfGuard) protect(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		secure := c.Scheme() == "https"
		name := csrfCookie
		if secure {
			name = csrfSecureCookie
		}
		token := ""
		if ck, err := r.Cookie(name); err == nil && g.signer.valid(ck.Value) {
			token = ck.Value
		}
		st := &csrfState{token: token}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			// A page that shows a form depends on the cookie: its token is
			// the cookie's, and a cache must keep it apart.
			st.issue = func() string {
				c.Response().Header().Add("Vary", "Cookie")
				if token != "" {
					return token
				}
				t := g.signer.newToken()
				c.SetCookie(&http.Cookie{Name: name, Value: t, Path: "/",
					HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
				return t
			}
		default:
			sent := formBodyValue(r, csrfField)
			if token == "" || sent == "" || !hmac.Equal([]byte(token), []byte(sent)) {
				return blog.Errorf(blog.EFORBIDDEN,
					"This form has expired or did not come from this blog. Reload the page and try again.")
			}
		}
		c.Set(csrfKey, st)
		return next(c)
	}
}

// csrfState is a request's CSRF token: the one its cookie carries, or,
// when it carries none, one made with its cookie the first time a page
// shows a form. A reader who never sees a form is sent no cookie.
type csrfState struct {
	token string
	// issue, until a page first asks for the token, gives it (making one,
	// with its cookie, when the request has none) and marks the answer as
	// varying with the cookie.
	issue func() string
}

// formBodyValue is a field of the request's form body only, never of its
// query string. limitBody has parsed the form already.
func formBodyValue(r *http.Request, name string) string {
	if r.PostForm == nil {
		_ = r.ParseForm()
	}
	if v := r.PostForm.Get(name); v != "" {
		return v
	}
	if r.MultipartForm != nil {
		if vs := r.MultipartForm.Value[name]; len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// csrfToken is the request's CSRF token, for a form on its page: made,
// with its cookie, if the request has none. Empty outside form routes.
func csrfToken(c echo.Context) string {
	st, _ := c.Get(csrfKey).(*csrfState)
	if st == nil {
		return ""
	}
	if st.issue != nil {
		st.token, st.issue = st.issue(), nil
	}
	return st.token
}

// originGuard refuses a write that a browser sent from another site: one
// whose Origin is not this blog, or that the browser marks cross-site.
// Clients that send neither header (curl, the other nodes) are let through:
// they are not browsers a page could make act for someone else, and
// writes need the admin's password anyway.
type originGuard struct {
	base string // BLOG_URL's scheme and host, an origin writes may come from
}

func (g originGuard) check(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" || !g.sameOrigin(r) {
			return blog.Errorf(blog.EFORBIDDEN,
				"This request came from another site (Origin %q); the blog takes writes only from its own pages.",
				r.Header.Get("Origin"))
		}
		return next(c)
	}
}

// sameOrigin reports whether the request's Origin, if it has one, is the
// blog's: BLOG_URL, or the host the request was sent to. The scheme is not
// compared: behind a TLS proxy other than Fly.io's the node cannot tell
// which one the browser used.
func (g originGuard) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if g.base != "" && strings.EqualFold(origin, g.base) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false // "null" among them: a sandboxed or privacy-sensitive context
	}
	return strings.EqualFold(u.Host, r.Host)
}
