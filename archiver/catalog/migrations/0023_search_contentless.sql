-- 0023: the free-text index keeps no copy of its text (issue 17: FTS5's content
-- table was 185 bytes of every track's 1,860). A contentless FTS5 table holds
-- the token index only; MATCH returns rowids (file ids), which is all archiver
-- asks of it. Without its own copy, removing a row must hand FTS5 the very text
-- it indexed: the triggers below recompute it with fold() from the rows as they
-- were (old.*), before the change. Every writer goes through these triggers, so
-- the indexed text is always fold() of the current tags and path.
-- `search_fold` records which fold() the index was built with (a signature of
-- its table, see archiver/catalog/db.py): a catalog opened by an archiver whose
-- fold() differs (a new anyascii) is re-indexed at once, so a delete never
-- names text the index does not hold.
DROP TRIGGER tags_search_insert;
DROP TRIGGER tags_search_update;
DROP TRIGGER tags_search_delete;
DROP TRIGGER files_search_path;
DROP TRIGGER files_search_delete;
DROP TABLE search_index;

CREATE VIRTUAL TABLE search_index USING fts5(
    artist, albumartist, album, title, genre, composer, path,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

CREATE TABLE search_fold (signature TEXT NOT NULL);

INSERT INTO search_index (rowid, artist, albumartist, album, title, genre, composer, path)
SELECT t.file_id,
           fold(CAST(coalesce(t.artist, '') AS TEXT)),
           fold(CAST(coalesce(t.albumartist, '') AS TEXT)),
           fold(CAST(coalesce(t.album, '') AS TEXT)),
           fold(CAST(coalesce(t.title, '') AS TEXT)),
           fold(CAST(coalesce(t.genre, '') AS TEXT)),
           fold(CAST(coalesce(t.composer, '') AS TEXT)),
           fold(CAST(coalesce(f.path, '') AS TEXT))
FROM tags AS t JOIN files AS f ON f.id = t.file_id;

INSERT INTO search_fold (signature) VALUES (fold_signature());

CREATE TRIGGER tags_search_insert AFTER INSERT ON tags BEGIN
    INSERT INTO search_index (rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT new.file_id,
           fold(CAST(coalesce(new.artist, '') AS TEXT)),
           fold(CAST(coalesce(new.albumartist, '') AS TEXT)),
           fold(CAST(coalesce(new.album, '') AS TEXT)),
           fold(CAST(coalesce(new.title, '') AS TEXT)),
           fold(CAST(coalesce(new.genre, '') AS TEXT)),
           fold(CAST(coalesce(new.composer, '') AS TEXT)),
           fold(CAST(coalesce(files.path, '') AS TEXT))
    FROM files WHERE files.id = new.file_id;
END;

-- The old row's text with the path its file has now (a tags update never
-- changes a path in the same statement).
CREATE TRIGGER tags_search_update AFTER UPDATE ON tags BEGIN
    INSERT INTO search_index (search_index, rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT 'delete', old.file_id,
           fold(CAST(coalesce(old.artist, '') AS TEXT)),
           fold(CAST(coalesce(old.albumartist, '') AS TEXT)),
           fold(CAST(coalesce(old.album, '') AS TEXT)),
           fold(CAST(coalesce(old.title, '') AS TEXT)),
           fold(CAST(coalesce(old.genre, '') AS TEXT)),
           fold(CAST(coalesce(old.composer, '') AS TEXT)),
           fold(CAST(coalesce(files.path, '') AS TEXT))
    FROM files WHERE files.id = old.file_id;
    INSERT INTO search_index (rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT new.file_id,
           fold(CAST(coalesce(new.artist, '') AS TEXT)),
           fold(CAST(coalesce(new.albumartist, '') AS TEXT)),
           fold(CAST(coalesce(new.album, '') AS TEXT)),
           fold(CAST(coalesce(new.title, '') AS TEXT)),
           fold(CAST(coalesce(new.genre, '') AS TEXT)),
           fold(CAST(coalesce(new.composer, '') AS TEXT)),
           fold(CAST(coalesce(files.path, '') AS TEXT))
    FROM files WHERE files.id = new.file_id;
END;

-- When the file row is already gone (its delete cascaded here), the files
-- trigger below has taken the row out.
CREATE TRIGGER tags_search_delete AFTER DELETE ON tags BEGIN
    INSERT INTO search_index (search_index, rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT 'delete', old.file_id,
           fold(CAST(coalesce(old.artist, '') AS TEXT)),
           fold(CAST(coalesce(old.albumartist, '') AS TEXT)),
           fold(CAST(coalesce(old.album, '') AS TEXT)),
           fold(CAST(coalesce(old.title, '') AS TEXT)),
           fold(CAST(coalesce(old.genre, '') AS TEXT)),
           fold(CAST(coalesce(old.composer, '') AS TEXT)),
           fold(CAST(coalesce(files.path, '') AS TEXT))
    FROM files WHERE files.id = old.file_id;
END;

CREATE TRIGGER files_search_path AFTER UPDATE OF path ON files BEGIN
    INSERT INTO search_index (search_index, rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT 'delete', old.id,
           fold(CAST(coalesce(t.artist, '') AS TEXT)),
           fold(CAST(coalesce(t.albumartist, '') AS TEXT)),
           fold(CAST(coalesce(t.album, '') AS TEXT)),
           fold(CAST(coalesce(t.title, '') AS TEXT)),
           fold(CAST(coalesce(t.genre, '') AS TEXT)),
           fold(CAST(coalesce(t.composer, '') AS TEXT)),
           fold(CAST(coalesce(old.path, '') AS TEXT))
    FROM tags AS t WHERE t.file_id = old.id;
    INSERT INTO search_index (rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT new.id,
           fold(CAST(coalesce(t.artist, '') AS TEXT)),
           fold(CAST(coalesce(t.albumartist, '') AS TEXT)),
           fold(CAST(coalesce(t.album, '') AS TEXT)),
           fold(CAST(coalesce(t.title, '') AS TEXT)),
           fold(CAST(coalesce(t.genre, '') AS TEXT)),
           fold(CAST(coalesce(t.composer, '') AS TEXT)),
           fold(CAST(coalesce(new.path, '') AS TEXT))
    FROM tags AS t WHERE t.file_id = new.id;
END;

CREATE TRIGGER files_search_delete BEFORE DELETE ON files BEGIN
    INSERT INTO search_index (search_index, rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT 'delete', old.id,
           fold(CAST(coalesce(t.artist, '') AS TEXT)),
           fold(CAST(coalesce(t.albumartist, '') AS TEXT)),
           fold(CAST(coalesce(t.album, '') AS TEXT)),
           fold(CAST(coalesce(t.title, '') AS TEXT)),
           fold(CAST(coalesce(t.genre, '') AS TEXT)),
           fold(CAST(coalesce(t.composer, '') AS TEXT)),
           fold(CAST(coalesce(old.path, '') AS TEXT))
    FROM tags AS t WHERE t.file_id = old.id;
END;
