-- +goose Up
CREATE TABLE tags (
	id         INTEGER PRIMARY KEY,
	label      TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 64),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
-- Uniqueness ignoring case; internal/tags also compares non-ASCII labels
-- case-insensitively, which NOCASE does not.
CREATE UNIQUE INDEX tags_label ON tags (label COLLATE NOCASE);

-- The ledger of idempotency keys: every write that carried a key records its
-- outcome here in the write's own transaction, so a repeat is answered from
-- the ledger instead of running again.
-- WITHOUT ROWID and no second index keep a keyed write to one more B-tree;
-- expired keys are found by a scan that runs once in a while.
CREATE TABLE idempotency_keys (
	key           TEXT PRIMARY KEY,
	op            TEXT NOT NULL,
	request_hash  TEXT NOT NULL,
	value         TEXT,
	error_code    TEXT,
	error_message TEXT,
	error_field   TEXT,
	created_at    TEXT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE tags;
