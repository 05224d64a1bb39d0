-- 0018: what a million tracks need (issue 17, docs/scale.md).
-- `archiver missing` sums up every album's discs straight off this covering
-- index, in order (no sort, no table read); it also serves every lookup the
-- old tags_album(albumartist, album) did, so that one goes.
CREATE INDEX tags_album_disc ON tags(albumartist, album, discnumber, tracknumber, totaltracks, totaldiscs);
DROP INDEX tags_album;
-- ... and looks up the files matched to a release.
CREATE INDEX matches_release ON matches(release_mbid, track_mbid);

-- The TUI's first view (album artists with their track counts and durations)
-- without grouping every track: one row per album artist (the track artist
-- when there is none, as browse.ALBUM_ARTIST says), counting files not marked
-- missing. `k` is 0 for tracks with neither (an integer never equals a text).
-- The triggers keep it equal to the GROUP BY it replaces whatever writes the
-- rows (the scanner, moves, direct inserts): tests/foundation/test_summaries.py.
CREATE TABLE albumartist_counts (
    k PRIMARY KEY,
    tracks INTEGER NOT NULL,
    duration REAL NOT NULL
) WITHOUT ROWID;

INSERT INTO albumartist_counts (k, tracks, duration)
SELECT coalesce(t.albumartist, t.artist, 0), count(*), total(f.duration)
FROM tags t JOIN files f ON f.id = t.file_id WHERE f.missing = 0
GROUP BY 1;

CREATE TRIGGER albumartist_counts_tags_insert AFTER INSERT ON tags BEGIN
    INSERT INTO albumartist_counts (k, tracks, duration)
    SELECT coalesce(new.albumartist, new.artist, 0), 1, coalesce(f.duration, 0)
    FROM files f WHERE f.id = new.file_id AND f.missing = 0
    ON CONFLICT(k) DO UPDATE SET tracks = tracks + 1, duration = duration + excluded.duration;
END;

-- A tags row deleted on its own; when its file is deleted, the file's trigger
-- below has already taken it out (the cascade runs after the file row is gone).
CREATE TRIGGER albumartist_counts_tags_delete AFTER DELETE ON tags BEGIN
    UPDATE albumartist_counts
    SET tracks = tracks - 1,
        duration = duration - (SELECT coalesce(duration, 0) FROM files WHERE id = old.file_id)
    WHERE k = coalesce(old.albumartist, old.artist, 0)
      AND EXISTS (SELECT 1 FROM files WHERE id = old.file_id AND missing = 0);
    DELETE FROM albumartist_counts WHERE k = coalesce(old.albumartist, old.artist, 0) AND tracks <= 0;
END;

CREATE TRIGGER albumartist_counts_tags_update AFTER UPDATE OF albumartist, artist, file_id ON tags BEGIN
    UPDATE albumartist_counts
    SET tracks = tracks - 1,
        duration = duration - (SELECT coalesce(duration, 0) FROM files WHERE id = old.file_id)
    WHERE k = coalesce(old.albumartist, old.artist, 0)
      AND EXISTS (SELECT 1 FROM files WHERE id = old.file_id AND missing = 0);
    DELETE FROM albumartist_counts WHERE k = coalesce(old.albumartist, old.artist, 0) AND tracks <= 0;
    INSERT INTO albumartist_counts (k, tracks, duration)
    SELECT coalesce(new.albumartist, new.artist, 0), 1, coalesce(f.duration, 0)
    FROM files f WHERE f.id = new.file_id AND f.missing = 0
    ON CONFLICT(k) DO UPDATE SET tracks = tracks + 1, duration = duration + excluded.duration;
END;

CREATE TRIGGER albumartist_counts_files_delete BEFORE DELETE ON files WHEN old.missing = 0 BEGIN
    UPDATE albumartist_counts
    SET tracks = tracks - 1, duration = duration - coalesce(old.duration, 0)
    WHERE k = (SELECT coalesce(albumartist, artist, 0) FROM tags WHERE file_id = old.id);
    DELETE FROM albumartist_counts
    WHERE k = (SELECT coalesce(albumartist, artist, 0) FROM tags WHERE file_id = old.id)
      AND tracks <= 0;
END;

CREATE TRIGGER albumartist_counts_files_update AFTER UPDATE OF missing, duration ON files
WHEN old.missing IS NOT new.missing OR old.duration IS NOT new.duration BEGIN
    UPDATE albumartist_counts
    SET tracks = tracks - 1, duration = duration - coalesce(old.duration, 0)
    WHERE old.missing = 0
      AND k = (SELECT coalesce(albumartist, artist, 0) FROM tags WHERE file_id = old.id);
    DELETE FROM albumartist_counts
    WHERE k = (SELECT coalesce(albumartist, artist, 0) FROM tags WHERE file_id = old.id)
      AND tracks <= 0;
    INSERT INTO albumartist_counts (k, tracks, duration)
    SELECT coalesce(t.albumartist, t.artist, 0), 1, coalesce(new.duration, 0)
    FROM tags t WHERE t.file_id = new.id AND new.missing = 0
    ON CONFLICT(k) DO UPDATE SET tracks = tracks + 1, duration = duration + excluded.duration;
END;
