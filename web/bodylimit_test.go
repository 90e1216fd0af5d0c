package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// A form over 65,536 bytes is refused with 413, url-encoded or multipart,
// with a length or chunked, and writes nothing; one just under is read.
func TestFormBodyLimit(t *testing.T) {
	e := newEnv(t, password)
	token := e.csrf("/tags/new")
	multi := func(label string) (string, []byte) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("_csrf", token)
		w.WriteField("label", label)
		w.Close()
		return w.FormDataContentType(), b.Bytes()
	}
	send := func(ctype string, body []byte, chunked bool) int {
		t.Helper()
		var r io.Reader = bytes.NewReader(body)
		if chunked {
			r = struct{ io.Reader }{r} // hides the length: sent chunked
		}
		req, _ := http.NewRequest("POST", e.srv.URL+"/tags", r)
		req.Header.Set("Content-Type", ctype)
		req.SetBasicAuth("admin", password)
		res, err := e.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	big := strings.Repeat("b", 70<<10)
	mt, mbody := multi(big)
	for _, chunked := range []bool{false, true} {
		if got := send(formType, []byte(form("label", big, "_csrf", token)), chunked); got != 413 {
			t.Errorf("url-encoded form over the limit (chunked %v): %d, want 413", chunked, got)
		}
		if got := send(mt, mbody, chunked); got != 413 {
			t.Errorf("multipart form over the limit (chunked %v): %d, want 413", chunked, got)
		}
	}
	if n := e.count("1"); n != 0 {
		t.Fatalf("%d tags written by refused forms", n)
	}
	mt, mbody = multi("multipart")
	if got := send(mt, mbody, true); got != 303 || e.count("label = 'multipart'") != 1 {
		t.Fatalf("a small multipart form: %d", got)
	}
}
