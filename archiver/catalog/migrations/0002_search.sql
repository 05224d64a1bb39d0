-- 0002: full-text search over the fields people type, kept in step by triggers
-- so every writer (scan, move detection) updates it without knowing it exists.
CREATE VIRTUAL TABLE search_index USING fts5(
    artist, albumartist, album, title, genre, composer, path,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

CREATE TRIGGER tags_search_insert AFTER INSERT ON tags BEGIN
    INSERT INTO search_index (rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT new.file_id, new.artist, new.albumartist, new.album, new.title, new.genre,
           new.composer, files.path
    FROM files WHERE files.id = new.file_id;
END;

CREATE TRIGGER tags_search_update AFTER UPDATE ON tags BEGIN
    DELETE FROM search_index WHERE rowid = old.file_id;
    INSERT INTO search_index (rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT new.file_id, new.artist, new.albumartist, new.album, new.title, new.genre,
           new.composer, files.path
    FROM files WHERE files.id = new.file_id;
END;

CREATE TRIGGER tags_search_delete AFTER DELETE ON tags BEGIN
    DELETE FROM search_index WHERE rowid = old.file_id;
END;

CREATE TRIGGER files_search_path AFTER UPDATE OF path ON files BEGIN
    UPDATE search_index SET path = new.path WHERE rowid = new.id;
END;

CREATE TRIGGER files_search_delete AFTER DELETE ON files BEGIN
    DELETE FROM search_index WHERE rowid = old.id;
END;
