"""Tag edits with mutagen on a copy (never on a template), in the file's own tag family."""

from __future__ import annotations

from pathlib import Path

import mutagen
from mutagen.apev2 import APEv2
from mutagen.asf import ASFTags
from mutagen.id3 import COMM, ID3, TIT2, TPE1
from mutagen.mp4 import MP4Tags


def retag(path: Path, title: str, *, comment: str = "edited") -> None:
    """Set a title and a comment (a long comment grows the tag past its padding)."""
    audio = mutagen.File(path)
    assert audio is not None, path
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    if isinstance(tags, ID3):
        tags.add(TIT2(encoding=3, text=[title]))
        tags.add(TPE1(encoding=3, text=["Someone"]))
        tags.add(COMM(encoding=3, lang="eng", desc="", text=[comment]))
    elif isinstance(tags, MP4Tags):
        tags["\xa9nam"] = [title]
        tags["\xa9cmt"] = [comment]
    elif isinstance(tags, ASFTags):
        tags["Title"] = [title]
        tags["Description"] = [comment]
    elif isinstance(tags, APEv2):
        tags["Title"] = title
        tags["Comment"] = comment
    else:  # Vorbis comments: FLAC, Ogg Vorbis/Opus/Speex/FLAC
        tags["title"] = [title]
        tags["comment"] = [comment]
    audio.save()
