-- 0017: album covers. Cover images found beside the audio files (cover.*, folder.*,
-- front.*), as the scan records them: described, never stored. Rows mirror what the
-- folder holds at the last scan of it (an image removed from its folder is removed here).
CREATE TABLE folder_images (
    id INTEGER PRIMARY KEY,
    folder TEXT NOT NULL,                -- its folder as files.path shows it, ending in "/"
    path TEXT NOT NULL,                  -- for display (see files.path)
    path_bytes BLOB NOT NULL UNIQUE,     -- exact path as the OS gave it
    name TEXT NOT NULL,                  -- cover, folder or front (the name's stem, lower case)
    mime TEXT,                           -- from the image's header: image/jpeg, image/png, ...
    width INTEGER,                       -- pixels, from the header; NULL when not understood
    height INTEGER,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    scan_id INTEGER REFERENCES scan_runs(id),  -- the scan that last read it
    seen_at TEXT NOT NULL
);
CREATE INDEX folder_images_folder ON folder_images(folder);
-- An album's files by (album, album artist falling back to the artist): the cover
-- query fields look up the other files of a track's album.
CREATE INDEX tags_album_key ON tags(album, coalesce(albumartist, artist));
