"""The bytes of a file's embedded pictures, read on demand (``archiver art``, the TUI).

The scan records what pictures are (``pictures`` table: type, mime, size,
sha256), never their bytes; this module reads them back from the audio file,
read-only, for every tag family the scanner reads pictures from: ID3 APIC/PIC
(also an ID3v2 tag in front of FLAC, AAC, ...), FLAC picture blocks, Vorbis
METADATA_BLOCK_PICTURE / COVERART comments, MP4 ``covr``, ASF WM/Picture and
APEv2 ``Cover Art (...)`` items (also at the end of a TTA or MP3). Not read: an
ID3v2 tag appended at the end of a file (rare; its pictures are then "not found"). A picture is found by its SHA-256, so the bytes
given are exactly the bytes the catalog describes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
import struct
from collections.abc import Iterator

import mutagen
from mutagen.apev2 import APEv2
from mutagen.flac import Picture as FlacPicture
from mutagen.id3 import ID3

from archiver.scan.mapping_id3 import PICTURE_FRAMES
from archiver.scan.mapping_mp4 import COVER_ATOM
from archiver.scan.mapping_vorbis import PICTURE_KEYS

__all__ = ["embedded_images", "picture_bytes"]


def _wm_picture_image(data: bytes) -> bytes | None:
    """The image in a WM/Picture value: type byte, LE uint32 size, UTF-16 mime and
    description (NUL-terminated), then the image."""
    try:
        _ptype, size = struct.unpack_from("<bI", data)
    except struct.error:
        return None
    pos = 5
    for _ in range(2):  # mime, description
        while pos + 1 < len(data) and data[pos : pos + 2] != b"\x00\x00":
            pos += 2
        pos += 2
    image = data[pos : pos + size]
    return image or None


def _images_of_tags(tags) -> Iterator[bytes]:
    """Every image in one tag object, whatever its family."""
    if tags is None:
        return
    if isinstance(tags, ID3):
        for frame in tags.values():
            if frame.FrameID in PICTURE_FRAMES:
                yield frame.data
        return
    items = tags.items() if hasattr(tags, "items") else tags
    for key, value in items:
        lowered = str(key).lower()
        values = value if isinstance(value, list) else [value]
        if key == COVER_ATOM:  # MP4
            yield from (bytes(v) for v in values)
        elif lowered in PICTURE_KEYS:  # Vorbis comment (a list of (key, value) pairs)
            for text in values:
                try:
                    data = base64.b64decode(text)
                except (binascii.Error, ValueError, TypeError):
                    continue
                if lowered == "metadata_block_picture":
                    try:
                        data = FlacPicture(data).data
                    except Exception:  # noqa: BLE001 - a broken block is skipped, as the scan does
                        continue
                yield data
        elif lowered == "wm/picture":  # ASF
            for attr in values:
                image = _wm_picture_image(getattr(attr, "value", b"") or b"")
                if image:
                    yield image
        elif lowered.startswith("cover art"):  # APEv2: "<file name>\0<image bytes>"
            data = getattr(value, "value", None)
            if isinstance(data, bytes):
                yield data.split(b"\x00", 1)[1] if b"\x00" in data else data


def embedded_images(path_bytes: bytes) -> Iterator[bytes]:
    """Every embedded image of the file, in tag order; the file is opened read-only.
    Raises OSError when it cannot be read; a file mutagen cannot parse gives nothing,
    and so does anything but a regular file (a FIFO put there since the scan would
    block the reader forever)."""
    if not stat.S_ISREG(os.stat(path_bytes).st_mode):
        return
    with open(path_bytes, "rb") as handle:
        data_head = handle.read(10)
        handle.seek(0)
        try:
            audio = mutagen.File(handle)
        except Exception:  # noqa: BLE001 - damaged file: no pictures from the parser
            audio = None
        if audio is not None:
            yield from (bytes(p.data) for p in getattr(audio, "pictures", None) or ())
            yield from _images_of_tags(audio.tags)
        if data_head[:3] == b"ID3" and not (audio is not None and isinstance(audio.tags, ID3)):
            handle.seek(0)
            try:
                yield from _images_of_tags(ID3(handle))
            except Exception:  # noqa: BLE001 - an extra ID3 tag is best effort, as in the scan
                pass
        if not (audio is not None and isinstance(audio.tags, APEv2)):
            handle.seek(0)
            try:  # an APEv2 tag at the end (TTA, MP3, ...): reads the footer, else raises
                ape = APEv2(handle)
            except Exception:  # noqa: BLE001 - none, or damaged: best effort, as in the scan
                ape = None
            if ape is not None:
                yield from _images_of_tags(ape)


def picture_bytes(path_bytes: bytes, sha256: str) -> bytes | None:
    """The bytes of the embedded picture whose SHA-256 is ``sha256``, or None when
    the file holds no such picture any more (changed since the scan)."""
    for data in embedded_images(path_bytes):
        if hashlib.sha256(data).hexdigest() == sha256:
            return data
    return None
