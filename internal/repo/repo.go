// Package repo runs every write through one chain: before-middleware, the
// execution in a single transaction, after-middleware. A before-middleware
// may halt the chain with a result of its own, and then the execution never
// runs. Writes are named operations with JSON arguments, so a write can be
// carried to another node and run there unchanged. Reads are plain queries
// and never pass through here.
package repo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ncruces/go-sqlite3"

	"blog"
)

// Op is one write: the name of a registered operation, its arguments as
// JSON, and an optional idempotency key.
type Op struct {
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
	Key  string          `json:"key,omitempty"`
}

// Result is the outcome of an Op. Exactly one of Value and Err is set.
type Result struct {
	Value json.RawMessage // the execution's return value, as JSON
	Err   error           // an *blog.Error for outcomes a caller can act on

	// Replayed is true when the ledger answered with the outcome of an
	// earlier write that carried the same idempotency key.
	Replayed bool
	// HaltedBy names the before-middleware that answered instead of the
	// execution, "" when the execution ran.
	HaltedBy string
}

// Exec carries out an operation inside the write's transaction and returns
// a value that encodes as JSON.
type Exec func(ctx context.Context, tx *sql.Tx, args json.RawMessage) (any, error)

// Middleware runs around every write. Before may return a non-nil Result to
// halt the chain: the execution is skipped and that Result is what the
// caller and the After functions see. Before may also set op.Key. Either
// function may be nil.
type Middleware struct {
	Name   string
	Before func(ctx context.Context, op *Op) *Result
	After  func(ctx context.Context, op Op, res *Result)
}

// Repo holds the registered operations and the middleware chain.
type Repo struct {
	db  *sql.DB
	now func() time.Time

	// nextExpiry is when, in Unix nanoseconds, the ledger is next swept of
	// expired keys.
	nextExpiry atomic.Int64

	mu         sync.RWMutex
	ops        map[string]Exec
	middleware []Middleware
}

// New returns a Repo writing to db.
func New(db *sql.DB) *Repo {
	return &Repo{db: db, now: time.Now, ops: map[string]Exec{}}
}

// DB returns the database the repo writes to, for reads.
func (r *Repo) DB() *sql.DB { return r.db }

// Handle registers the execution of the operation called name.
func (r *Repo) Handle(name string, exec Exec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.ops[name]; dup {
		panic("repo: operation registered twice: " + name)
	}
	r.ops[name] = exec
}

// Use appends middleware to the chain. Before functions run in the order
// they were added; After functions run in reverse order, so the first
// middleware added wraps all the others.
func (r *Repo) Use(m ...Middleware) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.middleware = append(r.middleware, m...)
}

// Has reports whether an operation called name is registered.
func (r *Repo) Has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.ops[name]
	return ok
}

// Names returns the names of the operations registered, sorted.
func (r *Repo) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.ops))
}

// Do runs op through the whole chain. The idempotency key is taken from the
// context (see WithKey) when op.Key is empty.
func (r *Repo) Do(ctx context.Context, op Op) *Result {
	if op.Key == "" {
		op.Key = KeyFrom(ctx)
	}
	r.mu.RLock()
	chain := r.middleware
	r.mu.RUnlock()

	var res *Result
	ran := 0
	for _, m := range chain {
		ran++
		if m.Before == nil {
			continue
		}
		if res = m.Before(ctx, &op); res != nil {
			if res.HaltedBy == "" {
				res.HaltedBy = m.Name
			}
			break
		}
	}
	if res == nil {
		res = r.Execute(ctx, op)
	}
	for i := ran - 1; i >= 0; i-- {
		if a := chain[i].After; a != nil {
			a(ctx, op, res)
		}
	}
	return res
}

// Execute runs op's execution in one transaction, with the idempotency
// ledger read and written in that same transaction, skipping the
// middleware. It is the last link of the chain.
func (r *Repo) Execute(ctx context.Context, op Op) *Result {
	res := r.execute(ctx, op)
	if res.Err != nil && diskFull(res.Err) {
		// Refused as one that finds no primary is: nothing was written,
		// and it may succeed once there is room. The cause stays wrapped
		// for the log.
		res.Err = fmt.Errorf("%w (%w)", blog.Errorf(blog.EUNAVAILABLE,
			"The blog could not write to its disk, which may be full; nothing was written. Try again later."), res.Err)
	}
	return res
}

