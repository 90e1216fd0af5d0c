package importer_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"blog/internal/assets/assetstest"
	"blog/internal/importer"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
)

// BenchmarkImportPhotographs imports a content folder of 20 photographs of
// 4000×3000 (JPEG, quality 90, drawn by the benchmark and written to disk
// first) into a fresh database through the write chain, and reports the
// time, the process's peak resident memory during the import (the kernel's
// high-water mark, reset just before), and the bytes of the files against
// the bytes stored. It fails when the peak reaches 256 MiB, a Fly
// machine's default memory. Run with -benchtime=1x: one import is a minute.
func BenchmarkImportPhotographs(b *testing.B) {
	const photos, maxPeak = 20, 256 << 20
	dir := b.TempDir()
	var in int64
	for i := range photos {
		p := filepath.Join(dir, "assets", fmt.Sprintf("photo_%02d.jpg", i))
		data := assetstest.Photo(b, 4000, 3000, uint64(i+1))
		in += int64(len(data))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	post := "---\ntitle: Photographs\nslug: photographs\npublished_at: 2026-05-01\n---\n"
	for i := range photos {
		post += fmt.Sprintf("![Photograph %d](../assets/photo_%02d.jpg)\n\n", i, i)
	}
	if err := os.MkdirAll(filepath.Join(dir, "posts"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "posts", "photographs.md"), []byte(post), 0o644); err != nil {
		b.Fatal(err)
	}

	var peak uint64
	var elapsed time.Duration
	var out int64
	for b.Loop() {
		b.StopTimer()
		r := repo.New(sqlitetest.Open(b))
		importer.Register(r)
		runtime.GC()
		debug.FreeOSMemory()
		resetPeakRSS()
		b.StartTimer()
		start := time.Now()
		rep, err := importer.Run(context.Background(), r, os.DirFS(dir))
		elapsed += time.Since(start)
		b.StopTimer()
		peak = max(peak, peakRSS())
		if err != nil {
			b.Fatal(err)
		}
		if rep.Assets.Created != photos {
			b.Fatalf("import = %v, want %d images created", rep, photos)
		}
		if err := r.DB().QueryRow(`SELECT sum(length(data)) FROM assets`).Scan(&out); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	b.ReportMetric(float64(in)/(1<<20), "MiB-in")
	b.ReportMetric(float64(out)/(1<<20), "MiB-stored")
	b.ReportMetric(elapsed.Seconds()/float64(b.N)/photos, "s/photo")
	if peak >= maxPeak {
		b.Errorf("peak resident memory %.0f MiB, want under %d MiB", float64(peak)/(1<<20), maxPeak>>20)
	}
}

// resetPeakRSS starts a new high-water mark of the resident set (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS reads the resident set's high-water mark, VmHWM, in bytes.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
