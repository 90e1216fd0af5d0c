// Package migrations holds the blog's schema as goose SQL migrations,
// embedded in the binary so that every node carries the schema it expects.
package migrations

import "embed"

// FS holds the numbered *.sql migrations.
//
//go:embed *.sql
var FS embed.FS
