-- 0013: the free-text index holds folded text (fold(): ASCII transliteration,
-- lower case), the same folding field matching applies, so ø, ð, þ, æ, ß, ł ...
-- (which the unicode61 tokenizer's remove_diacritics cannot strip) fold alike in
-- free words and in field:value. fold() is registered on every catalog connection
-- (archiver/catalog/db.py); the triggers below need it to write tags or paths.
-- It takes text only, hence coalesce() for columns that may be NULL.
DROP TRIGGER tags_search_insert;
DROP TRIGGER tags_search_update;
DROP TRIGGER files_search_path;

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

CREATE TRIGGER tags_search_update AFTER UPDATE ON tags BEGIN
    DELETE FROM search_index WHERE rowid = old.file_id;
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

CREATE TRIGGER files_search_path AFTER UPDATE OF path ON files BEGIN
    UPDATE search_index SET path = fold(CAST(coalesce(new.path, '') AS TEXT)) WHERE rowid = new.id;
END;

-- Existing catalogs: refill the index with folded text.
DELETE FROM search_index;

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
