package deploy_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"blog/deploy"
)

// flyConfig is the part of fly.toml the checks look at.
type flyConfig struct {
	App           string            `toml:"app"`
	PrimaryRegion string            `toml:"primary_region"`
	KillSignal    string            `toml:"kill_signal"`
	KillTimeout   seconds           `toml:"kill_timeout"`
	Env           map[string]string `toml:"env"`
	Mounts        mounts            `toml:"mounts"`
	HTTPService   *struct {
		InternalPort int            `toml:"internal_port"`
		Checks       []flyHTTPCheck `toml:"checks"`
	} `toml:"http_service"`
	Metrics *struct {
		Port int    `toml:"port"`
		Path string `toml:"path"`
	} `toml:"metrics"`
}

// flyHTTPCheck is one of [[http_service.checks]].
type flyHTTPCheck struct {
	Method      string `toml:"method"`
	Path        string `toml:"path"`
	Interval    string `toml:"interval"`
	Timeout     string `toml:"timeout"`
	GracePeriod string `toml:"grace_period"`
}

// mount is a volume mounted into every machine.
type mount struct {
	Source      string `toml:"source"`
	Destination string `toml:"destination"`
}

// mounts is fly.toml's [mounts], which Fly takes as one table or as an
// array of them.
type mounts []mount

func (m *mounts) UnmarshalTOML(v any) error {
	var tables []any
	switch v := v.(type) {
	case map[string]any:
		tables = []any{v}
	case []map[string]any:
		for _, t := range v {
			tables = append(tables, t)
		}
	case []any:
		tables = v
	}
	if tables == nil {
		return fmt.Errorf("mounts: want a table or an array of tables, got %T", v)
	}
	for _, t := range tables {
		t, ok := t.(map[string]any)
		if !ok {
			return fmt.Errorf("mounts: want a table, got %T", t)
		}
		src, _ := t["source"].(string)
		dst, _ := t["destination"].(string)
		*m = append(*m, mount{Source: src, Destination: dst})
	}
	return nil
}

// seconds is a duration in fly.toml, which Fly takes as whole seconds (30)
// or as a Go duration ("30s").
type seconds time.Duration

func (s *seconds) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case int64:
		*s = seconds(time.Duration(v) * time.Second)
		return nil
	case string:
		d, err := time.ParseDuration(v)
		*s = seconds(d)
		return err
	}
	return fmt.Errorf("want seconds or a duration like \"30s\", got %T", v)
}

// parseFly reads the text of a fly.toml. Keys it does not know are left to
// Fly's own validation.
func parseFly(text []byte) (*flyConfig, error) {
	var f flyConfig
	if _, err := toml.Decode(string(text), &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", deploy.FlyFile, err)
	}
	return &f, nil
}

// healthCheck returns the first GET check of the HTTP service on path, or
// nil.
func (f *flyConfig) healthCheck(path string) *flyHTTPCheck {
	if f.HTTPService == nil {
		return nil
	}
	for i, c := range f.HTTPService.Checks {
		if c.Path == path && (c.Method == "" || strings.EqualFold(c.Method, "GET")) {
			return &f.HTTPService.Checks[i]
		}
	}
	return nil
}

// mount returns the mount whose destination is dir, or nil.
func (f *flyConfig) mount(dir string) *mount {
	for i, m := range f.Mounts {
		if m.Destination == dir {
			return &f.Mounts[i]
		}
	}
	return nil
}

// Fly takes [[mounts]] and a kill_timeout in seconds as well, and so do
// the checks.
func TestParseFlyForms(t *testing.T) {
	f, err := parseFly([]byte(`
app = "a"
kill_timeout = 45
[[mounts]]
  source = "one"
  destination = "/one"
[[mounts]]
  source = "two"
  destination = "/two"
`))
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(f.KillTimeout) != 45*time.Second {
		t.Errorf("kill_timeout = 45 read as %s", time.Duration(f.KillTimeout))
	}
	if m := f.mount("/two"); m == nil || m.Source != "two" || len(f.Mounts) != 2 {
		t.Errorf("[[mounts]] read as %+v", f.Mounts)
	}
	if _, err := parseFly([]byte(`kill_timeout = "soon"`)); err == nil {
		t.Error(`kill_timeout = "soon" was accepted`)
	}
}
