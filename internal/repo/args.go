package repo

import (
	"context"
	"database/sql"
	"encoding/json"

	"blog"
)

// Typed adapts an execution that takes its arguments as a T into an Exec,
// so every operation decodes its JSON arguments the same way: arguments
// that do not decode are the caller's mistake, answered bad_request. The
// execution still checks what it is given, since the arguments may come
// from another node.
func Typed[T any](exec func(ctx context.Context, tx *sql.Tx, args T) (any, error)) Exec {
	return func(ctx context.Context, tx *sql.Tx, raw json.RawMessage) (any, error) {
		var args T
		if err := json.Unmarshal(raw, &args); err != nil {
			return nil, blog.Errorf(blog.EBADREQUEST, "Malformed arguments: %v", err)
		}
		return exec(ctx, tx, args)
	}
}
