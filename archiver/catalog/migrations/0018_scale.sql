-- 0018: what a million tracks need (issue 17, docs/scale.md).
-- `archiver missing` sums up every album's discs straight off this covering
-- index, in order (no sort, no table read); it also serves every lookup the
-- old tags_album(albumartist, album) did, so that one goes.
CREATE INDEX tags_album_disc ON tags(albumartist, album, discnumber, tracknumber, totaltracks, totaldiscs);
DROP INDEX tags_album;
-- ... and looks up the files matched to a release.
CREATE INDEX matches_release ON matches(release_mbid);
