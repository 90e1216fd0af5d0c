package repo_test

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkLedger runs the same write with and without an idempotency key on
// a database in a temp folder, where writing a page is cheap: the difference
// is the ledger's CPU (its statements), not its I/O.
//
//	go test -tags sqlite3_flock -run '^$' -bench Ledger ./internal/repo
func BenchmarkLedger(b *testing.B) {
	for _, keyed := range []bool{false, true} {
		b.Run(fmt.Sprintf("keyed=%v", keyed), func(b *testing.B) {
			r, _, _ := newRepo(b)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				key := ""
				if keyed {
					key = fmt.Sprintf("key-%d", i)
				}
				if res := r.Do(ctx, op(fmt.Sprintf("note %d", i), key)); res.Err != nil {
					b.Fatal(res.Err)
				}
				i++
			}
		})
	}
}
