package deploy

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// LiteFS is litefs.yml with every key LiteFS v0.5.14 reads
// (cmd/litefs/config.go) and its type, so that decoding refuses what
// LiteFS refuses.
type LiteFS struct {
	ExitOnError  bool `yaml:"exit-on-error"`
	SkipSync     bool `yaml:"skip-sync"`
	StrictVerify bool `yaml:"strict-verify"`
	// LiteFS also takes one command as a string; the blog's are a list.
	Exec []struct {
		Cmd         string `yaml:"cmd"`
		IfCandidate bool   `yaml:"if-candidate"`
	} `yaml:"exec"`
	Data struct {
		Dir                      string        `yaml:"dir"`
		Compress                 bool          `yaml:"compress"`
		Retention                time.Duration `yaml:"retention"`
		RetentionMonitorInterval time.Duration `yaml:"retention-monitor-interval"`
	} `yaml:"data"`
	FUSE struct {
		Dir        string `yaml:"dir"`
		AllowOther bool   `yaml:"allow-other"`
		Debug      bool   `yaml:"debug"`
	} `yaml:"fuse"`
	HTTP struct {
		Addr            string        `yaml:"addr"`
		SnapshotTimeout time.Duration `yaml:"snapshot-timeout"`
	} `yaml:"http"`
	Proxy struct {
		Addr                   string        `yaml:"addr"`
		Target                 string        `yaml:"target"`
		DB                     string        `yaml:"db"`
		MaxLag                 time.Duration `yaml:"max-lag"`
		Debug                  bool          `yaml:"debug"`
		Passthrough            []string      `yaml:"passthrough"`
		AlwaysForward          []string      `yaml:"always-forward"`
		PrimaryRedirectTimeout time.Duration `yaml:"primary-redirect-timeout"`
		ReadTimeout            time.Duration `yaml:"read-timeout"`
		ReadHeaderTimeout      time.Duration `yaml:"read-header-timeout"`
		WriteTimeout           time.Duration `yaml:"write-timeout"`
		IdleTimeout            time.Duration `yaml:"idle-timeout"`
	} `yaml:"proxy"`
	Lease struct {
		Type           string        `yaml:"type"`
		Hostname       string        `yaml:"hostname"`
		AdvertiseURL   string        `yaml:"advertise-url"`
		Candidate      bool          `yaml:"candidate"` // LiteFS's default: true
		Promote        bool          `yaml:"promote"`
		ReconnectDelay time.Duration `yaml:"reconnect-delay"`
		DemoteDelay    time.Duration `yaml:"demote-delay"`
		Databases      []string      `yaml:"databases"`
		Consul         struct {
			URL       string        `yaml:"url"`
			Key       string        `yaml:"key"`
			TTL       time.Duration `yaml:"ttl"`
			LockDelay time.Duration `yaml:"lock-delay"`
		} `yaml:"consul"`
	} `yaml:"lease"`
	Backup struct {
		Type      string `yaml:"type"`
		Path      string `yaml:"path"`
		URL       string `yaml:"url"`
		Cluster   string `yaml:"cluster"`
		AuthToken string `yaml:"auth-token"`
	} `yaml:"backup"`
	Log struct {
		Format    string `yaml:"format"`
		Timestamp bool   `yaml:"timestamp"`
		Debug     bool   `yaml:"debug"`
	} `yaml:"log"`
	Tracing struct {
		Enabled  bool   `yaml:"enabled"`
		Path     string `yaml:"path"`
		MaxSize  int    `yaml:"max-size"`
		MaxCount int    `yaml:"max-count"`
		Compress bool   `yaml:"compress"`
	} `yaml:"tracing"`
}

// ParseLiteFS reads a litefs.yml as LiteFS does: it expands environment
// variables, looked up with getenv, and decodes the YAML over LiteFS's
// defaults, refusing any key LiteFS does not know.
func ParseLiteFS(text []byte, getenv func(string) string) (*LiteFS, error) {
	return parseLiteFS(text, getenv, true)
}

func parseLiteFS(text []byte, getenv func(string) string, knownFields bool) (*LiteFS, error) {
	var c LiteFS
	c.HTTP.Addr, c.Lease.Candidate = ":20202", true
	dec := yaml.NewDecoder(strings.NewReader(ExpandEnv(string(text), getenv)))
	dec.KnownFields(knownFields)
	if err := dec.Decode(&c); err != nil {
		// The line says where; the Go type of the section would not help.
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for i, e := range te.Errors {
				te.Errors[i], _, _ = strings.Cut(e, " in type ")
			}
		}
		return nil, fmt.Errorf("%s: %w", LiteFSFile, err)
	}
	return &c, nil
}

// ExpandEnv replaces ${VAR} and $VAR in s with getenv's values, and the
// comparisons ${A == B}, ${A != B}, ${A == 'text'} and ${A == "text"} with
// true or false, as LiteFS v0.5 does with its config file.
func ExpandEnv(s string, getenv func(string) string) string {
	return os.Expand(s, func(v string) string {
		v = strings.TrimSpace(v)
		if a := exprText.FindStringSubmatch(v); a != nil {
			return strconv.FormatBool((getenv(a[1]) == a[3]+a[4]) == (a[2] == "=="))
		}
		if a := exprVar.FindStringSubmatch(v); a != nil {
			return strconv.FormatBool((getenv(a[1]) == getenv(a[3])) == (a[2] == "=="))
		}
		return getenv(v)
	})
}

var (
	exprText = regexp.MustCompile(`^(\w+)\s*(==|!=)\s*(?:'(.*)'|"(.*)")$`)
	exprVar  = regexp.MustCompile(`^(\w+)\s*(==|!=)\s*(\w+)$`)
)
