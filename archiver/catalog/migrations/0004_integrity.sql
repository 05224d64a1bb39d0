-- 0004: content fingerprints, verify runs and moves (preservation).

-- Every fingerprint ever taken of a file, with the file state it was taken at.
CREATE TABLE fingerprints (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    computed_at TEXT NOT NULL,
    size INTEGER NOT NULL,               -- file size when hashed
    mtime_ns INTEGER NOT NULL,           -- file mtime when hashed
    sha256 TEXT NOT NULL,                -- whole file, as sha256sum prints it
    audio_hash TEXT,                     -- audio-only identity, unchanged by tag edits
    audio_hash_method TEXT,              -- how audio_hash was made (see docs/schema.md)
    scan_id INTEGER REFERENCES scan_runs(id),
    verify_run_id INTEGER REFERENCES verify_runs(id)
);
CREATE INDEX fingerprints_file ON fingerprints(file_id, id);

-- The latest fingerprint, copied onto the file for fast lookups.
ALTER TABLE files ADD COLUMN sha256 TEXT;
ALTER TABLE files ADD COLUMN audio_hash TEXT;
ALTER TABLE files ADD COLUMN audio_hash_method TEXT;
ALTER TABLE files ADD COLUMN hashed_at TEXT;
ALTER TABLE files ADD COLUMN hashed_size INTEGER;
ALTER TABLE files ADD COLUMN hashed_mtime_ns INTEGER;
ALTER TABLE files ADD COLUMN last_verified_at TEXT;
ALTER TABLE files ADD COLUMN last_verify_status TEXT;  -- ok, changed, modified, missing, unreadable
CREATE INDEX files_sha256 ON files(sha256);
CREATE INDEX files_audio_hash ON files(audio_hash);

-- One row per `archiver verify`.
CREATE TABLE verify_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
    query TEXT,
    checked INTEGER NOT NULL DEFAULT 0,
    ok INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    modified INTEGER NOT NULL DEFAULT 0,
    missing INTEGER NOT NULL DEFAULT 0,
    unreadable INTEGER NOT NULL DEFAULT 0,
    seconds REAL
);

-- What a verify run found for each file it checked.
CREATE TABLE verify_findings (
    verify_run_id INTEGER NOT NULL REFERENCES verify_runs(id),
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('ok', 'changed', 'modified', 'missing', 'unreadable')),
    detail TEXT,
    PRIMARY KEY (verify_run_id, file_id)
);
CREATE INDEX verify_findings_file ON verify_findings(file_id);

-- A file recognised at a new path by its content: one catalog entry keeps its
-- history and its MusicBrainz match; this row records the move.
CREATE TABLE file_moves (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    old_path TEXT NOT NULL,
    old_path_bytes BLOB NOT NULL,
    new_path TEXT NOT NULL,
    new_path_bytes BLOB NOT NULL,
    detected_at TEXT NOT NULL,
    scan_id INTEGER REFERENCES scan_runs(id)
);
CREATE INDEX file_moves_file ON file_moves(file_id);
