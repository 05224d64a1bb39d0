-- 0013: the free-text index holds folded text (fold(): ASCII transliteration,
-- lower case), the same folding field matching applies, so ø, ð, þ, æ, ß, ł ...
-- (which the unicode61 tokenizer's remove_diacritics cannot strip) fold alike in
-- free words and in field:value. fold() is registered on every catalog connection
-- (archiver/catalog/db.py); the triggers below need it to write tags or paths.
DROP TRIGGER tags_search_insert;
DROP TRIGGER tags_search_update;
DROP TRIGGER files_search_path;

CREATE TRIGGER tags_search_insert AFTER INSERT ON tags BEGIN
    INSERT INTO search_index (rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT new.file_id, fold(new.artist), fold(new.albumartist), fold(new.album),
           fold(new.title), fold(new.genre), fold(new.composer), fold(files.path)
    FROM files WHERE files.id = new.file_id;
END;

CREATE TRIGGER tags_search_update AFTER UPDATE ON tags BEGIN
    DELETE FROM search_index WHERE rowid = old.file_id;
    INSERT INTO search_index (rowid, artist, albumartist, album, title, genre, composer, path)
    SELECT new.file_id, fold(new.artist), fold(new.albumartist), fold(new.album),
           fold(new.title), fold(new.genre), fold(new.composer), fold(files.path)
    FROM files WHERE files.id = new.file_id;
END;

CREATE TRIGGER files_search_path AFTER UPDATE OF path ON files BEGIN
    UPDATE search_index SET path = fold(new.path) WHERE rowid = new.id;
END;

-- Existing catalogs: refill the index with folded text.
DELETE FROM search_index;

INSERT INTO search_index (rowid, artist, albumartist, album, title, genre, composer, path)
SELECT t.file_id, fold(t.artist), fold(t.albumartist), fold(t.album), fold(t.title),
       fold(t.genre), fold(t.composer), fold(f.path)
FROM tags AS t JOIN files AS f ON f.id = t.file_id;
