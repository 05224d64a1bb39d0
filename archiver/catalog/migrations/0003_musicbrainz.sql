-- 0003: MusicBrainz data beside the files' own tags (never written into files).

CREATE TABLE mb_artists (
    mbid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sort_name TEXT,
    disambiguation TEXT
);

CREATE TABLE mb_labels (
    mbid TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE mb_release_groups (
    mbid TEXT PRIMARY KEY,
    title TEXT,
    primary_type TEXT,
    first_release_date TEXT
);

CREATE TABLE mb_releases (
    mbid TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    artist_credit TEXT,                  -- as MusicBrainz prints it, e.g. "Simon & Garfunkel"
    date TEXT,
    country TEXT,
    status TEXT,
    barcode TEXT,
    release_group_mbid TEXT REFERENCES mb_release_groups(mbid),
    medium_count INTEGER,
    track_count INTEGER,
    fetched_at TEXT NOT NULL
);

CREATE TABLE mb_release_labels (
    release_mbid TEXT NOT NULL REFERENCES mb_releases(mbid) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label_mbid TEXT REFERENCES mb_labels(mbid),
    label_name TEXT,
    catalog_number TEXT,
    PRIMARY KEY (release_mbid, position)
);

CREATE TABLE mb_recordings (
    mbid TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    artist_credit TEXT,
    length REAL,                         -- seconds
    disambiguation TEXT
);

CREATE TABLE mb_recording_isrcs (
    recording_mbid TEXT NOT NULL REFERENCES mb_recordings(mbid) ON DELETE CASCADE,
    isrc TEXT NOT NULL,
    PRIMARY KEY (recording_mbid, isrc)
);

-- A release's tracklist: one row per track on each medium.
CREATE TABLE mb_tracks (
    mbid TEXT PRIMARY KEY,
    release_mbid TEXT NOT NULL REFERENCES mb_releases(mbid) ON DELETE CASCADE,
    disc_number INTEGER NOT NULL,        -- medium position
    medium_format TEXT,
    position INTEGER NOT NULL,
    number TEXT,                         -- as printed, e.g. "A1"
    title TEXT,
    artist_credit TEXT,
    length REAL,                         -- seconds
    recording_mbid TEXT NOT NULL REFERENCES mb_recordings(mbid)
);
CREATE INDEX mb_tracks_release ON mb_tracks(release_mbid, disc_number, position);
CREATE INDEX mb_tracks_recording ON mb_tracks(recording_mbid);

-- Credits on a recording: producer, engineer, mixer, performer (attributes
-- hold the instrument or vocals), composer and lyricist (through its work).
CREATE TABLE mb_credits (
    id INTEGER PRIMARY KEY,
    recording_mbid TEXT NOT NULL REFERENCES mb_recordings(mbid) ON DELETE CASCADE,
    role TEXT NOT NULL,
    artist_mbid TEXT NOT NULL DEFAULT '',
    artist_name TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '', -- "; "-joined, e.g. "guitar; lead vocals"
    work_mbid TEXT NOT NULL DEFAULT '',
    work_title TEXT,
    UNIQUE (recording_mbid, role, artist_mbid, artist_name, attributes, work_mbid)
);
CREATE INDEX mb_credits_recording ON mb_credits(recording_mbid);

-- The current match of each file. Every decision is also appended to
-- match_history by the triggers below, so no past match is ever lost.
CREATE TABLE matches (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('matched', 'ambiguous', 'unmatched', 'error')),
    method TEXT,                         -- tag-id, isrc, recording-id, search, recording-search
    score REAL,                          -- 0..1
    release_mbid TEXT,
    track_mbid TEXT,
    recording_mbid TEXT,
    album_key TEXT,
    error TEXT,
    matched_at TEXT NOT NULL,
    enrich_run_id INTEGER
);
CREATE INDEX matches_status ON matches(status);
CREATE INDEX matches_recording ON matches(recording_mbid);

CREATE TABLE match_history (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    method TEXT,
    score REAL,
    release_mbid TEXT,
    track_mbid TEXT,
    recording_mbid TEXT,
    error TEXT,
    matched_at TEXT NOT NULL,
    enrich_run_id INTEGER
);
CREATE INDEX match_history_file ON match_history(file_id);

CREATE TRIGGER matches_history_insert AFTER INSERT ON matches BEGIN
    INSERT INTO match_history (file_id, status, method, score, release_mbid, track_mbid,
                               recording_mbid, error, matched_at, enrich_run_id)
    VALUES (new.file_id, new.status, new.method, new.score, new.release_mbid, new.track_mbid,
            new.recording_mbid, new.error, new.matched_at, new.enrich_run_id);
END;

CREATE TRIGGER matches_history_update AFTER UPDATE ON matches BEGIN
    INSERT INTO match_history (file_id, status, method, score, release_mbid, track_mbid,
                               recording_mbid, error, matched_at, enrich_run_id)
    VALUES (new.file_id, new.status, new.method, new.score, new.release_mbid, new.track_mbid,
            new.recording_mbid, new.error, new.matched_at, new.enrich_run_id);
END;

-- One row per album as grouped for matching (album artist + album + folder),
-- with the candidates considered, so ambiguous albums can be reviewed.
CREATE TABLE album_matches (
    album_key TEXT PRIMARY KEY,
    albumartist TEXT,
    album TEXT,
    folder TEXT,
    status TEXT NOT NULL CHECK (status IN ('matched', 'ambiguous', 'unmatched', 'error')),
    method TEXT,
    release_mbid TEXT,
    score REAL,
    candidates TEXT NOT NULL DEFAULT '[]', -- JSON: [{release_mbid, title, artist, score, penalties}]
    error TEXT,
    matched_at TEXT NOT NULL,
    enrich_run_id INTEGER
);

-- Every MusicBrainz response, keyed by the request, so re-runs make no requests.
CREATE TABLE mb_cache (
    request TEXT PRIMARY KEY,            -- e.g. "release/<mbid>?inc=..." or "release?query=..."
    status INTEGER NOT NULL,             -- HTTP status (200, or 404 for "not found")
    body TEXT,
    fetched_at TEXT NOT NULL
);

CREATE TABLE enrich_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
    query TEXT,
    albums INTEGER NOT NULL DEFAULT 0,
    matched INTEGER NOT NULL DEFAULT 0,
    ambiguous INTEGER NOT NULL DEFAULT 0,
    unmatched INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    cache_hits INTEGER NOT NULL DEFAULT 0,
    seconds REAL
);
