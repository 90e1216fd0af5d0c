-- +goose Up

-- Posts in the original Blog's format: drafts are stored, to be shown to
-- the admin only (never listed, searched, fed or filed under a tag), and
-- the front matter's description is Markdown, kept rendered beside the
-- plain text that meta tags and the feed's summary use.
ALTER TABLE posts ADD COLUMN is_draft INTEGER NOT NULL DEFAULT 0 CHECK (is_draft IN (0, 1));
ALTER TABLE posts ADD COLUMN description_html TEXT NOT NULL DEFAULT '';
CREATE INDEX posts_published ON posts (is_draft, published_at DESC, id DESC);

-- +goose Down
DROP INDEX posts_published;
ALTER TABLE posts DROP COLUMN description_html;
ALTER TABLE posts DROP COLUMN is_draft;
