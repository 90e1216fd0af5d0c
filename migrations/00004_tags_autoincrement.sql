-- +goose NO TRANSACTION
-- +goose Up

-- A tag's id is in its address (/tags/{id}, /api/tags/{id}). Without
-- AUTOINCREMENT SQLite gives a new tag the id of the highest one deleted,
-- so an old link would name a different tag. SQLite cannot add
-- AUTOINCREMENT to a table, so tags is rebuilt with its rows.
--
-- Foreign keys are off for the rebuild, since dropping tags with them on
-- would delete every post_tags and project_tags row by cascade; the pragma
-- works only outside a transaction, hence NO TRANSACTION and the explicit
-- one below (goose runs this file on one connection). legacy_alter_table
-- keeps the final rename from checking the triggers of posts and projects,
-- whose bodies name tags and would not parse while it is missing; they name
-- the rebuilt table by the same name afterwards. The index and the
-- triggers on tags itself go with the old table and are made again.
PRAGMA foreign_keys = OFF;
PRAGMA legacy_alter_table = ON;
BEGIN IMMEDIATE;

CREATE TABLE tags_rebuilt (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	label      TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 64),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
INSERT INTO tags_rebuilt (id, label, created_at, updated_at)
	SELECT id, label, created_at, updated_at FROM tags ORDER BY id;
DROP TABLE tags;
ALTER TABLE tags_rebuilt RENAME TO tags;

CREATE UNIQUE INDEX tags_label ON tags (label COLLATE NOCASE);

-- +goose StatementBegin
CREATE TRIGGER tags_fts_rename AFTER UPDATE OF label ON tags BEGIN
	UPDATE posts_fts SET tags =
		(SELECT coalesce(group_concat(t.label, ' '), '') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = posts_fts.rowid)
	WHERE rowid IN (SELECT post_id FROM post_tags WHERE tag_id = NEW.id);
	UPDATE projects_fts SET tags =
		(SELECT coalesce(group_concat(t.label, ' '), '') FROM project_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.project_id = projects_fts.rowid)
	WHERE rowid IN (SELECT project_id FROM project_tags WHERE tag_id = NEW.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_changed_insert AFTER INSERT ON tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_changed_update AFTER UPDATE ON tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_changed_delete AFTER DELETE ON tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd

COMMIT;
PRAGMA legacy_alter_table = OFF;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
PRAGMA legacy_alter_table = ON;
BEGIN IMMEDIATE;

CREATE TABLE tags_rebuilt (
	id         INTEGER PRIMARY KEY,
	label      TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 64),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
INSERT INTO tags_rebuilt (id, label, created_at, updated_at)
	SELECT id, label, created_at, updated_at FROM tags ORDER BY id;
DROP TABLE tags;
ALTER TABLE tags_rebuilt RENAME TO tags;
DELETE FROM sqlite_sequence WHERE name = 'tags';

CREATE UNIQUE INDEX tags_label ON tags (label COLLATE NOCASE);

-- +goose StatementBegin
CREATE TRIGGER tags_fts_rename AFTER UPDATE OF label ON tags BEGIN
	UPDATE posts_fts SET tags =
		(SELECT coalesce(group_concat(t.label, ' '), '') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = posts_fts.rowid)
	WHERE rowid IN (SELECT post_id FROM post_tags WHERE tag_id = NEW.id);
	UPDATE projects_fts SET tags =
		(SELECT coalesce(group_concat(t.label, ' '), '') FROM project_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.project_id = projects_fts.rowid)
	WHERE rowid IN (SELECT project_id FROM project_tags WHERE tag_id = NEW.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_changed_insert AFTER INSERT ON tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_changed_update AFTER UPDATE ON tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_changed_delete AFTER DELETE ON tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd

COMMIT;
PRAGMA legacy_alter_table = OFF;
PRAGMA foreign_keys = ON;
