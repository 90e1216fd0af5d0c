-- +goose Up

-- The version of everything the pages show: a counter that every write to
-- posts, projects, tags or the tables linking them moves on by one, in the
-- write's own transaction. Unlike changed_at, whose milliseconds two writes
-- can share, it is exact, so a node can keep pages it rendered and tell with
-- one read of this row whether they are still current, whichever process
-- or node made the write (on a LiteFS replica, writes arrive by replication).
ALTER TABLE content_changes ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- The triggers of 00002 bumped changed_at only, and only for posts,
-- projects and tags; these bump both, for the link tables too.
DROP TRIGGER posts_changed_insert;
DROP TRIGGER posts_changed_update;
DROP TRIGGER posts_changed_delete;
DROP TRIGGER projects_changed_insert;
DROP TRIGGER projects_changed_update;
DROP TRIGGER projects_changed_delete;
DROP TRIGGER tags_changed_insert;
DROP TRIGGER tags_changed_update;
DROP TRIGGER tags_changed_delete;
-- +goose StatementBegin
CREATE TRIGGER posts_changed_insert AFTER INSERT ON posts BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER posts_changed_update AFTER UPDATE ON posts BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER posts_changed_delete AFTER DELETE ON posts BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER post_tags_changed_insert AFTER INSERT ON post_tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER post_tags_changed_update AFTER UPDATE ON post_tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER post_tags_changed_delete AFTER DELETE ON post_tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER post_permalinks_changed_insert AFTER INSERT ON post_permalinks BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER post_permalinks_changed_update AFTER UPDATE ON post_permalinks BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER post_permalinks_changed_delete AFTER DELETE ON post_permalinks BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER projects_changed_insert AFTER INSERT ON projects BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER projects_changed_update AFTER UPDATE ON projects BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER projects_changed_delete AFTER DELETE ON projects BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER project_tags_changed_insert AFTER INSERT ON project_tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER project_tags_changed_update AFTER UPDATE ON project_tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER project_tags_changed_delete AFTER DELETE ON project_tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1;
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

-- +goose Down
DROP TRIGGER posts_changed_insert;
DROP TRIGGER posts_changed_update;
DROP TRIGGER posts_changed_delete;
DROP TRIGGER post_tags_changed_insert;
DROP TRIGGER post_tags_changed_update;
DROP TRIGGER post_tags_changed_delete;
DROP TRIGGER post_permalinks_changed_insert;
DROP TRIGGER post_permalinks_changed_update;
DROP TRIGGER post_permalinks_changed_delete;
DROP TRIGGER projects_changed_insert;
DROP TRIGGER projects_changed_update;
DROP TRIGGER projects_changed_delete;
DROP TRIGGER project_tags_changed_insert;
DROP TRIGGER project_tags_changed_update;
DROP TRIGGER project_tags_changed_delete;
DROP TRIGGER tags_changed_insert;
DROP TRIGGER tags_changed_update;
DROP TRIGGER tags_changed_delete;
-- +goose StatementBegin
CREATE TRIGGER posts_changed_insert AFTER INSERT ON posts BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER posts_changed_update AFTER UPDATE ON posts BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER posts_changed_delete AFTER DELETE ON posts BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER projects_changed_insert AFTER INSERT ON projects BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER projects_changed_update AFTER UPDATE ON projects BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER projects_changed_delete AFTER DELETE ON projects BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_changed_insert AFTER INSERT ON tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_changed_update AFTER UPDATE ON tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_changed_delete AFTER DELETE ON tags BEGIN
	UPDATE content_changes SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;
-- +goose StatementEnd
ALTER TABLE content_changes DROP COLUMN version;