// diskFull reports whether err is SQLite failing to write to the disk:
// SQLITE_FULL, or, as the driver reports ENOSPC from a file write,
// SQLITE_IOERR_WRITE. Either way the transaction was rolled back.
func diskFull(err error) bool {
	return errors.Is(err, sqlite3.FULL) || errors.Is(err, sqlite3.IOERR_WRITE) ||
		errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

func (r *Repo) execute(ctx context.Context, op Op) *Result {
	r.mu.RLock()
	exec, ok := r.ops[op.Name]
	r.mu.RUnlock()
	if !ok {
		return &Result{Err: blog.Errorf(blog.EBADREQUEST, "Unknown operation %q.", op.Name)}
	}
	if len(op.Args) == 0 {
		op.Args = json.RawMessage("null")
	}
	if op.Key != "" {
		if err := ValidateKey(op.Key); err != nil {
			return &Result{Err: err}
		}
	}

	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return &Result{Err: fmt.Errorf("begin %s: %w", op.Name, err)}
	}
	defer tx.Rollback()

	hash := requestHash(op)
	if op.Key != "" {
		prior, err := lookup(ctx, tx, op.Key)
		if err != nil {
			return &Result{Err: err}
		}
		if prior != nil {
			if prior.hash != hash || prior.op != op.Name {
				return &Result{Err: blog.Errorf(blog.EINVALID,
					"Idempotency-Key %q was already used for a different request.", op.Key)}
			}
			return prior.result()
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT exec`); err != nil {
			return &Result{Err: err}
		}
	}

	v, execErr := exec(ctx, tx, op.Args)
	var value json.RawMessage
	if execErr == nil {
		if value, err = json.Marshal(v); err != nil {
			return &Result{Err: fmt.Errorf("encode result of %s: %w", op.Name, err)}
		}
	}
	switch {
	case execErr != nil && (op.Key == "" || !settled(execErr)):
		// Nothing was written: a retry may run it again.
		return &Result{Err: execErr}
	case execErr != nil:
		// A refusal the caller can act on is an outcome like any other:
		// undo the execution's writes and keep the refusal in the ledger.
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO exec`); err != nil {
			return &Result{Err: err}
		}
	}
	if op.Key != "" {
		now := r.now()
		if err := r.expireKeys(ctx, tx, now); err != nil {
			return &Result{Err: err}
		}
		if err := record(ctx, tx, op, hash, value, execErr, now); err != nil {
			return &Result{Err: err}
		}
	}
	if err := tx.Commit(); err != nil {
		return &Result{Err: fmt.Errorf("commit %s: %w", op.Name, err)}
	}
	if execErr != nil {
		return &Result{Err: execErr}
	}
	return &Result{Value: value}
}

// Call runs the operation name with args through r's chain and decodes the
// result into T.
func Call[T any](ctx context.Context, r *Repo, name string, args any) (T, error) {
	var out T
	raw, err := json.Marshal(args)
	if err != nil {
		return out, fmt.Errorf("encode arguments of %s: %w", name, err)
	}
	res := r.Do(ctx, Op{Name: name, Args: raw})
	if res.Err != nil {
		return out, res.Err
	}
	if len(res.Value) > 0 {
		if err := json.Unmarshal(res.Value, &out); err != nil {
			return out, fmt.Errorf("decode result of %s: %w", name, err)
		}
	}
	return out, nil
}

// settled reports whether err is a final answer about the request itself
// (invalid, conflict, not found) rather than a passing failure.
func settled(err error) bool {
	switch blog.ErrorCode(err) {
	case blog.EINVALID, blog.ECONFLICT, blog.ENOTFOUND, blog.EBADREQUEST:
		return true
	}
	return false
}
