-- 0014: the files a scan passed over as not audio (covers, cue sheets, rip logs,
-- playlists, videos, ...), so that what `scan` counts as skipped is also named.
-- Like files, rows are never deleted: a skipped file not found by a later scan
-- of its folder is marked missing, and un-marked when it comes back.
CREATE TABLE skipped_files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,                  -- for display (see files.path)
    path_bytes BLOB NOT NULL UNIQUE,     -- exact path as the OS gave it
    root_id INTEGER REFERENCES library_roots(id) ON DELETE SET NULL,  -- refreshed by every scan
    kind TEXT NOT NULL,                  -- image, cue, log, playlist, video, other, special
    size INTEGER,                        -- NULL: could not be stat'ed (a dangling symlink)
    mtime_ns INTEGER,
    missing INTEGER NOT NULL DEFAULT 0,  -- 1 when gone at the last scan of its folder
    missing_since TEXT,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    first_scan_id INTEGER REFERENCES scan_runs(id),
    last_scan_id INTEGER REFERENCES scan_runs(id)
);
CREATE INDEX skipped_files_scan ON skipped_files(last_scan_id);
CREATE INDEX skipped_files_kind ON skipped_files(missing, kind);
