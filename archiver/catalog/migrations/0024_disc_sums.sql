-- 0024: every album disc's sums kept by the writer (issue 17: `archiver missing`
-- grouped a million index entries with a count(DISTINCT) per disc, 0.8 s of its
-- 3.4 s at a million tracks). One row per (albumartist, album, discnumber) of the
-- tags with an album artist and an album, as catalog/completeness.py's DISC_SUMS
-- query gives it: the largest totaldiscs, and whether the disc holds every track
-- number 1..its total. It reads `tags` alone, so triggers on `tags` keep it right
-- whoever writes: they note the disc keys a change touches in `disc_dirty`, and
-- `Catalog.write()` recomputes those discs off the covering index before it
-- commits (archiver/catalog/disc_sums.py); a reader finding notes it cannot settle
-- uses the plain query.
CREATE TABLE disc_sums (
    albumartist TEXT NOT NULL,
    album TEXT NOT NULL,
    discnumber INTEGER,
    totaldiscs INTEGER,
    complete INTEGER NOT NULL
);
CREATE INDEX disc_sums_key ON disc_sums(albumartist, album, discnumber);

CREATE TABLE disc_dirty (albumartist TEXT, album TEXT, discnumber INTEGER);

INSERT INTO disc_sums (albumartist, album, discnumber, totaldiscs, complete)
SELECT t.albumartist, t.album, t.discnumber, max(t.totaldiscs),
       coalesce(max(t.totaltracks), 0) <= 0
       OR coalesce(min(CASE WHEN t.tracknumber >= 1 THEN t.tracknumber END) = 1
          AND max(CASE WHEN t.tracknumber >= 1 THEN t.tracknumber END)
              = count(DISTINCT CASE WHEN t.tracknumber >= 1 THEN t.tracknumber END)
          AND max(CASE WHEN t.tracknumber >= 1 THEN t.tracknumber END) >= max(t.totaltracks), 0)
FROM tags t
WHERE t.albumartist IS NOT NULL AND t.album IS NOT NULL AND t.album != ''
GROUP BY t.albumartist, t.album, t.discnumber;

CREATE TRIGGER disc_sums_tags_insert AFTER INSERT ON tags
WHEN new.albumartist IS NOT NULL AND new.album IS NOT NULL AND new.album != '' BEGIN
    INSERT INTO disc_dirty VALUES (new.albumartist, new.album, new.discnumber);
END;

CREATE TRIGGER disc_sums_tags_delete AFTER DELETE ON tags
WHEN old.albumartist IS NOT NULL AND old.album IS NOT NULL AND old.album != '' BEGIN
    INSERT INTO disc_dirty VALUES (old.albumartist, old.album, old.discnumber);
END;

CREATE TRIGGER disc_sums_tags_update
AFTER UPDATE OF albumartist, album, discnumber, tracknumber, totaltracks, totaldiscs ON tags
WHEN new.albumartist IS NOT old.albumartist OR new.album IS NOT old.album
  OR new.discnumber IS NOT old.discnumber OR new.tracknumber IS NOT old.tracknumber
  OR new.totaltracks IS NOT old.totaltracks OR new.totaldiscs IS NOT old.totaldiscs BEGIN
    INSERT INTO disc_dirty SELECT old.albumartist, old.album, old.discnumber
    WHERE old.albumartist IS NOT NULL AND old.album IS NOT NULL AND old.album != '';
    INSERT INTO disc_dirty SELECT new.albumartist, new.album, new.discnumber
    WHERE new.albumartist IS NOT NULL AND new.album IS NOT NULL AND new.album != '';
END;
