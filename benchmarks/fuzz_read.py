"""Coverage-guided fuzzing of the tag reader with atheris (libFuzzer for Python).

Not part of the test suite (atheris is optional; CI does not install it):

    /work/venv/bin/pip install atheris
    /work/venv/bin/python benchmarks/fuzz_read.py --seeds /tmp/fuzz-corpus   # write seeds once
    /work/venv/bin/python benchmarks/fuzz_read.py /tmp/fuzz-corpus -max_total_time=300 -timeout=20 -rss_limit_mb=2048

Each input is one file: the first byte picks the extension (so every reader
and the extension/content disagreement paths are reached), the rest is the
content. ``archiver.scan.read.read_file`` must return a record and never
raise, hang (libFuzzer's ``-timeout``) or blow memory (``-rss_limit_mb``); the
record must also turn into catalog rows and its text must be valid UTF-8
(what SQLite will be given). A crash input is written by libFuzzer as
``crash-<sha1>``; replay it with ``python benchmarks/fuzz_read.py crash-...``.
libFuzzer prints the figures (``exec/s``, coverage, peak ``rss``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

EXTENSIONS = [
    ".mp3", ".flac", ".ogg", ".opus", ".spx", ".m4a", ".mp4", ".wma", ".wav", ".aiff",
    ".ape", ".wv", ".mpc", ".tta", ".dsf", ".dff", ".aac", ".ac3", ".tak", ".ofr", ".bin",
]  # fmt: skip
REPO = Path(__file__).resolve().parents[1]


def make_seeds(folder: Path) -> int:
    """Seed corpus: every template, bare and tagged (with a picture), one per extension byte."""
    sys.path.insert(0, str(REPO))
    from tests import audiogen

    folder.mkdir(parents=True, exist_ok=True)
    tags = {"title": "T", "artist": ["A", "B"], "album": "Ä", "tracknumber": "1", "genre": "G"}
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in audiogen.FORMATS:
            ext = "." + fmt.split(".")[-1]
            index = EXTENSIONS.index(ext) if ext in EXTENSIONS else len(EXTENSIONS) - 1
            tagged = audiogen.make_file(
                Path(tmp) / f"t{ext}", fmt, tags, with_picture=True, strict=False
            )
            for name, data in (
                ("bare", audiogen.template(fmt).read_bytes()),
                ("tagged", tagged.read_bytes()),
            ):
                (folder / f"{fmt}-{name}").write_bytes(bytes([index]) + data)
                count += 1
    return count


def main() -> None:
    if len(sys.argv) >= 3 and sys.argv[1] == "--seeds":
        print(f"wrote {make_seeds(Path(sys.argv[2]))} seeds to {sys.argv[2]}")
        return
    try:
        import atheris
    except ImportError:
        sys.exit("atheris is not installed: /work/venv/bin/pip install atheris")

    with atheris.instrument_imports():
        import mutagen  # noqa: F401

        from archiver.catalog.files import record_rows
        from archiver.scan.read import read_file

    workdir = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    base = workdir / f"archiver-fuzz-{os.getpid()}"
    base.mkdir(exist_ok=True)
    paths = [os.fsencode(base / f"input{ext}") for ext in EXTENSIONS]
    cols = ("title", "artist", "album", "tracknumber", "genre")

    def one_input(data: bytes) -> None:
        if not data:
            return
        path = paths[data[0] % len(paths)]
        with open(path, "wb") as fh:
            fh.write(data[1:])
        record = read_file(path)
        if record.error is not None:
            kind, message = record.error
            if kind == "internal" or "\n" in message:
                raise AssertionError(f"unexpected error record: {record.error!r}")
        rows = record_rows(record, 1, 1, cols)
        for value in (*rows.files, *rows.tags):
            if isinstance(value, str):
                value.encode("utf-8")  # SQLite would refuse lone surrogates
        json.dumps(record.raw_tags, ensure_ascii=False).encode("utf-8")

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
