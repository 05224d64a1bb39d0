"""Encode one tiny, tag-free template per audio format into tests/data/templates/.

Run once by hand (needs ffmpeg); the outputs are committed because CI has no ffmpeg.
Tests copy a template and write tags with mutagen (see tests/audiogen.py).

    python tests/data/make_templates.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "templates"

# 1 s of quiet 440 Hz sine, mono.
SOURCE = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate={rate}:duration=1"]
QUIET = ["-af", "volume=0.005,aformat=sample_fmts=s16"]
# No metadata, no encoder tag, no chapters; bitexact keeps output reproducible.
CLEAN = [
    "-map_metadata",
    "-1",
    "-map_chapters",
    "-1",
    "-fflags",
    "+bitexact",
    "-flags:a",
    "+bitexact",
]

# name -> (required ffmpeg encoder, sample rate, output options)
TEMPLATES: dict[str, tuple[str, int, list[str]]] = {
    "mp3": (
        "libmp3lame",
        8000,
        [
            "-c:a",
            "libmp3lame",
            "-b:a",
            "8k",
            "-write_xing",
            "1",
            "-id3v2_version",
            "0",
            "-write_id3v1",
            "0",
        ],
    ),
    "flac": ("flac", 8000, ["-c:a", "flac", "-compression_level", "8"]),
    "ogg": ("libvorbis", 8000, ["-c:a", "libvorbis", "-q:a", "-1"]),
    "opus": ("libopus", 8000, ["-c:a", "libopus", "-b:a", "6k"]),
    "m4a": ("aac", 8000, ["-c:a", "aac", "-b:a", "8k", "-movflags", "+faststart"]),
    "alac.m4a": ("alac", 8000, ["-c:a", "alac", "-movflags", "+faststart"]),
    "wav": ("pcm_s16le", 8000, ["-c:a", "pcm_u8", "-f", "wav"]),
    "aiff": ("pcm_s16be", 8000, ["-c:a", "pcm_s8", "-f", "aiff", "-write_id3v2", "0"]),
    "wma": ("wmav2", 8000, ["-c:a", "wmav2", "-b:a", "24k", "-f", "asf"]),
    "wv": ("wavpack", 8000, ["-c:a", "wavpack", "-f", "wv"]),
    "tta": ("tta", 8000, ["-c:a", "tta", "-f", "tta"]),
    "spx": ("libspeex", 8000, ["-c:a", "libspeex", "-f", "ogg"]),
    "ape": ("ape", 8000, ["-c:a", "ape"]),
    "mpc": ("mpc", 8000, ["-c:a", "mpc"]),
}


def encoders() -> set[str]:
    """Names of the audio encoders this ffmpeg build has."""
    out = subprocess.run(
        ["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True, check=True
    ).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("A"):
            names.add(parts[1])
    return names


def encode(name: str, rate: int, opts: list[str]) -> Path:
    """Encode one template; returns its path."""
    dest = OUT / f"template.{name}"
    src = [arg.format(rate=rate) for arg in SOURCE]
    cmd = [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *src,
        *QUIET,
        "-ac",
        "1",
        *CLEAN,
        *opts,
        str(dest),
    ]
    subprocess.run(cmd, check=True)
    strip_comments(dest)
    return dest


def strip_comments(path: Path) -> None:
    """Drop the ENCODER comment libvorbis/libopus/libspeex write even with bitexact."""
    import mutagen

    audio = mutagen.File(path)
    if (
        audio is not None
        and audio.tags is not None
        and hasattr(audio.tags, "clear")
        and len(audio.tags)
    ):
        audio.tags.clear()
        audio.save()


def main() -> int:
    if shutil.which("ffmpeg") is None:
        print("ffmpeg not found", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    have = encoders()
    rows: list[tuple[str, str, str]] = []
    for name, (encoder, rate, opts) in TEMPLATES.items():
        if encoder not in have:
            rows.append((name, "skipped", f"no {encoder} encoder"))
            continue
        try:
            path = encode(name, rate, opts)
        except subprocess.CalledProcessError as exc:
            rows.append((name, "failed", str(exc)))
            continue
        rows.append((name, "made", f"{path.stat().st_size} bytes"))
    print(f"{'format':<10} {'result':<8} detail")
    for row in rows:
        print(f"{row[0]:<10} {row[1]:<8} {row[2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
