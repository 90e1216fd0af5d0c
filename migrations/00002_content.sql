-- +goose Up

-- Posts as imported from content/posts/*.md, stored already rendered so that
-- no node renders Markdown to serve a page. Drafts are never stored.
CREATE TABLE posts (
	id              INTEGER PRIMARY KEY,
	slug            TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 100),
	title           TEXT NOT NULL CHECK (length(title) >= 1),
	description     TEXT NOT NULL,  -- from the front matter, else the excerpt's text
	published_at    TEXT NOT NULL,  -- blog.TimeFormat, UTC
	html            TEXT NOT NULL,  -- the rendered body
	excerpt_html    TEXT NOT NULL,  -- the paragraphs before the first heading
	body_text       TEXT NOT NULL,  -- the body as plain text, for search
	toc             TEXT NOT NULL,  -- the table of contents, as JSON
	words           INTEGER NOT NULL,
	reading_minutes INTEGER NOT NULL,
	source          TEXT NOT NULL,  -- the file it was imported from
	hash            TEXT NOT NULL,  -- of the source and the renderer, to skip unchanged files
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL
);
CREATE INDEX posts_published_at ON posts (published_at DESC, id DESC);

CREATE TABLE post_tags (
	post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	PRIMARY KEY (post_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX post_tags_tag ON post_tags (tag_id, post_id);

-- Old addresses of posts; GET /{path} redirects to the post.
CREATE TABLE post_permalinks (
	path    TEXT PRIMARY KEY,
	post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX post_permalinks_post ON post_permalinks (post_id);

-- Projects as listed in content/projects.yaml, in the file's order.
CREATE TABLE projects (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
	url         TEXT NOT NULL,
	description TEXT NOT NULL,
	position    INTEGER NOT NULL,
	hash        TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);

CREATE TABLE project_tags (
	project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	PRIMARY KEY (project_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX project_tags_tag ON project_tags (tag_id, project_id);

-- Full-text search. Each index row has the rowid of its post or project and
-- carries the labels of its tags, so a search for a tag's label finds what
-- is filed under it. The triggers below keep the indexes in step with every
-- write, tag renames included, whichever node or code path makes it.
CREATE VIRTUAL TABLE posts_fts USING fts5 (
	title, description, body, tags,
	tokenize = 'porter unicode61'
);
CREATE VIRTUAL TABLE projects_fts USING fts5 (
	name, description, tags,
	tokenize = 'porter unicode61'
);

-- +goose StatementBegin
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
	INSERT INTO posts_fts (rowid, title, description, body, tags)
	VALUES (NEW.id, NEW.title, NEW.description, NEW.body_text,
		(SELECT coalesce(group_concat(t.label, ' '), '') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = NEW.id));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, description, body_text ON posts BEGIN
	UPDATE posts_fts SET title = NEW.title, description = NEW.description, body = NEW.body_text
	WHERE rowid = NEW.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
	DELETE FROM posts_fts WHERE rowid = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER post_tags_fts_insert AFTER INSERT ON post_tags BEGIN
	UPDATE posts_fts SET tags =
		(SELECT coalesce(group_concat(t.label, ' '), '') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = NEW.post_id)
	WHERE rowid = NEW.post_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER post_tags_fts_delete AFTER DELETE ON post_tags BEGIN
	UPDATE posts_fts SET tags =
		(SELECT coalesce(group_concat(t.label, ' '), '') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = OLD.post_id)
	WHERE rowid = OLD.post_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN
	INSERT INTO projects_fts (rowid, name, description, tags)
	VALUES (NEW.id, NEW.name, NEW.description,
		(SELECT coalesce(group_concat(t.label, ' '), '') FROM project_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.project_id = NEW.id));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER projects_fts_update AFTER UPDATE OF name, description ON projects BEGIN
	UPDATE projects_fts SET name = NEW.name, description = NEW.description
	WHERE rowid = NEW.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN
	DELETE FROM projects_fts WHERE rowid = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER project_tags_fts_insert AFTER INSERT ON project_tags BEGIN
	UPDATE projects_fts SET tags =
		(SELECT coalesce(group_concat(t.label, ' '), '') FROM project_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.project_id = NEW.project_id)
	WHERE rowid = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER project_tags_fts_delete AFTER DELETE ON project_tags BEGIN
	UPDATE projects_fts SET tags =
		(SELECT coalesce(group_concat(t.label, ' '), '') FROM project_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.project_id = OLD.project_id)
	WHERE rowid = OLD.project_id;
END;
-- +goose StatementEnd

-- A renamed tag is searched for by its new label.
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

-- When anything shown on the reading side last changed: the pages' and the
-- feed's Last-Modified. One row, bumped by every write to the content tables.
CREATE TABLE content_changes (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	changed_at TEXT NOT NULL
);
INSERT INTO content_changes (id, changed_at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

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

-- +goose Down
DROP TABLE content_changes;
DROP TABLE projects_fts;
DROP TABLE posts_fts;
DROP TABLE project_tags;
DROP TABLE projects;
DROP TABLE post_permalinks;
DROP TABLE post_tags;
DROP TABLE posts;
DROP TRIGGER tags_fts_rename;
DROP TRIGGER tags_changed_insert;
DROP TRIGGER tags_changed_update;
DROP TRIGGER tags_changed_delete;
