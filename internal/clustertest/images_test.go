package clustertest

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"blog/internal/assets/assetstest"
)

// An image added to the primary's content is imported there, carried by
// LiteFS to the replica, and served by the replica from its own copy; the
// assets table counts the same on both nodes.
func TestImageAddedOnPrimaryServedByReplica(t *testing.T) {
	c := Start(t, Options{})

	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"posts/harbour.md": []byte("---\ntitle: The harbour\nslug: harbour\npublished_at: 2026-04-01\n---\n" +
			"![Boats in the harbour](../assets/harbour.jpg)\n"),
		"assets/harbour.jpg": assetstest.Photo(t, 2000, 1200, 5),
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The primary imports its content when it starts.
	c.Primary.Stop(t)
	c.Primary.env["BLOG_CONTENT"] = dir
	c.Primary.Restart(t, c)

	fromPrimary := c.getImage(t, c.Primary, "/assets/images/harbour")
	var fromReplica []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := c.fetch(t, c.Replica.URL+"/assets/images/harbour.jpg")
		if status == http.StatusOK {
			fromReplica = body
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica still answers %d for the image 10 s after the primary imported it", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !bytes.Equal(fromPrimary, fromReplica) || !bytes.HasPrefix(fromReplica, []byte("RIFF")) {
		t.Errorf("the replica serves %d bytes, the primary %d; want the same WebP", len(fromReplica), len(fromPrimary))
	}
	if _, body := c.fetch(t, c.Replica.URL+"/posts/harbour"); !bytes.Contains(body, []byte(`width="1600" height="960"`)) {
		t.Errorf("the replica's page does not size the image:\n%s", body)
	}

	count := func(n *Node) string {
		return strings.TrimSpace(n.Query(t, "SELECT count(*) FROM assets"))
	}
	deadline = time.Now().Add(5 * time.Second)
	for count(c.Replica) != count(c.Primary) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// The bundled diagram was removed with the bundled posts: one image.
	if p, r := count(c.Primary), count(c.Replica); p != "1" || r != "1" {
		t.Errorf("sqlite3 counts %s assets on the primary and %s on the replica, want 1 on both", p, r)
	}
	requireNoWriteErrors(t, c.Replica)
}

func (c *Cluster) getImage(t *testing.T, n *Node, path string) []byte {
	t.Helper()
	status, body := c.fetch(t, n.URL+path)
	if status != http.StatusOK {
		t.Fatalf("GET %s on the %s = %d: %s", path, n.Name, status, body)
	}
	return body
}

func (c *Cluster) fetch(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := c.Client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}
