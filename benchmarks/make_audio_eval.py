"""Generate the audio-analysis evaluation set: known truths by construction.

Deterministic from ``--seed``. Per song (a music-like signal of
tests/audio/synth.py: tones with harmonics, a melody, noise percussion with
treble up to the Nyquist frequency):

- genuine FLAC and WAV (truth ``lossless``), a genuine 24-bit FLAC, a genuine
  recording with little treble (truth ``lossless``; ``unknown`` is an honest
  answer for it);
- lossy encodes back into 16-bit FLAC (truth ``transcode``): MP3 128/192/256/320k
  (libmp3lame), AAC 128/256k (FFmpeg's aac), Vorbis q4 (libvorbis), Opus 128k;
- upsampled 44.1 -> 96 kHz 24-bit (``upsampled``); 16 bits padded into 24
  (``padded-bits``);
- FLAC with damaged bytes mid-file, truncated FLAC and MP3 (decode ``error``);
- the same song as MP3 and AAC with other tags (``lossy``); the first 12 s of
  it as FLAC (an excerpt: acoustic group of its own).

Writes ``truth.csv`` (file, quality, decode, group, kind) beside the files;
``group`` is the acoustic group (every copy of a song is the same recording,
truncated ones included: they state the song's full length and are the song,
damaged; an excerpt is ``<song>-part``, a recording of its own).

    python benchmarks/make_audio_eval.py /tmp/audio-eval --songs 4 --seconds 30
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.audio import synth  # noqa: E402

LOSSY = [
    ("mp3", "128k", "mp3"),
    ("mp3", "192k", "mp3"),
    ("mp3", "256k", "mp3"),
    ("mp3", "320k", "mp3"),
    ("aac", "128k", "m4a"),
    ("aac", "256k", "m4a"),
    ("vorbis", "4", "ogg"),
    ("opus", "128k", "opus"),
]


def _tag(path: Path, title: str, artist: str) -> None:
    import mutagen

    f = mutagen.File(path, easy=True)
    if f is None:
        return
    if f.tags is None:
        f.add_tags()
    f["title"] = title
    f["artist"] = artist
    f.save()


def make_song(out: Path, i: int, seconds: float, seed: int) -> list[tuple[str, str, str, str, str]]:
    """Files of one song: (file, quality, decode, group, kind)."""
    rows: list[tuple[str, str, str, str, str]] = []
    song = f"song{i:02d}"
    group = song
    tmp = out / f".{song}"
    tmp.mkdir(exist_ok=True)

    def add(path: Path, quality: str, decode: str, kind: str, grp: str = group) -> None:
        rows.append((path.name, quality, decode, grp, kind))

    x = synth.music(seconds, 44100, seed * 1000 + i)
    wav = synth.write_wav(out / f"{song}-genuine.wav", x, 44100)
    add(wav, "lossless", "ok", "genuine wav")
    flac = synth.to_flac(wav, out / f"{song}-genuine.flac")
    add(flac, "lossless", "ok", "genuine flac")
    w24 = synth.write_wav(tmp / "g24.wav", x, 44100, bits=24)
    add(synth.to_flac(w24, out / f"{song}-genuine24.flac"), "lossless", "ok", "genuine 24-bit")
    dull = synth.write_wav(
        tmp / "dull.wav", synth.dull(seconds, 44100, seed * 1000 + i, corner=4000, order=4), 44100
    )
    add(
        synth.to_flac(dull, out / f"{song}-dull.flac"),
        "lossless",
        "ok",
        "genuine, little treble",  # the same recording, with its treble taken off
    )
    for codec, rate, ext in LOSSY:
        enc = synth.encode(wav, tmp / f"{codec}{rate}.{ext}", codec, rate)
        name = out / f"{song}-tc-{codec}{rate}.flac"
        synth.to_flac(enc, name, "-ar", "44100", "-sample_fmt", "s16")
        add(name, "transcode", "ok", f"{codec} {rate} -> flac")
    up = synth.to_flac(
        wav,
        out / f"{song}-up96.flac",
        "-ar",
        "96000",
        "-sample_fmt",
        "s32",
        "-bits_per_raw_sample",
        "24",
    )
    add(up, "upsampled", "ok", "44.1 -> 96 kHz")
    pad = synth.to_flac(
        wav, out / f"{song}-pad24.flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24"
    )
    add(pad, "padded-bits", "ok", "16 bits in 24")
    add(
        synth.damage(flac, out / f"{song}-damaged.flac", at=0.5, seed=i),
        "-",
        "error",
        "damaged flac",
    )
    add(
        synth.truncate(flac, out / f"{song}-trunc.flac", 0.6),
        "-",
        "error",
        "truncated flac",
    )
    mp3 = synth.encode(wav, out / f"{song}-copy.mp3", "mp3", "192k")
    _tag(mp3, f"Track {i} (mp3 copy)", "Someone Else")
    add(mp3, "lossy", "ok", "same song, mp3, other tags")
    m4a = synth.encode(wav, out / f"{song}-copy.m4a", "aac", "160k")
    _tag(m4a, f"Another name {i}", "Various")
    add(m4a, "lossy", "ok", "same song, aac, other tags")
    add(
        synth.truncate(mp3, out / f"{song}-trunc.mp3", 0.6),
        "-",
        "error",
        "truncated mp3",
    )
    _tag(flac, f"Track {i}", "The Band")
    excerpt = out / f"{song}-excerpt.flac"
    synth.ffmpeg("-i", wav, "-t", "12", "-c:a", "flac", excerpt)
    add(excerpt, "lossless", "ok", "first 12 s", f"{song}-excerpt")
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--songs", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not synth.have("ffmpeg"):
        sys.exit("make_audio_eval: needs ffmpeg")
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(args.songs):
        rows += make_song(args.out, i, args.seconds, args.seed)
        print(f"song {i + 1}/{args.songs}", file=sys.stderr)
    with open(args.out / "truth.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "quality", "decode", "group", "kind"])
        writer.writerows(rows)
    print(f"{len(rows)} files in {args.out}")


if __name__ == "__main__":
    main()
