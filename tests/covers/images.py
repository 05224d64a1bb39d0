"""Real images made here (no binary blobs, no Pillow) and written into real audio
files with mutagen, for the cover tests.

PNG: our own tiny writer (zlib + CRC). JPEG: encoded by PyAV's MJPEG encoder
(skipped where PyAV is absent). Embedding uses each format's native frame:
ID3 APIC, FLAC picture blocks, Vorbis METADATA_BLOCK_PICTURE, MP4 covr.
"""

from __future__ import annotations

import base64
import fractions
import hashlib
import os
import struct
import zlib
from pathlib import Path

import pytest
from mutagen import flac, id3, mp4, oggvorbis

from tests.audiogen import make_file

FRONT, BACK, OTHER = 3, 4, 0


def png(
    width: int, height: int, rgb: tuple[int, int, int] = (200, 30, 30), *, noise: bool = False
) -> bytes:
    """A valid RGB PNG: a plain colour with a diagonal stripe, or random pixels
    (incompressible: stored, so a big one is quick to make)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    if noise:
        raw = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
        body = zlib.compress(raw, 0)
    else:
        pixel = bytes(rgb)
        rows = []
        for y in range(height):
            row = bytearray(pixel * width)
            x = (y * width) // max(1, height)
            row[x * 3 : x * 3 + 3] = b"\xff\xff\xff"
            rows.append(b"\x00" + bytes(row))
        body = zlib.compress(b"".join(rows), 6)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def jpeg(width: int, height: int, rgb: tuple[int, int, int] = (20, 60, 200)) -> bytes:
    """A baseline JPEG of one colour with a vertical gradient, encoded by PyAV."""
    av = pytest.importorskip("av")
    np = pytest.importorskip("numpy")
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[:, :] = rgb
    pixels[:, :, 1] = np.linspace(0, 255, height, dtype=np.uint8)[:, None]
    ctx = av.CodecContext.create("mjpeg", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuvj420p"
    ctx.time_base = fractions.Fraction(1, 25)
    frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format="yuvj420p")
    return b"".join(bytes(p) for p in [*ctx.encode(frame), *ctx.encode(None)])


CORRUPT = b"\xff\xd8\xff\xe0 this is not really a JPEG " + bytes(range(256)) * 4


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _mime(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def tagged(dest: Path, fmt: str, tags: dict, pictures: list[tuple[int, bytes]] = ()) -> Path:
    """A real audio file (from the test templates) with ``tags`` and ``pictures``
    (picture type, image bytes) in its native tag family."""
    make_file(dest, fmt, tags)
    if not pictures:
        return dest
    if fmt in ("mp3", "wav", "aiff"):
        tag = id3.ID3(dest)
        for i, (kind, data) in enumerate(pictures):
            tag.add(id3.APIC(encoding=3, mime=_mime(data), type=kind, desc=f"p{i}", data=data))
        tag.save(dest)
    elif fmt == "flac":
        audio = flac.FLAC(dest)
        for kind, data in pictures:
            pic = flac.Picture()
            pic.type, pic.mime, pic.data = kind, _mime(data), data
            audio.add_picture(pic)
        audio.save()
    elif fmt == "ogg":
        audio = oggvorbis.OggVorbis(dest)
        blocks = []
        for kind, data in pictures:
            pic = flac.Picture()
            pic.type, pic.mime, pic.data = kind, _mime(data), data
            blocks.append(base64.b64encode(pic.write()).decode("ascii"))
        audio["metadata_block_picture"] = blocks
        audio.save()
    elif fmt == "m4a":
        audio = mp4.MP4(dest)
        audio["covr"] = [
            mp4.MP4Cover(
                data,
                mp4.MP4Cover.FORMAT_PNG
                if data.startswith(b"\x89PNG")
                else mp4.MP4Cover.FORMAT_JPEG,
            )
            for _, data in pictures
        ]
        audio.save()
    else:
        raise ValueError(fmt)
    return dest
