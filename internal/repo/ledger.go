package repo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"blog"
)

// KeyTTL is how long the ledger keeps an idempotency key.
const KeyTTL = 24 * time.Hour

type keyCtx struct{}

// WithKey returns a context carrying an idempotency key for the writes made
// with it.
func WithKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, keyCtx{}, key)
}

// KeyFrom returns the idempotency key carried by ctx, or "".
func KeyFrom(ctx context.Context) string {
	k, _ := ctx.Value(keyCtx{}).(string)
	return k
}

// MaxKey is the longest idempotency key, in bytes.
const MaxKey = 255

// ValidateKey checks an idempotency key: 1 to MaxKey visible ASCII
// characters, '!' to '~'. Nothing else: bytes that are not UTF-8 would be
// replaced on the way to the primary, and two different keys could become
// one there.
func ValidateKey(key string) error {
	ok := len(key) >= 1 && len(key) <= MaxKey
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] >= '!' && key[i] <= '~'
	}
	if !ok {
		return blog.Errorf(blog.EINVALID,
			"Idempotency-Key must be 1 to %d visible ASCII characters (! to ~, no spaces).", MaxKey)
	}
	return nil
}

// requestHash identifies a request so that a key reused for another one is
// recognised.
func requestHash(op Op) string {
	h := sha256.New()
	h.Write([]byte(op.Name))
	h.Write([]byte{0})
	h.Write(compactJSON(op.Args))
	return hex.EncodeToString(h.Sum(nil))
}

func compactJSON(raw json.RawMessage) []byte {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return raw
	}
	b, _ := json.Marshal(v) // map keys come out sorted
	return b
}

type entry struct {
	op, hash                   string
	value                      sql.NullString
	errCode, errMessage, field sql.NullString
}

func (e *entry) result() *Result {
	res := &Result{Replayed: true}
	if e.errCode.Valid {
		res.Err = &blog.Error{Code: e.errCode.String, Message: e.errMessage.String, Field: e.field.String}
		return res
	}
	res.Value = json.RawMessage(e.value.String)
	return res
}

func lookup(ctx context.Context, tx *sql.Tx, key string) (*entry, error) {
	var e entry
	err := tx.QueryRowContext(ctx, `
		SELECT op, request_hash, value, error_code, error_message, error_field
		FROM idempotency_keys WHERE key = ?`, key).
		Scan(&e.op, &e.hash, &e.value, &e.errCode, &e.errMessage, &e.field)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency ledger: %w", err)
	}
	return &e, nil
}

// expiryEvery is how often the ledger is swept of keys past KeyTTL. Keys
// are kept at least KeyTTL and at most KeyTTL plus this.
const expiryEvery = 10 * time.Minute

// expireKeys forgets keys past their lifetime, at most once per expiryEvery,
// inside a keyed write, which holds the write lock anyway.
func (r *Repo) expireKeys(ctx context.Context, tx *sql.Tx, now time.Time) error {
	next := r.nextExpiry.Load()
	if now.UnixNano() < next || !r.nextExpiry.CompareAndSwap(next, now.Add(expiryEvery).UnixNano()) {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`,
		now.Add(-KeyTTL).UTC().Format(blog.TimeFormat)); err != nil {
		r.nextExpiry.Store(next)
		return fmt.Errorf("expire idempotency keys: %w", err)
	}
	return nil
}

func record(ctx context.Context, tx *sql.Tx, op Op, hash string, value json.RawMessage, execErr error, now time.Time) error {
	var val, code, msg, field any
	if execErr != nil {
		var be *blog.Error
		errors.As(execErr, &be)
		code, msg = be.Code, be.Message
		if be.Field != "" {
			field = be.Field
		}
	} else {
		val = string(value)
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO idempotency_keys (key, op, request_hash, value, error_code, error_message, error_field, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		op.Key, op.Name, hash, val, code, msg, field, now.UTC().Format(blog.TimeFormat))
	if err != nil {
		return fmt.Errorf("record idempotency key: %w", err)
	}
	return nil
}

// CountKeys counts the idempotency keys the ledger holds, inside the
// caller's transaction so that it agrees with the other tables counted
// there (`blog check`). Every node holds the same keys: the primary writes
// and expires them, and LiteFS copies the table like any other.
func CountKeys(ctx context.Context, tx *sql.Tx) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM idempotency_keys`).Scan(&n)
	return n, err
}
