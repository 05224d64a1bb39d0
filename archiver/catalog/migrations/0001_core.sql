-- 0001: what the scanner needs. Files are never deleted: a file that vanished
-- is marked missing and keeps its history.

-- Every folder (or single file) the user asked to scan; `archiver scan` with no
-- PATH rescans all of them.
CREATE TABLE library_roots (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,                  -- absolute path, for display (see files.path)
    path_bytes BLOB NOT NULL UNIQUE,     -- exact path as the OS gave it
    added_at TEXT NOT NULL,
    last_scan_id INTEGER REFERENCES scan_runs(id),
    last_scanned_at TEXT
);

-- One row per `archiver scan`.
CREATE TABLE scan_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
    paths TEXT NOT NULL DEFAULT '[]',    -- JSON list of the roots scanned
    full_rescan INTEGER NOT NULL DEFAULT 0,
    checksum INTEGER NOT NULL DEFAULT 0, -- 1 when run with --checksum
    files_found INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    missing INTEGER NOT NULL DEFAULT 0,
    returned INTEGER NOT NULL DEFAULT 0, -- files marked missing earlier, seen again
    errors INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,  -- non-audio files passed over
    seconds REAL
);

-- One row per audio file ever seen. Paths that are not valid UTF-8 keep their
-- exact bytes in path_bytes; path shows them with \xNN escapes.
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    path_bytes BLOB NOT NULL UNIQUE,
    root_id INTEGER REFERENCES library_roots(id),
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    mtime TEXT NOT NULL,                 -- ISO 8601 UTC
    format TEXT,                         -- container, lower case: mp3, flac, ogg, opus, mp4, wav, aiff, asf, ...
    codec TEXT,                          -- mp3, flac, vorbis, opus, aac, alac, pcm, wma, ...
    duration REAL,                       -- seconds
    bitrate INTEGER,                     -- bits per second
    sample_rate INTEGER,                 -- Hz
    channels INTEGER,
    bits_per_sample INTEGER,
    lossless INTEGER,                    -- 1 lossless, 0 lossy, NULL unknown
    tag_formats TEXT,                    -- tag families found, e.g. "ID3v2.4, APEv2"
    read_error TEXT,                     -- NULL when mutagen read the file
    missing INTEGER NOT NULL DEFAULT 0,  -- 1 when gone at the last scan of its root
    missing_since TEXT,                  -- first scan that did not find it
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    last_read_at TEXT,
    first_scan_id INTEGER REFERENCES scan_runs(id),
    last_scan_id INTEGER REFERENCES scan_runs(id)
);
CREATE INDEX files_root ON files(root_id);
CREATE INDEX files_missing ON files(missing);

-- Normalized tags, one row per file, named as MusicBrainz Picard names them.
-- Multi-valued fields hold their values joined with "; "; tags.raw keeps every
-- key and value exactly as read.
CREATE TABLE tags (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    title TEXT,
    artist TEXT,
    artists TEXT,
    album TEXT,
    albumartist TEXT,
    artistsort TEXT,
    albumartistsort TEXT,
    tracknumber INTEGER,
    totaltracks INTEGER,
    discnumber INTEGER,
    totaldiscs INTEGER,
    date TEXT,
    originaldate TEXT,
    year INTEGER,                        -- first four digits of date
    genre TEXT,
    composer TEXT,
    lyricist TEXT,
    conductor TEXT,
    performer TEXT,                      -- "Name (instrument)"
    producer TEXT,
    engineer TEXT,
    mixer TEXT,
    label TEXT,
    catalognumber TEXT,
    barcode TEXT,
    isrc TEXT,
    compilation INTEGER,
    comment TEXT,
    has_lyrics INTEGER,
    bpm REAL,
    musicbrainz_recordingid TEXT,
    musicbrainz_trackid TEXT,
    musicbrainz_albumid TEXT,
    musicbrainz_artistid TEXT,
    musicbrainz_albumartistid TEXT,
    musicbrainz_releasegroupid TEXT,
    acoustid_id TEXT,
    replaygain_track_gain REAL,          -- dB
    replaygain_track_peak REAL,
    replaygain_album_gain REAL,
    replaygain_album_peak REAL,
    raw TEXT NOT NULL DEFAULT '{}'       -- JSON: {tag key: [values as read]}
);
CREATE INDEX tags_album ON tags(albumartist, album);
CREATE INDEX tags_artist ON tags(artist);

-- Embedded pictures: what they are, never the bytes.
CREATE TABLE pictures (
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    picture_type TEXT,                   -- e.g. "front cover"
    mime TEXT,
    width INTEGER,
    height INTEGER,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (file_id, position)
);

-- Every file a scan could not read, with a one-line reason.
CREATE TABLE scan_errors (
    id INTEGER PRIMARY KEY,
    scan_id INTEGER NOT NULL REFERENCES scan_runs(id),
    path TEXT NOT NULL,
    path_bytes BLOB NOT NULL,
    kind TEXT NOT NULL,                  -- unreadable, corrupt, unsupported, permission, vanished, timeout, internal
    message TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);
CREATE INDEX scan_errors_scan ON scan_errors(scan_id);
