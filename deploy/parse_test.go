package deploy_test

import (
	"strings"
	"testing"

	"blog/deploy"
)

func TestExpandEnvLikeLiteFS(t *testing.T) {
	env := map[string]string{"FLY_REGION": "ams", "PRIMARY_REGION": "ams", "OTHER": "lhr", "APP": "notes"}
	getenv := func(k string) string { return env[k] }
	cases := []struct{ in, want string }{
		{"${FLY_REGION == PRIMARY_REGION}", "true"},
		{"${OTHER == PRIMARY_REGION}", "false"},
		{"${OTHER != PRIMARY_REGION}", "true"},
		{"${FLY_REGION == 'ams'}", "true"},
		{`${FLY_REGION == "lhr"}`, "false"},
		{`${ FLY_REGION != "lhr" }`, "true"},
		{"${FLY_REGION == ''}", "false"},
		{"litefs/${APP}", "litefs/notes"},
		{"$APP.internal", "notes.internal"},
		{"${MISSING}x", "x"},
	}
	for _, c := range cases {
		if got := deploy.ExpandEnv(c.in, getenv); got != c.want {
			t.Errorf("ExpandEnv(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// ParseLiteFS takes what LiteFS takes, with LiteFS's defaults, and refuses
// what LiteFS refuses: a key it does not know, or a value of the wrong type.
func TestParseLiteFSLikeLiteFS(t *testing.T) {
	noEnv := func(string) string { return "" }
	c, err := deploy.ParseLiteFS([]byte("fuse:\n  dir: /litefs\nlease:\n  type: static\n  reconnect-delay: 2s\nexec: []\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Lease.Candidate || c.HTTP.Addr != ":20202" || c.FUSE.Dir != "/litefs" || c.Lease.ReconnectDelay.Seconds() != 2 {
		t.Errorf("read as candidate %v, http.addr %q, fuse.dir %q, reconnect-delay %s", c.Lease.Candidate, c.HTTP.Addr, c.FUSE.Dir, c.Lease.ReconnectDelay)
	}
	for text, want := range map[string]string{
		"lease:\n  type: static\n  elect: true\n":              "line 3: field elect not found",
		"exec:\n  - cmd: blog serve\n    if_candidate: true\n": "field if_candidate not found",
		"tracing:\n  max-size: big\n":                          "big",
		"lease:\n  candidate: maybe\n":                         "maybe",
	} {
		if _, err := deploy.ParseLiteFS([]byte(text), noEnv); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error naming %q", text, err, want)
		}
		if _, err := deploy.ParseLiteFSIgnoringUnknownKeys([]byte(text), noEnv); (err == nil) != strings.Contains(want, "not found") {
			t.Errorf("%q ignoring unknown keys: %v", text, err)
		}
	}
}
