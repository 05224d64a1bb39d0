-- 0011: what `archiver analyze` heard in each file: the decode check, the
-- spectrum's quality verdict and the Chromaprint fingerprint. One row per file
-- (the latest analysis), tied to the file state it was made against: a file
-- whose size, mtime_ns (or sha256, where known) differ is analysed again.
CREATE TABLE analysis (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    size INTEGER,                        -- file size analysed
    mtime_ns INTEGER,                    -- file mtime analysed
    sha256 TEXT,                         -- files.sha256 when it was taken at that size/mtime
    decode TEXT CHECK (decode IN ('ok', 'error', 'unsupported')),  -- NULL: not analysed (see error)
    decode_detail TEXT,                  -- first problem and its position, or a note
    decoded_seconds REAL,
    stated_seconds REAL,                 -- the length the container/stream states
    codec TEXT,                          -- decoder name (FFmpeg's)
    sample_rate INTEGER,
    channels INTEGER,
    bits INTEGER,                        -- declared bits per sample (lossless/PCM)
    quality TEXT CHECK (quality IN
        ('lossless', 'transcode', 'upsampled', 'padded-bits', 'lossy', 'unknown')),
    quality_detail TEXT,
    cutoff_hz INTEGER,                   -- where the spectrum's content ends (Hz)
    fingerprint TEXT,                    -- Chromaprint, compressed base64 as fpcalc prints it
    fingerprint_seconds REAL,            -- the decoded length, as fpcalc's DURATION
    error TEXT,                          -- the file could not be analysed at all
    analyzer_version INTEGER NOT NULL,
    analyzed_at TEXT NOT NULL
);
CREATE INDEX analysis_decode ON analysis(decode);
CREATE INDEX analysis_quality ON analysis(quality);
CREATE INDEX analysis_cutoff ON analysis(cutoff_hz);
