package clustertest

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"blog/deploy"
)

func deployedLiteFS(t *testing.T) []byte {
	t.Helper()
	root, err := deploy.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, deploy.LiteFSFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var testSpec = NodeSpec{
	IP: ReplicaIP, Root: "/tmp/cluster/replica", Candidate: false,
	PrimaryIP: PrimaryIP, LiteFSPort: 20202, Blog: "/tmp/build/blog",
}

// The node's config is litefs.yml with only what cannot work off Fly
// changed, and LiteFS's own reading of it agrees.
func TestDeriveNodeConfig(t *testing.T) {
	base := deployedLiteFS(t)
	cfg, err := DeriveNodeConfig(base, testSpec)
	if err != nil {
		t.Fatal(err)
	}
	// Read as LiteFS reads it, refusing keys it does not know.
	noEnv := func(string) string { return "" }
	got, err := deploy.ParseLiteFS(cfg.YAML, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	want, err := deploy.ParseLiteFS(base, func(name string) string {
		return map[string]string{"FLY_REGION": "ams", "PRIMARY_REGION": "ams"}[name]
	})
	if err != nil {
		t.Fatal(err)
	}

	if got.FUSE.Dir != "/tmp/cluster/replica"+want.FUSE.Dir || cfg.FUSEDir != got.FUSE.Dir {
		t.Errorf("fuse.dir %q (reported %q), want %q under the node's root", got.FUSE.Dir, cfg.FUSEDir, want.FUSE.Dir)
	}
	if got.Data.Dir != "/tmp/cluster/replica"+want.Data.Dir || cfg.DataDir != got.Data.Dir {
		t.Errorf("data.dir %q (reported %q), want %q under the node's root", got.Data.Dir, cfg.DataDir, want.Data.Dir)
	}
	if got.HTTP.Addr != ReplicaIP+":20202" {
		t.Errorf("http.addr %q, want the node's address", got.HTTP.Addr)
	}
	l := got.Lease
	if l.Type != "static" || l.Candidate || l.Hostname != PrimaryIP || l.AdvertiseURL != "http://"+PrimaryIP+":20202" {
		t.Errorf("lease %+v, want static, not a candidate, naming the primary", l)
	}
	if l.Promote != want.Lease.Promote {
		t.Errorf("lease.promote %v, want it kept: %v", l.Promote, want.Lease.Promote)
	}
	if bytes.Contains(cfg.YAML, []byte("consul")) {
		t.Errorf("the node's config still mentions consul:\n%s", cfg.YAML)
	}
	if len(got.Exec) != len(want.Exec) {
		t.Fatalf("exec has %d steps, want the %d of litefs.yml", len(got.Exec), len(want.Exec))
	}
	for i, e := range got.Exec {
		w := want.Exec[i]
		if e.IfCandidate != w.IfCandidate || e.Cmd != strings.Replace(w.Cmd, "blog", testSpec.Blog, 1) {
			t.Errorf("exec step %d is %+v, want %+v with blog at %s", i+1, e, w, testSpec.Blog)
		}
	}
	if !reflect.DeepEqual(got.Proxy, want.Proxy) {
		t.Errorf("proxy section %+v, want as in litefs.yml: %+v", got.Proxy, want.Proxy)
	}

	cand, err := DeriveNodeConfig(base, NodeSpec{IP: PrimaryIP, Root: "/tmp/cluster/primary", Candidate: true,
		PrimaryIP: PrimaryIP, LiteFSPort: 20202, Blog: "/tmp/build/blog"})
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Lease struct{ Candidate bool } `yaml:"lease"`
	}
	if err := yaml.Unmarshal(cand.YAML, &c); err != nil || !c.Lease.Candidate {
		t.Errorf("the candidate's lease.candidate is not true (%v)", err)
	}
}

// A litefs.yml the cluster could not run from is refused.
func TestDeriveNodeConfigRefusesBrokenFiles(t *testing.T) {
	base := string(deployedLiteFS(t))
	breaks := []struct{ name, old, new string }{
		{"no blog in exec", `cmd: "blog`, `cmd: "true`},
		{"no exec", "exec:", "unused-exec:"},
		{"relative fuse dir", `dir: "/litefs"`, `dir: "litefs"`},
		{"no data dir", `dir: "/var/lib/litefs"`, `dir: ""`},
		{"unknown key", "promote: true", "promote: true\n  elect: true"},
		{"no lease type", `  type: "consul"` + "\n", ""},
	}
	for _, br := range breaks {
		t.Run(br.name, func(t *testing.T) {
			if !strings.Contains(base, br.old) {
				t.Fatalf("litefs.yml no longer contains %q; update this test", br.old)
			}
			broken := strings.ReplaceAll(base, br.old, br.new)
			if _, err := DeriveNodeConfig([]byte(broken), testSpec); err == nil {
				t.Errorf("litefs.yml with %q → %q: derived a config, want an error", br.old, br.new)
			} else {
				t.Log(err)
			}
		})
	}
}
