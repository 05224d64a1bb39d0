-- 0012: AcoustID answers, so `enrich --acoustid` re-runs make no requests.
-- (0011, the `analysis` table with the fingerprints, comes from `archiver analyze`.)

-- One row per fingerprint looked up: the key is the SHA-256 of the fingerprint
-- text (as fpcalc prints it) and the duration in whole seconds sent with it.
-- Only "status": "ok" answers are kept; errors are never cached.
CREATE TABLE acoustid_cache (
    fingerprint_sha256 TEXT NOT NULL,
    duration INTEGER NOT NULL,           -- seconds, as sent to AcoustID
    body TEXT NOT NULL,                  -- the raw JSON answer
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (fingerprint_sha256, duration)
);
