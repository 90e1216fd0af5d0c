package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// Health is a node's answer to GET /health.
type Health struct {
	Status  string `json:"status"`
	Role    string `json:"role"`
	Primary string `json:"primary"`
	TXID    string `json:"txid"`
	Reason  string `json:"reason"`
}

// Health asks the node's blog for its health.
func (n *Node) Health(t testing.TB, client *http.Client) (Health, int) {
	t.Helper()
	h, status, err := n.health(context.Background(), client)
	if err != nil {
		t.Fatalf("%s: %v", n.Name, err)
	}
	return h, status
}

func (n *Node) health(ctx context.Context, client *http.Client) (Health, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+"/health", nil)
	if err != nil {
		return Health{}, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return Health{}, 0, err
	}
	defer resp.Body.Close()
	var h Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return Health{}, resp.StatusCode, fmt.Errorf("/health: %w", err)
	}
	return h, resp.StatusCode, nil
}

// mustBeReady waits up to startTimeout for both nodes to serve in their
// roles, and otherwise ends the test with the last lines of their logs,
// which say why far better than a timeout does.
func (c *Cluster) mustBeReady(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := c.waitReady(ctx); err != nil {
		c.dumpLogs(t)
		t.Fatal(err)
	}
}

// waitReady waits until the primary's blog reports role primary and the
// replica's reports role replica with the primary's address.
func (c *Cluster) waitReady(ctx context.Context) error {
	if err := c.waitServing(ctx, c.Primary, "primary", ""); err != nil {
		return err
	}
	return c.waitServing(ctx, c.Replica, "replica", PrimaryIP)
}

// waitServing asks the node's /health every 100 ms until it answers 200 in
// role with primary. It gives up at once when LiteFS exits, since the blog
// it runs then never will serve.
func (c *Cluster) waitServing(ctx context.Context, n *Node, role, primary string) error {
	for {
		last := c.notServing(ctx, n, role, primary)
		if last == "" {
			return nil
		}
		select {
		case <-n.done:
			return fmt.Errorf("the %s's litefs exited (%v) before it served; last: %s", n.Name, n.err, last)
		case <-ctx.Done():
			return fmt.Errorf("the %s did not serve as %s within %s; last: %s", n.Name, role, startTimeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// notServing says why the node does not serve in role with primary yet,
// or "" when it does.
func (c *Cluster) notServing(ctx context.Context, n *Node, role, primary string) string {
	h, status, err := n.health(ctx, c.Client)
	switch {
	case err != nil:
		return err.Error()
	case status == http.StatusOK && h.Role == role && h.Primary == primary:
		return ""
	default:
		return fmt.Sprintf("/health answered %d %+v", status, h)
	}
}
