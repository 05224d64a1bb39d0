-- 0021: a stamp that changes with every write the browser's orderings depend on
-- (issue 17, docs/scale.md). The TUI keeps All tracks' orders (the ids sorted by
-- each column, archiver/catalog/orders.py) in files beside its cache, each
-- tagged with the stamp it was read at; a file whose stamp is not the catalog's
-- is read again. The triggers catch every writer (the scanner, moves, tag
-- edits, enrichment, direct inserts such as benchmarks/synth_catalog.py): an
-- insert or delete of files, tags or matches, or an update of a column that
-- sorts or picks the rows (updates that leave those columns equal do not
-- count). `random()` rather than a counter, so that two copies of one catalog
-- that each changed are never taken for one another.
CREATE TABLE catalog_stamp (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    stamp INTEGER NOT NULL
);
INSERT INTO catalog_stamp (id, stamp) VALUES (0, random());

CREATE TRIGGER catalog_stamp_files_insert AFTER INSERT ON files BEGIN
    UPDATE catalog_stamp SET stamp = random();
END;
CREATE TRIGGER catalog_stamp_files_delete AFTER DELETE ON files BEGIN
    UPDATE catalog_stamp SET stamp = random();
END;
CREATE TRIGGER catalog_stamp_files_update AFTER UPDATE OF id, path, format, duration, size, missing ON files
WHEN old.id IS NOT new.id OR old.path IS NOT new.path OR old.format IS NOT new.format
  OR old.duration IS NOT new.duration OR old.size IS NOT new.size OR old.missing IS NOT new.missing
BEGIN
    UPDATE catalog_stamp SET stamp = random();
END;

CREATE TRIGGER catalog_stamp_tags_insert AFTER INSERT ON tags BEGIN
    UPDATE catalog_stamp SET stamp = random();
END;
CREATE TRIGGER catalog_stamp_tags_delete AFTER DELETE ON tags BEGIN
    UPDATE catalog_stamp SET stamp = random();
END;
CREATE TRIGGER catalog_stamp_tags_update AFTER UPDATE OF
    file_id, artist, albumartist, album, discnumber, tracknumber, title, year, genre ON tags
WHEN old.file_id IS NOT new.file_id OR old.artist IS NOT new.artist
  OR old.albumartist IS NOT new.albumartist OR old.album IS NOT new.album
  OR old.discnumber IS NOT new.discnumber OR old.tracknumber IS NOT new.tracknumber
  OR old.title IS NOT new.title OR old.year IS NOT new.year OR old.genre IS NOT new.genre
BEGIN
    UPDATE catalog_stamp SET stamp = random();
END;

CREATE TRIGGER catalog_stamp_matches_insert AFTER INSERT ON matches BEGIN
    UPDATE catalog_stamp SET stamp = random();
END;
CREATE TRIGGER catalog_stamp_matches_delete AFTER DELETE ON matches BEGIN
    UPDATE catalog_stamp SET stamp = random();
END;
CREATE TRIGGER catalog_stamp_matches_update AFTER UPDATE OF file_id, status ON matches
WHEN old.file_id IS NOT new.file_id OR old.status IS NOT new.status
BEGIN
    UPDATE catalog_stamp SET stamp = random();
END;
