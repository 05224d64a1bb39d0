"""Serve the invented MusicBrainz answers for examples/library on 127.0.0.1.

    /work/venv/bin/python -m tests.musicbrainz.demo_server [--port 5000]
    archiver --db /tmp/demo.db scan examples/library
    archiver --db /tmp/demo.db enrich --server http://127.0.0.1:5000

Files in tests/musicbrainz/fixtures/examples/ are routed by name:
``release-<mbid>.xml`` and ``recording-<mbid>.xml`` answer lookups,
``search-release-<words>.xml`` answers a release search whose
``release:"..."`` phrase is those words.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tests.musicbrainz.fakeserver import FakeMusicBrainz

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"


def load_examples(fake: FakeMusicBrainz, folder: Path = EXAMPLES) -> None:
    for path in sorted(folder.glob("*.xml")):
        body = path.read_text(encoding="utf-8")
        stem = path.stem
        for entity in ("release", "recording"):
            if stem.startswith(f"search-{entity}-"):
                fake.add_search(
                    entity, stem.removeprefix(f"search-{entity}-").replace("-", " "), body
                )
                break
            if stem.startswith(f"{entity}-"):
                fake.add(f"{entity}/{stem.removeprefix(entity + '-')}", body)
                break


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake MusicBrainz for examples/library")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    fake = FakeMusicBrainz()
    load_examples(fake)
    fake.start(port=args.port)
    print(f"serving {len(fake.routes)} answers at {fake.url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
