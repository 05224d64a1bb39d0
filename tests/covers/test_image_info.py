"""The image header parser (scan/mapping.image_info): mime and dimensions from the
first bytes of JPEG, PNG, GIF, BMP and WebP images, Nones for anything else."""

from __future__ import annotations

import struct

import pytest

from archiver.scan.mapping import image_info
from tests.covers.images import CORRUPT, jpeg, png


def _riff(chunk: bytes, body: bytes) -> bytes:
    data = chunk + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(data)) + b"WEBP" + data


def webp_vp8(width: int, height: int) -> bytes:
    return _riff(
        b"VP8 ", b"\x10\x02\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\x00" * 8
    )


def webp_vp8l(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    return _riff(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\x00" * 4)


def webp_vp8x(width: int, height: int) -> bytes:
    size = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return _riff(b"VP8X", b"\x10\x00\x00\x00" + size)


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00;"


def bmp(width: int, height: int) -> bytes:
    return b"BM" + b"\x00" * 16 + struct.pack("<ii", width, height) + b"\x00" * 28


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png(3, 5), ("image/png", 3, 5)),
        (gif(640, 480), ("image/gif", 640, 480)),
        (bmp(12, -34), ("image/bmp", 12, 34)),  # top-down BMP: negative height
        (webp_vp8(500, 400), ("image/webp", 500, 400)),
        (webp_vp8l(1, 16384), ("image/webp", 1, 16384)),
        (webp_vp8x(3000, 2000), ("image/webp", 3000, 2000)),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ("image/webp", None, None)),  # truncated
        (b"\x89PNG\r\n\x1a\n\x00", (None, None, None)),  # too short for IHDR
        (b"", (None, None, None)),
        (b"hello world, not an image", (None, None, None)),
        (CORRUPT, ("image/jpeg", None, None)),
    ],
)
def test_image_info(data, expected):
    assert image_info(data) == expected


def test_jpeg_sizes_past_app_segments():
    data = jpeg(33, 17)
    assert image_info(data) == ("image/jpeg", 33, 17)
    exif = b"\xff\xe1" + struct.pack(">H", 2 + 3000) + b"E" * 3000  # a big APP1 before SOF
    assert image_info(data[:2] + exif + data[2:]) == ("image/jpeg", 33, 17)
    assert image_info(data[:12]) == ("image/jpeg", None, None)  # cut before the SOF
