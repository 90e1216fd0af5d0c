-- +goose Up

-- The content's images, converted at import (internal/assets) and stored
-- here so that LiteFS carries them to every node with the posts. One row per
-- image, by the name posts use: the file's base name without its extension.
CREATE TABLE assets (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
	source       TEXT NOT NULL,  -- the file it was imported from, such as assets/blog_1.png
	content_type TEXT NOT NULL,  -- image/webp, or image/svg+xml for SVG kept as it is
	data         BLOB NOT NULL,
	width        INTEGER NOT NULL CHECK (width >= 0),   -- 0: an SVG that states no size
	height       INTEGER NOT NULL CHECK (height >= 0),
	lqip         INTEGER CHECK (lqip BETWEEN -524288 AND 524287),  -- the 20-bit placeholder; NULL for none
	hash         TEXT NOT NULL,  -- of the source file and the conversion, to skip unchanged files
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL
);

-- +goose Down
DROP TABLE assets;
