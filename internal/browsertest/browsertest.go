// Package browsertest starts headless Chromium for the blog's browser tests
// and saves what the browser saw, so a test checks pages the way a reader
// sees them.
package browsertest

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Chromium finds the browser: $CHROMIUM, else chromium on the PATH.
func Chromium() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// New starts a fresh headless Chromium for t and returns a context to drive
// it. Without Chromium the test is skipped, except under CI, where the test
// command installs it and its absence is a failure.
func New(t *testing.T) context.Context {
	t.Helper()
	path, err := Chromium()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; scripts/test installs it")
		}
		t.Skip("chromium is not installed; scripts/test installs it")
	}
	// A profile and a temporary folder of its own, both removed when the
	// test ends: Chromium, killed rather than closed, leaves its
	// org.chromium.Chromium.* folders in TMPDIR. The name is short, as
	// Chromium puts a socket in there, and a socket's path has at most
	// 107 bytes.
	scratch, err := os.MkdirTemp("", "chromium-")
	if err != nil {
		t.Fatal(err)
	}
	// Registered before the browser's cleanup, so it runs after it.
	t.Cleanup(func() {
		if err := os.RemoveAll(scratch); err != nil {
			t.Errorf("remove Chromium's folders: %v", err)
		}
	})
	profile, tmp := filepath.Join(scratch, "profile"), filepath.Join(scratch, "tmp")
	for _, dir := range []string{profile, tmp} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Env("TMPDIR=" + tmp),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1200, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first action starts the browser and must run without a deadline:
	// the browser lives as long as that call's context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// Later actions share one bound, so a hung page fails the test.
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTime)
	return ctx
}

// BasicAuth makes every later request of the browser carry the credentials.
func BasicAuth(ctx context.Context, user, password string) error {
	token := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders,
		network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Basic " + token}})
	return err
}

// Screenshot saves a full-page PNG (quality 100 gives PNG) named name in the test's output folder
// and returns its path.
func Screenshot(ctx context.Context, t *testing.T, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(OutputDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// OutputDir is where a test keeps what it saves: $BLOG_TEST_OUTPUT/<test>
// when set (scripts/test sets it), else the test's artifact folder.
func OutputDir(t *testing.T) string {
	t.Helper()
	if root := os.Getenv("BLOG_TEST_OUTPUT"); root != "" {
		dir := filepath.Join(root, filepath.Base(t.Name()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.ArtifactDir()
}
