package litefs

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"blog"
)

func TestSignAndVerify(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"name":"test.insert","args":{"label":"go"},"key":"k"}`)

	tests := []struct {
		name     string
		signer   string        // secret the sender signs with
		signedAt time.Duration // sender's clock relative to the receiver's
		change   func(req *http.Request) []byte
		wantCode string // "" when the request must be accepted
	}{
		{"valid", "s3cret", 0, nil, ""},
		{"clock 59s behind", "s3cret", -59 * time.Second, nil, ""},
		{"clock 59s ahead", "s3cret", 59 * time.Second, nil, ""},
		{"altered body", "s3cret", 0, func(*http.Request) []byte {
			return bytes.Replace(body, []byte(`"go"`), []byte(`"og"`), 1)
		}, blog.EUNAUTHORIZED},
		{"altered path", "s3cret", 0, func(r *http.Request) []byte { r.URL.Path = "/internal/other"; return body }, blog.EUNAUTHORIZED},
		{"altered method", "s3cret", 0, func(r *http.Request) []byte { r.Method = http.MethodPut; return body }, blog.EUNAUTHORIZED},
		{"altered timestamp", "s3cret", 0, func(r *http.Request) []byte {
			r.Header.Set(HeaderTimestamp, "1748779201")
			return body
		}, blog.EUNAUTHORIZED},
		{"wrong secret", "guess", 0, nil, blog.EUNAUTHORIZED},
		{"no signature", "s3cret", 0, func(r *http.Request) []byte { r.Header.Del(HeaderSignature); return body }, blog.EUNAUTHORIZED},
		{"no timestamp", "s3cret", 0, func(r *http.Request) []byte { r.Header.Del(HeaderTimestamp); return body }, blog.EUNAUTHORIZED},
		{"signature not hex", "s3cret", 0, func(r *http.Request) []byte { r.Header.Set(HeaderSignature, "zz"); return body }, blog.EUNAUTHORIZED},
		{"stale", "s3cret", -61 * time.Second, nil, blog.EFORBIDDEN},
		{"from the future", "s3cret", 61 * time.Second, nil, blog.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sender := NewSigner(tt.signer)
			sender.now = func() time.Time { return now.Add(tt.signedAt) }
			receiver := NewSigner("s3cret")
			receiver.now = func() time.Time { return now }

			req := httptest.NewRequest(http.MethodPost, ForwardPath, nil)
			sender.Sign(req, body)
			got := body
			if tt.change != nil {
				got = tt.change(req)
			}
			err := receiver.Verify(req, got)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			var be *blog.Error
			if !errors.As(err, &be) || be.Code != tt.wantCode {
				t.Fatalf("Verify = %v, want a %s *blog.Error", err, tt.wantCode)
			}
		})
	}
}

func TestVerifyWithoutSecretRefusesEverything(t *testing.T) {
	s := NewSigner("")
	req := httptest.NewRequest(http.MethodPost, ForwardPath, nil)
	s.Sign(req, []byte("{}")) // signed with the same, empty, secret
	if err := s.Verify(req, []byte("{}")); blog.ErrorCode(err) != blog.EUNAUTHORIZED {
		t.Fatalf("Verify = %v, want unauthorized", err)
	}
}
