-- 0025: the files each stamp change touched (issue 17, docs/scale.md). Migration
-- 0021's stamp says that a kept order of All tracks is stale, not which rows
-- moved; at a million tracks reading an order again from SQLite takes seconds,
-- while a rescan that added three files moved three rows. The triggers of 0021
-- are made again here so that, in the same firing that gives the stamp a new
-- value, they append the file id (both ids when an update changes it) and the
-- new stamp to `catalog_changes`. A kept order records the stamp and the last
-- `seq` it was read at; while that row is still in the log with that stamp, the
-- rows after it name every file whose row of All tracks may have moved, come or
-- gone since (archiver/catalog/orders.py patches the order: those ids out, then
-- each put back where SQLite's ORDER BY places it). The log keeps its last
-- 100,000 rows: after each row it may append, a trigger deletes the rows more
-- than 100,000 behind the last when the last seq is a multiple of 1,024 (else the
-- DELETE looks up an empty range: two seeks; a trigger of its own on
-- catalog_changes cost about twice as much per write). An order older than that
-- is read again.
CREATE TABLE catalog_changes (
    seq INTEGER PRIMARY KEY,
    file_id INTEGER,          -- NULL: the row this migration starts the log with
    stamp INTEGER NOT NULL    -- catalog_stamp.stamp after this change
);
UPDATE catalog_stamp SET stamp = random();
INSERT INTO catalog_changes (file_id, stamp) SELECT NULL, stamp FROM catalog_stamp;

DROP TRIGGER catalog_stamp_files_insert;
DROP TRIGGER catalog_stamp_files_delete;
DROP TRIGGER catalog_stamp_files_update;
DROP TRIGGER catalog_stamp_tags_insert;
DROP TRIGGER catalog_stamp_tags_delete;
DROP TRIGGER catalog_stamp_tags_update;
DROP TRIGGER catalog_stamp_matches_insert;
DROP TRIGGER catalog_stamp_matches_delete;
DROP TRIGGER catalog_stamp_matches_update;

-- An INSERT OR REPLACE that takes an existing path deletes that row without a
-- delete trigger (unless recursive triggers are on): its id is logged first.
CREATE TRIGGER catalog_changes_files_replace BEFORE INSERT ON files BEGIN
    INSERT INTO catalog_changes (file_id, stamp)
        SELECT id, (SELECT stamp FROM catalog_stamp) FROM files WHERE path_bytes = new.path_bytes;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
END;
CREATE TRIGGER catalog_stamp_files_insert AFTER INSERT ON files BEGIN
    UPDATE catalog_stamp SET stamp = random();
    INSERT INTO catalog_changes (file_id, stamp) SELECT new.id, stamp FROM catalog_stamp;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
END;
CREATE TRIGGER catalog_stamp_files_delete AFTER DELETE ON files BEGIN
    UPDATE catalog_stamp SET stamp = random();
    INSERT INTO catalog_changes (file_id, stamp) SELECT old.id, stamp FROM catalog_stamp;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
END;
CREATE TRIGGER catalog_stamp_files_update AFTER UPDATE OF id, path, format, duration, size, missing ON files
WHEN old.id IS NOT new.id OR old.path IS NOT new.path OR old.format IS NOT new.format
  OR old.duration IS NOT new.duration OR old.size IS NOT new.size OR old.missing IS NOT new.missing
BEGIN
    UPDATE catalog_stamp SET stamp = random();
    INSERT INTO catalog_changes (file_id, stamp)
        SELECT old.id, stamp FROM catalog_stamp WHERE old.id IS NOT new.id;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
    INSERT INTO catalog_changes (file_id, stamp) SELECT new.id, stamp FROM catalog_stamp;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
END;

CREATE TRIGGER catalog_stamp_tags_insert AFTER INSERT ON tags BEGIN
    UPDATE catalog_stamp SET stamp = random();
    INSERT INTO catalog_changes (file_id, stamp) SELECT new.file_id, stamp FROM catalog_stamp;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
END;
CREATE TRIGGER catalog_stamp_tags_delete AFTER DELETE ON tags BEGIN
    UPDATE catalog_stamp SET stamp = random();
    INSERT INTO catalog_changes (file_id, stamp) SELECT old.file_id, stamp FROM catalog_stamp;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
END;
CREATE TRIGGER catalog_stamp_tags_update AFTER UPDATE OF
    file_id, artist, albumartist, album, discnumber, tracknumber, title, year, genre ON tags
WHEN old.file_id IS NOT new.file_id OR old.artist IS NOT new.artist
  OR old.albumartist IS NOT new.albumartist OR old.album IS NOT new.album
  OR old.discnumber IS NOT new.discnumber OR old.tracknumber IS NOT new.tracknumber
  OR old.title IS NOT new.title OR old.year IS NOT new.year OR old.genre IS NOT new.genre
BEGIN
    UPDATE catalog_stamp SET stamp = random();
    INSERT INTO catalog_changes (file_id, stamp)
        SELECT old.file_id, stamp FROM catalog_stamp WHERE old.file_id IS NOT new.file_id;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
    INSERT INTO catalog_changes (file_id, stamp) SELECT new.file_id, stamp FROM catalog_stamp;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
END;

CREATE TRIGGER catalog_stamp_matches_insert AFTER INSERT ON matches BEGIN
    UPDATE catalog_stamp SET stamp = random();
    INSERT INTO catalog_changes (file_id, stamp) SELECT new.file_id, stamp FROM catalog_stamp;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
END;
CREATE TRIGGER catalog_stamp_matches_delete AFTER DELETE ON matches BEGIN
    UPDATE catalog_stamp SET stamp = random();
    INSERT INTO catalog_changes (file_id, stamp) SELECT old.file_id, stamp FROM catalog_stamp;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
END;
CREATE TRIGGER catalog_stamp_matches_update AFTER UPDATE OF file_id, status ON matches
WHEN old.file_id IS NOT new.file_id OR old.status IS NOT new.status
BEGIN
    UPDATE catalog_stamp SET stamp = random();
    INSERT INTO catalog_changes (file_id, stamp)
        SELECT old.file_id, stamp FROM catalog_stamp WHERE old.file_id IS NOT new.file_id;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
    INSERT INTO catalog_changes (file_id, stamp) SELECT new.file_id, stamp FROM catalog_stamp;
    DELETE FROM catalog_changes WHERE seq <= CASE WHEN (SELECT max(seq) FROM catalog_changes) % 1024 = 0
        THEN (SELECT max(seq) FROM catalog_changes) - 100000 ELSE -1 END;
END;
