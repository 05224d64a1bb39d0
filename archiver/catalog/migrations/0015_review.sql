-- 0015: the user's decisions on MusicBrainz matches (`archiver review` / `archiver match`).
-- (0011-0014 come from other parts: analyze, acoustid, ...)

-- Who decided a match: 'auto' (enrich) or 'user' (archiver match, the TUI).
-- A 'user' row is never replaced by enrich, enrich --refresh or a rescan.
ALTER TABLE album_matches ADD COLUMN source TEXT NOT NULL DEFAULT 'auto'
    CHECK (source IN ('auto', 'user'));
ALTER TABLE album_matches ADD COLUMN decided_at TEXT;  -- when the user decided (source 'user')
ALTER TABLE matches ADD COLUMN source TEXT NOT NULL DEFAULT 'auto'
    CHECK (source IN ('auto', 'user'));
ALTER TABLE match_history ADD COLUMN source TEXT NOT NULL DEFAULT 'auto';

DROP TRIGGER matches_history_insert;
DROP TRIGGER matches_history_update;

CREATE TRIGGER matches_history_insert AFTER INSERT ON matches BEGIN
    INSERT INTO match_history (file_id, status, method, score, release_mbid, track_mbid,
                               recording_mbid, error, matched_at, enrich_run_id, source)
    VALUES (new.file_id, new.status, new.method, new.score, new.release_mbid, new.track_mbid,
            new.recording_mbid, new.error, new.matched_at, new.enrich_run_id, new.source);
END;

CREATE TRIGGER matches_history_update AFTER UPDATE ON matches BEGIN
    INSERT INTO match_history (file_id, status, method, score, release_mbid, track_mbid,
                               recording_mbid, error, matched_at, enrich_run_id, source)
    VALUES (new.file_id, new.status, new.method, new.score, new.release_mbid, new.track_mbid,
            new.recording_mbid, new.error, new.matched_at, new.enrich_run_id, new.source);
END;

-- The stable short key of an album (`@42`): a number that is never reused, given
-- to every album_matches row when it is first written (kept if the row goes).
CREATE TABLE album_numbers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    album_key TEXT NOT NULL UNIQUE
);
INSERT INTO album_numbers (album_key) SELECT album_key FROM album_matches ORDER BY album_key;

CREATE TRIGGER album_matches_number AFTER INSERT ON album_matches BEGIN
    INSERT OR IGNORE INTO album_numbers (album_key) VALUES (new.album_key);
END;

-- Every user decision, with the state it replaced, so `match --reset` can hand
-- an album back exactly as enrich had left it.
CREATE TABLE match_decisions (
    id INTEGER PRIMARY KEY,
    album_key TEXT,                      -- the album decided (NULL: one track)
    file_id INTEGER,                     -- the track decided (match TRACK --recording)
    action TEXT NOT NULL CHECK (action IN ('release', 'none', 'recording', 'reset')),
    mbid TEXT,                           -- the release or recording chosen
    previous TEXT NOT NULL,              -- JSON: {"album": row or null, "files": [rows]}
    decided_at TEXT NOT NULL
);
CREATE INDEX match_decisions_album ON match_decisions(album_key);
