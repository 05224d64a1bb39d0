-- 0010: what the reader noticed about a file it did read, e.g. "content is FLAC,
-- extension is .m4a" ("; "-joined notes, NULL when there were none). Written by
-- the scanner on every read, like read_error.
ALTER TABLE files ADD COLUMN read_notes TEXT;
