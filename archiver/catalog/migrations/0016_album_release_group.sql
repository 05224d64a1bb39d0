-- 0016: the release group of an album's match. Set with the release when one is
-- chosen, and alone when the edition stays open (enrich: "edition open,
-- recordings known"): the files then hold their recordings, the album its
-- release group, and release_mbid stays NULL until `review` settles it.
ALTER TABLE album_matches ADD COLUMN release_group_mbid TEXT;
