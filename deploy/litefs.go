package deploy

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LiteFS is the part of litefs.yml the blog depends on, after LiteFS's
// expansion of environment variables.
type LiteFS struct {
	FUSE struct {
		Dir string `yaml:"dir"`
	} `yaml:"fuse"`
	Data struct {
		Dir string `yaml:"dir"`
	} `yaml:"data"`
	HTTP struct {
		Addr string `yaml:"addr"`
	} `yaml:"http"`
	Lease Lease  `yaml:"lease"`
	Exec  []Exec `yaml:"exec"`

	// Proxy is true when the file has a proxy: section, set or empty.
	Proxy bool `yaml:"-"`
}

// Lease is litefs.yml's lease: section.
type Lease struct {
	Type         string `yaml:"type"`
	Hostname     string `yaml:"hostname"`
	AdvertiseURL string `yaml:"advertise-url"`
	Candidate    *bool  `yaml:"candidate"` // LiteFS's default is true
	Promote      bool   `yaml:"promote"`
	Consul       struct {
		URL string `yaml:"url"`
		Key string `yaml:"key"`
	} `yaml:"consul"`
}

// Exec is one command of litefs.yml's exec: list.
type Exec struct {
	Cmd         string `yaml:"cmd"`
	IfCandidate bool   `yaml:"if-candidate"`
}

// DefaultLiteFSHTTPAddr is where LiteFS serves its API when http.addr is unset.
const DefaultLiteFSHTTPAddr = ":20202"

// ParseLiteFS reads the text of a litefs.yml the way LiteFS does: it
// expands environment variables, looked up with getenv, and then decodes
// the YAML. Keys it does not model are ignored; UnknownLiteFSKeys finds
// those that LiteFS itself would refuse.
func ParseLiteFS(text []byte, getenv func(string) string) (*LiteFS, error) {
	expanded := []byte(ExpandEnv(string(text), getenv))
	var c LiteFS
	dec := yaml.NewDecoder(bytes.NewReader(expanded))
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse %s: %w", LiteFSFile, err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(expanded, &raw); err != nil {
		return nil, fmt.Errorf("parse %s: %w", LiteFSFile, err)
	}
	_, c.Proxy = raw["proxy"]
	return &c, nil
}

// LoadLiteFS reads the litefs.yml at path; see ParseLiteFS.
func LoadLiteFS(path string, getenv func(string) string) (*LiteFS, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseLiteFS(b, getenv)
}

// IsCandidate reports whether the node may become primary.
func (l *LiteFS) IsCandidate() bool { return l.Lease.Candidate == nil || *l.Lease.Candidate }

// HTTPPort is the port of LiteFS's API on this node.
func (l *LiteFS) HTTPPort() string {
	addr := l.HTTP.Addr
	if addr == "" {
		addr = DefaultLiteFSHTTPAddr
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return port
}

// AdvertisedHostPort splits the lease's advertise-url into host and port.
func (l *LiteFS) AdvertisedHostPort() (host, port string, err error) {
	u, err := url.Parse(l.Lease.AdvertiseURL)
	if err != nil {
		return "", "", fmt.Errorf("lease.advertise-url %q: %w", l.Lease.AdvertiseURL, err)
	}
	if u.Scheme != "http" || u.Hostname() == "" || u.Port() == "" {
		return "", "", fmt.Errorf("lease.advertise-url %q: want http://HOST:PORT", l.Lease.AdvertiseURL)
	}
	return u.Hostname(), u.Port(), nil
}

// ExpandEnv replaces ${VAR} and $VAR in s with getenv's values, and the
// comparisons ${A == B}, ${A != B}, ${A == 'text'} and ${A == "text"} with
// true or false, as LiteFS v0.5 does with its config file.
func ExpandEnv(s string, getenv func(string) string) string {
	return os.Expand(s, func(v string) string {
		v = strings.TrimSpace(v)
		for _, re := range []*regexp.Regexp{exprSingleQuote, exprDoubleQuote} {
			if a := re.FindStringSubmatch(v); a != nil {
				return strconv.FormatBool((getenv(a[1]) == a[3]) == (a[2] == "=="))
			}
		}
		if a := exprVar.FindStringSubmatch(v); a != nil {
			return strconv.FormatBool((getenv(a[1]) == getenv(a[3])) == (a[2] == "=="))
		}
		return getenv(v)
	})
}

var (
	exprSingleQuote = regexp.MustCompile(`^(\w+)\s*(==|!=)\s*'(.*)'$`)
	exprDoubleQuote = regexp.MustCompile(`^(\w+)\s*(==|!=)\s*"(.*)"$`)
	exprVar         = regexp.MustCompile(`^(\w+)\s*(==|!=)\s*(\w+)$`)
)

// liteFSKeys are the keys LiteFS v0.5.14 reads from litefs.yml
// (cmd/litefs/config.go), which rejects any other. A nil value is a leaf.
var liteFSKeys = map[string]map[string]any{
	"": {"exit-on-error": nil, "skip-sync": nil, "strict-verify": nil, "exec": nil,
		"data": nil, "fuse": nil, "http": nil, "proxy": nil, "lease": nil,
		"backup": nil, "log": nil, "tracing": nil},
	"exec":  {"cmd": nil, "if-candidate": nil},
	"data":  {"dir": nil, "compress": nil, "retention": nil, "retention-monitor-interval": nil},
	"fuse":  {"dir": nil, "allow-other": nil, "debug": nil},
	"http":  {"addr": nil, "snapshot-timeout": nil},
	"proxy": {"addr": nil, "target": nil, "db": nil, "max-lag": nil, "debug": nil, "passthrough": nil, "always-forward": nil, "primary-redirect-timeout": nil, "read-timeout": nil, "read-header-timeout": nil, "write-timeout": nil, "idle-timeout": nil},
	"lease": {"type": nil, "hostname": nil, "advertise-url": nil, "candidate": nil, "promote": nil,
		"reconnect-delay": nil, "demote-delay": nil, "databases": nil, "consul": nil},
	"lease.consul": {"url": nil, "key": nil, "ttl": nil, "lock-delay": nil},
	"backup":       {"type": nil, "path": nil, "url": nil, "cluster": nil, "auth-token": nil},
	"log":          {"format": nil, "timestamp": nil, "debug": nil},
	"tracing":      {"enabled": nil, "path": nil, "max-size": nil, "max-count": nil, "compress": nil},
}

// UnknownLiteFSKeys lists the keys of a litefs.yml, as dotted paths, that
// LiteFS v0.5 does not know.
func UnknownLiteFSKeys(text []byte) ([]string, error) {
	var raw map[string]any
	if err := yaml.Unmarshal(text, &raw); err != nil {
		return nil, fmt.Errorf("parse %s: %w", LiteFSFile, err)
	}
	var unknown []string
	var walk func(section string, m map[string]any)
	walk = func(section string, m map[string]any) {
		known := liteFSKeys[section]
		for k, v := range m {
			path := k
			if section != "" {
				path = section + "." + k
			}
			if _, ok := known[k]; !ok {
				unknown = append(unknown, path)
				continue
			}
			if _, nested := liteFSKeys[path]; !nested {
				continue
			}
			switch v := v.(type) {
			case map[string]any:
				walk(path, v)
			case []any: // exec: a list of commands
				for _, e := range v {
					if em, ok := e.(map[string]any); ok {
						walk(path, em)
					}
				}
			}
		}
	}
	walk("", raw)
	sort.Strings(unknown)
	return unknown, nil
}
