-- +goose Up

-- Which tags the import made to file the content under, as opposed to the
-- tags an admin made. When the content stops using a tag the import made
-- (the bundled posts replaced by one's own), the import removes it; a tag
-- an admin made, or renamed and so took over, is never removed by an
-- import. Tags stored before this migration are counted as the admin's:
-- nothing says otherwise, and keeping a tag is the safe mistake.
ALTER TABLE tags ADD COLUMN imported INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1));

-- +goose Down
ALTER TABLE tags DROP COLUMN imported;
