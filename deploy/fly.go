package deploy

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Fly is the part of fly.toml the blog depends on.
type Fly struct {
	App           string            `toml:"app"`
	PrimaryRegion string            `toml:"primary_region"`
	KillSignal    string            `toml:"kill_signal"`
	KillTimeout   Seconds           `toml:"kill_timeout"`
	Env           map[string]string `toml:"env"`
	Mounts        Mounts            `toml:"mounts"`
	HTTPService   *HTTPService      `toml:"http_service"`
	Metrics       *Metrics          `toml:"metrics"`
	Experimental  map[string]any    `toml:"experimental"`
}

// Metrics is fly.toml's [metrics]: where Fly scrapes Prometheus metrics.
type Metrics struct {
	Port int    `toml:"port"`
	Path string `toml:"path"`
}

// HTTPService is fly.toml's [http_service].
type HTTPService struct {
	InternalPort     int     `toml:"internal_port"`
	AutoStopMachines any     `toml:"auto_stop_machines"` // "off", "stop", "suspend" or a bool
	Checks           []Check `toml:"checks"`
}

// Check is one of [[http_service.checks]].
type Check struct {
	Method      string `toml:"method"`
	Path        string `toml:"path"`
	Interval    string `toml:"interval"`
	Timeout     string `toml:"timeout"`
	GracePeriod string `toml:"grace_period"`
}

// Mount is a volume mounted into every machine.
type Mount struct {
	Source      string `toml:"source"`
	Destination string `toml:"destination"`
}

// Mounts is fly.toml's [mounts], which may be one table or an array of them.
type Mounts []Mount

// UnmarshalTOML reads [mounts] and [[mounts]] alike.
func (m *Mounts) UnmarshalTOML(v any) error {
	one := func(v any) (Mount, error) {
		t, ok := v.(map[string]any)
		if !ok {
			return Mount{}, fmt.Errorf("mounts: want a table, got %T", v)
		}
		src, _ := t["source"].(string)
		dst, _ := t["destination"].(string)
		return Mount{Source: src, Destination: dst}, nil
	}
	switch v := v.(type) {
	case map[string]any:
		mt, err := one(v)
		if err != nil {
			return err
		}
		*m = Mounts{mt}
	case []map[string]any:
		for _, t := range v {
			mt, _ := one(t)
			*m = append(*m, mt)
		}
	case []any:
		for _, t := range v {
			mt, err := one(t)
			if err != nil {
				return err
			}
			*m = append(*m, mt)
		}
	default:
		return fmt.Errorf("mounts: want a table or an array of tables, got %T", v)
	}
	return nil
}

// Seconds is a duration in fly.toml, written as whole seconds (5) or as a
// Go duration ("5s").
type Seconds time.Duration

// UnmarshalTOML reads 30 and "30s" alike.
func (s *Seconds) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case int64:
		*s = Seconds(time.Duration(v) * time.Second)
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("duration %q: %w", v, err)
		}
		*s = Seconds(d)
	default:
		return fmt.Errorf("want seconds or a duration like \"30s\", got %T", v)
	}
	return nil
}

// ParseFly reads the text of a fly.toml. Keys it does not know are left to
// Fly's own validation.
func ParseFly(text []byte) (*Fly, error) {
	var f Fly
	if _, err := toml.Decode(string(text), &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", FlyFile, err)
	}
	return &f, nil
}

// LoadFly reads the fly.toml at path.
func LoadFly(path string) (*Fly, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFly(b)
}

// HealthCheck returns the first check of the HTTP service whose path is
// path, or nil.
func (f *Fly) HealthCheck(path string) *Check {
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

// Mount returns the mount whose destination is dir, or nil.
func (f *Fly) Mount(dir string) *Mount {
	for i, m := range f.Mounts {
		if m.Destination == dir {
			return &f.Mounts[i]
		}
	}
	return nil
}
