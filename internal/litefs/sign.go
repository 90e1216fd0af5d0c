package litefs

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"blog"
)

// Headers that carry a forwarded write's signature.
const (
	HeaderTimestamp = "X-Blog-Timestamp" // Unix seconds when the request was signed
	HeaderSignature = "X-Blog-Signature" // hex HMAC-SHA256 of method, path, timestamp and body
)

// MaxClockSkew is how far a signed request's timestamp may be from the
// receiver's clock, either way. It bounds how long a captured request can be
// replayed; within that time the op's idempotency key makes a replay
// harmless.
const MaxClockSkew = 60 * time.Second

// Signer signs forwarded writes with the secret every node shares, and
// checks the signature of those it receives.
type Signer struct {
	secret []byte
	now    func() time.Time
}

// NewSigner returns a Signer using secret. With an empty secret it signs
// nothing usefully and verifies nothing: an unset BLOG_FORWARD_SECRET must
// not turn the endpoint into an open door.
func NewSigner(secret string) *Signer {
	return &Signer{secret: []byte(secret), now: time.Now}
}

// Sign sets the signature headers of req, whose body is body.
func (s *Signer) Sign(req *http.Request, body []byte) {
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, hex.EncodeToString(s.mac(req.Method, req.URL.Path, ts, body)))
}

// Verify checks that req, whose body is body, was signed with the shared
// secret and recently. It returns an unauthorized *blog.Error when the
// signature is missing or wrong and a forbidden one when it is right but
// stale: the sender is genuine, but the request is too old or too new to
// trust.
func (s *Signer) Verify(req *http.Request, body []byte) error {
	if len(s.secret) == 0 {
		return blog.Errorf(blog.EUNAUTHORIZED, "This server accepts no forwarded writes: BLOG_FORWARD_SECRET is not set.")
	}
	ts, sig := req.Header.Get(HeaderTimestamp), req.Header.Get(HeaderSignature)
	if ts == "" || sig == "" {
		return blog.Errorf(blog.EUNAUTHORIZED, "The request is not signed.")
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(req.Method, req.URL.Path, ts, body)) {
		return blog.Errorf(blog.EUNAUTHORIZED, "The request's signature is not valid.")
	}
	// The timestamp is trusted only now that the signature covers it.
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return blog.Errorf(blog.EUNAUTHORIZED, "The request's timestamp %q is not a number.", ts)
	}
	if skew := s.now().Sub(time.Unix(sec, 0)); skew > MaxClockSkew || skew < -MaxClockSkew {
		return blog.Errorf(blog.EFORBIDDEN,
			"The request was signed at %s, more than %s from this server's clock.",
			time.Unix(sec, 0).UTC().Format(time.RFC3339), MaxClockSkew)
	}
	return nil
}

func (s *Signer) mac(method, path, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, s.secret)
	// Newlines separate the parts: none can occur in a method, a path or a
	// timestamp, so no two requests sign the same text.
	h.Write([]byte(method + "\n" + path + "\n" + ts + "\n"))
	h.Write(body)
	return h.Sum(nil)
}
