package clustertest

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"

	"blog/deploy"
)

// NodeSpec is what sets a local node apart from a machine on Fly.io.
type NodeSpec struct {
	IP         string // the node's loopback address
	Root       string // the folder that stands for the machine's /
	Candidate  bool   // holds the static lease
	PrimaryIP  string // the candidate's loopback address
	LiteFSPort int    // port of LiteFS's API, the same on both nodes
	Blog       string // absolute path of the binary that stands for `blog`
	// PrimaryAPI is where a replica reaches the candidate's LiteFS API to
	// replicate; default http://PrimaryIP:LiteFSPort. A delaying proxy
	// goes here.
	PrimaryAPI string
}

// NodeConfig is a node's litefs.yml and the folders it names.
type NodeConfig struct {
	YAML    []byte
	FUSEDir string // where the database is mounted
	DataDir string // LiteFS's own storage
}

// DeriveNodeConfig turns the deployed litefs.yml into one node's config
// for a cluster on loopback. Everything is kept — the exec steps, the
// folder layout, every other setting — except what cannot work off Fly:
//
//   - fuse.dir and data.dir move under spec.Root, keeping their paths;
//   - the Consul lease becomes a static one: the candidate holds it, and
//     both nodes advertise the candidate's LiteFS API. LiteFS v0.5's static
//     lease writes a replica's own lease.hostname into .primary, so both
//     nodes name the candidate's address there, where replicas forward
//     writes;
//   - LiteFS's API listens on the node's address;
//   - `blog` in exec becomes the binary under test.
//
// It fails when litefs.yml lacks what the blog's deployment relies on, so a
// broken file fails the cluster tests too.
func DeriveNodeConfig(base []byte, spec NodeSpec) (NodeConfig, error) {
	// As LiteFS will read it: a key it does not know is refused here.
	if _, err := deploy.ParseLiteFS(base, func(string) string { return "" }); err != nil {
		return NodeConfig{}, err
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(base, &cfg); err != nil {
		return NodeConfig{}, fmt.Errorf("parse %s: %w", deploy.LiteFSFile, err)
	}
	var out NodeConfig
	var err error
	if out.FUSEDir, err = rebase(cfg, "fuse", spec.Root); err != nil {
		return NodeConfig{}, err
	}
	if out.DataDir, err = rebase(cfg, "data", spec.Root); err != nil {
		return NodeConfig{}, err
	}

	port := strconv.Itoa(spec.LiteFSPort)
	http, _ := cfg["http"].(map[string]any)
	if http == nil {
		http = map[string]any{}
	}
	http["addr"] = net.JoinHostPort(spec.IP, port)
	cfg["http"] = http

	lease, ok := cfg["lease"].(map[string]any)
	if !ok {
		return NodeConfig{}, fmt.Errorf("%s has no lease section", deploy.LiteFSFile)
	}
	if lease["type"] == nil {
		return NodeConfig{}, fmt.Errorf("%s names no lease.type", deploy.LiteFSFile)
	}
	lease["type"] = "static"
	lease["candidate"] = spec.Candidate
	lease["hostname"] = spec.PrimaryIP
	lease["advertise-url"] = "http://" + net.JoinHostPort(spec.PrimaryIP, port)
	if spec.PrimaryAPI != "" && !spec.Candidate {
		lease["advertise-url"] = spec.PrimaryAPI
	}
	delete(lease, "consul")

	if err := replaceBlog(cfg, spec.Blog); err != nil {
		return NodeConfig{}, err
	}
	if out.YAML, err = yaml.Marshal(cfg); err != nil {
		return NodeConfig{}, err
	}
	return out, nil
}

// rebase moves section.dir under root and returns the new folder.
func rebase(cfg map[string]any, section, root string) (string, error) {
	m, _ := cfg[section].(map[string]any)
	dir, _ := m["dir"].(string)
	if dir == "" || !filepath.IsAbs(dir) {
		return "", fmt.Errorf("%s: %s.dir must be an absolute folder, got %q", deploy.LiteFSFile, section, dir)
	}
	m["dir"] = Rebase(root, dir)
	return m["dir"].(string), nil
}

// deployedDB returns BLOG_DB of fly.toml's [env]: where the blog opens its
// database on a machine.
func deployedDB(root string) (string, error) {
	var fly struct {
		Env map[string]string `toml:"env"`
	}
	if _, err := toml.DecodeFile(filepath.Join(root, deploy.FlyFile), &fly); err != nil {
		return "", fmt.Errorf("parse %s: %w", deploy.FlyFile, err)
	}
	if fly.Env["BLOG_DB"] == "" {
		return "", fmt.Errorf("%s sets no BLOG_DB in [env]", deploy.FlyFile)
	}
	return fly.Env["BLOG_DB"], nil
}

// Rebase returns where the machine's absolute path p lies under root.
func Rebase(root, p string) string {
	return filepath.Join(root, filepath.FromSlash(p))
}

// replaceBlog points every exec command that runs `blog` at the binary.
func replaceBlog(cfg map[string]any, binary string) error {
	var steps []any
	switch ex := cfg["exec"].(type) {
	case string: // exec: "cmd args"
		steps = []any{map[string]any{"cmd": ex}}
	case []any:
		steps = ex
	default:
		return fmt.Errorf("%s has no exec steps: nothing would start the blog", deploy.LiteFSFile)
	}
	ranBlog := false
	for i, s := range steps {
		step, ok := s.(map[string]any)
		cmd, _ := step["cmd"].(string)
		if !ok || cmd == "" {
			return fmt.Errorf("%s: exec step %d has no cmd", deploy.LiteFSFile, i+1)
		}
		// LiteFS splits the command into words itself.
		if rest, ok := strings.CutPrefix(cmd, "blog"); ok && (rest == "" || rest[0] == ' ') {
			step["cmd"] = shellQuote(binary) + rest
			ranBlog = true
		}
	}
	if !ranBlog {
		return fmt.Errorf("%s: no exec step runs blog", deploy.LiteFSFile)
	}
	cfg["exec"] = steps
	return nil
}

// shellQuote quotes a word for LiteFS's shell-like splitting of exec
// commands.
func shellQuote(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
