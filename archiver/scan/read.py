"""Read one audio file into a FileRecord: audio properties, normalized tags
(Picard names, via the per-family tables in ``mapping_*``), raw tags and
picture summaries. Runs in worker processes; never raises, never writes.

The file is opened once, read-only, and that one file object serves the
type sniffing, mutagen's parser and the tail check for APEv2 / ID3v1 tags that
mutagen's MP3 reader does not look at.
"""

from __future__ import annotations

import io
import os
import stat
import struct
from collections.abc import Callable

from mutagen import MutagenError
from mutagen._vorbis import VComment  # base class of FLAC's and Ogg's comments
from mutagen.aac import AAC
from mutagen.ac3 import AC3
from mutagen.aiff import AIFF
from mutagen.apev2 import APENoHeaderError, APEv2, APEv2File
from mutagen.asf import ASF, ASFTags
from mutagen.dsdiff import DSDIFF
from mutagen.dsf import DSF
from mutagen.flac import FLAC
from mutagen.id3 import ID3, ID3FileType, ParseID3v1
from mutagen.monkeysaudio import MonkeysAudio
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Tags
from mutagen.musepack import Musepack
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggtheora import OggTheora
from mutagen.oggvorbis import OggVorbis
from mutagen.optimfrog import OptimFROG
from mutagen.smf import SMF
from mutagen.tak import TAK
from mutagen.trueaudio import TrueAudio
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack

from archiver.scan import fastpaths, formats
from archiver.scan import mapping as m
from archiver.scan.mapping_ape import collect_ape, raw_ape
from archiver.scan.mapping_asf import collect_asf, raw_asf
from archiver.scan.mapping_id3 import collect_id3, id3_version_name, raw_id3
from archiver.scan.mapping_mp4 import collect_mp4, raw_mp4
from archiver.scan.mapping_riff import collect_riff, raw_riff, read_riff_info
from archiver.scan.mapping_vorbis import collect_vorbis, raw_vorbis
from archiver.scan.record import FileRecord, mtime_ns_of

fastpaths.install()


# Same candidates, in the same order, as mutagen.File().
KINDS = (
    MP3,
    TrueAudio,
    OggTheora,
    OggSpeex,
    OggVorbis,
    OggFLAC,
    FLAC,
    AIFF,
    APEv2File,
    MP4,
    ID3FileType,
    WavPack,
    Musepack,
    MonkeysAudio,
    OptimFROG,
    ASF,
    OggOpus,
    AAC,
    AC3,
    SMF,
    TAK,
    DSF,
    DSDIFF,
    WAVE,
)
_BY_NAME = {kind.__name__: kind for kind in KINDS}
# Extension -> the reader to blame when nothing recognises a file with that extension.
_EXT_KINDS: dict[str, tuple[type, ...]] = {}
for _name, _info in formats.KINDS.items():
    if _name in _BY_NAME:
        for _ext in _info.extensions:
            _EXT_KINDS[_ext] = (*_EXT_KINDS.get(_ext, ()), _BY_NAME[_name])
_EXT_KIND: dict[str, type] = {ext: kinds[0] for ext, kinds in _EXT_KINDS.items()}
# Kinds whose tag, if any, is ID3 and that may also carry APEv2 / ID3v1 at the end.
_TAIL_TAG_KINDS = (MP3, TrueAudio, AAC, ID3FileType, APEv2File)
# Readers whose ID3 tag is loaded without mutagen's v2.4 conversion (see mapping_id3).
_ID3_KINDS = frozenset({MP3, TrueAudio, ID3FileType, AIFF, WAVE, DSF, DSDIFF})
_HEADER_BYTES = 128
_TAIL_BYTES = 160  # APE footer (32) + ID3v1 (128)


def _one_line(exc: BaseException, path_bytes: bytes | None = None) -> str:
    """ "HeaderNotFoundError: can't sync to MPEG frame" - one line, no path in it."""
    if isinstance(exc, _DamagedData):
        return str(exc)[:300]
    name = type(exc).__name__
    if name == "error":  # mutagen's per-module error classes: say which module
        name = f"{type(exc).__module__.replace('._util', '')}.error"
    text = str(exc).strip()
    if not text:
        cause = exc.args[0] if exc.args else exc.__cause__
        text = type(cause).__name__ if isinstance(cause, BaseException) else ""
        if text:
            text = f"{text} while reading (truncated?)"
    line = text.splitlines()[0] if text else ""
    if path_bytes is not None and line:
        line = line.replace(repr(path_bytes), "<file>").replace(
            repr(os.fsdecode(path_bytes)), "<file>"
        )
    return (f"{name}: {line}" if line else name)[:300]


def _os_error(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "vanished (no such file)"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    return f"{type(exc).__name__}: {exc.strerror or exc}"


_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
# Unambiguous magic numbers -> reader (checked before scoring: cheaper, and content
# is what decides; a disagreeing extension is noted afterwards).
_MAGIC: tuple[tuple[bytes, type], ...] = (
    (b"fLaC", FLAC),
    (b"wvpk", WavPack),
    (b"MAC ", MonkeysAudio),
    (b"tBaK", TAK),
    (b"TTA1", TrueAudio),
    (b"DSD ", DSF),
    (b"FRM8", DSDIFF),
    (b"MPCK", Musepack),
    (b"MP+", Musepack),
    (b"OFR ", OptimFROG),
    (b"MThd", SMF),
    (_ASF_GUID, ASF),
)
_OGG_MARKERS: tuple[tuple[bytes, type], ...] = (
    (b"\x01vorbis", OggVorbis),
    (b"OpusHead", OggOpus),
    (b"Speex   ", OggSpeex),
    (b"FLAC", OggFLAC),
    (b"\x80theora", OggTheora),
)


# Audio codecs of an Ogg stream's first packet (Theora is video).
_OGG_AUDIO: tuple[tuple[bytes, type], ...] = tuple(
    (marker, kind) for marker, kind in _OGG_MARKERS if kind is not OggTheora
)
_MAX_OGG_STREAMS = 16
VIDEO_ONLY = "video only (Ogg Theora), no audio stream"


def ogg_first_packets(fileobj) -> list[bytes]:
    """The first bytes of each logical stream's first packet: the Ogg spec puts every
    stream's beginning-of-stream page before any data page, so this reads a few
    small pages at the start of the file."""
    out: list[bytes] = []
    fileobj.seek(0)
    for _ in range(_MAX_OGG_STREAMS):
        head = fileobj.read(27)
        if len(head) < 27 or head[:4] != b"OggS" or not head[5] & 0x02:
            break  # not a page, or the first page that is not a stream's beginning
        body_size = sum(fileobj.read(head[26]))
        out.append(fileobj.read(body_size)[:16])
    return out


def ogg_audio_kind(fileobj):
    """The reader of the first audio stream of an Ogg file (Theora + Vorbis -> OggVorbis);
    None when it has none (a video-only Ogg Theora)."""
    for packet in ogg_first_packets(fileobj):
        for marker, kind in _OGG_AUDIO:
            if marker in packet:
                return kind
    return None


_MP3_EXTS = frozenset({".mp3", ".mp2", ".mp1", ".mpg", ".mpeg", ".mpga"})
_MPEG_SYNCS = frozenset({b"\xff\xf2", b"\xff\xf3", b"\xff\xfa", b"\xff\xfb"})


def _by_magic(header: bytes, ext: str = ""):
    """The reader a header's magic number names, or None when it needs scoring (ID3, MPEG sync
    under another extension)."""
    if ext in _MP3_EXTS and (header[:3] == b"ID3" or header[:2] in _MPEG_SYNCS):
        return MP3  # what mutagen's scoring picks too (header 2 + extension 1)
    if header[4:8] == b"ftyp":
        return MP4
    if header[:4] == b"RIFF" and header[8:12] == b"WAVE":
        return WAVE
    if header[:4] == b"FORM" and header[8:12] in (b"AIFF", b"AIFC"):
        return AIFF
    if header[:4] == b"OggS":
        for marker, kind in _OGG_MARKERS:
            if marker in header:
                return kind
        return None
    for magic, kind in _MAGIC:
        if header.startswith(magic):
            return kind
    return None


def _choose(name: str, fileobj, header: bytes):
    """The mutagen class mutagen.File() would pick (extension + header score)."""
    best = None
    best_key = (0, "")
    for kind in KINDS:
        score = kind.score(name, fileobj, header)
        if score > 0 and (score, kind.__name__) > best_key:
            best_key, best = (score, kind.__name__), kind
    return best


class _DamagedData(MutagenError):
    """A mutagen parser crashed (KeyError, ValueError, ...) on damaged input."""


_buffered_read = io.BufferedReader.read


class _CappedReader(io.BufferedReader):
    """A buffered reader that never asks for more than the file holds: a damaged header
    claiming a 2 GB chunk would otherwise make ``read(n)`` allocate n bytes up front.
    (mutagen calls ``read`` ~27 times per file: the common small read goes straight
    to the C method, without ``super()``.)"""

    __slots__ = ("_size",)

    def __init__(self, raw, size: int) -> None:
        super().__init__(raw)
        self._size = size

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n <= 65536:
            return _buffered_read(self, n)
        return _buffered_read(self, max(0, min(n, self._size - self.tell())))


def _load(kind, fileobj):
    """``kind(fileobj)``; a parser crash on damaged data (KeyError, ValueError, ... inside
    mutagen) is reported like mutagen's own errors: the file is corrupt, we are not."""
    fileobj.seek(0)
    try:
        if kind in _ID3_KINDS:
            return kind(fileobj, translate=False)
        return kind(fileobj)
    except (MutagenError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 - mutagen bugs on damaged input
        raise _DamagedData(
            f"{kind.__name__} reader failed on damaged data ({_one_line(exc)})"
        ) from exc


def read_file(path_bytes: bytes, st: os.stat_result | None = None) -> FileRecord:
    """Never raises: problems become ``record.error`` = (kind, one-line message)."""
    try:
        if st is None:
            st = os.stat(path_bytes)
    except OSError as exc:
        return FileRecord(path_bytes, 0, 0, error=("unreadable", _os_error(exc)))
    except Exception as exc:  # noqa: BLE001 - e.g. a NUL byte in the path
        return FileRecord(path_bytes, 0, 0, error=("internal", _one_line(exc)))
    record = FileRecord(path_bytes, st.st_size, mtime_ns_of(st))
    if not stat.S_ISREG(st.st_mode):
        # A FIFO or device would block or stream forever: never open it.
        record.error = (
            "unreadable",
            "is a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file",
        )
        return record
    try:
        _read_into(record)
    except OSError as exc:
        record.error = ("unreadable", _os_error(exc))
    except MutagenError as exc:
        record.error = ("corrupt", _one_line(exc, path_bytes))
    except Exception as exc:  # noqa: BLE001 - every failure is recorded per file
        record.error = ("internal", _one_line(exc, path_bytes))
    return record


def _read_into(record: FileRecord) -> None:
    path_bytes = record.path_bytes
    base = os.path.basename(path_bytes)
    name = os.fsdecode(base).lower()
    ext = os.path.splitext(name)[1]
    if record.size == 0:
        record.error = ("corrupt", "empty file (0 bytes)")
        return
    with _CappedReader(io.FileIO(path_bytes, "r"), record.size) as fileobj:
        header = fileobj.read(_HEADER_BYTES)
        audio = None
        first_error: Exception | None = None
        magic_kind = _by_magic(header, ext)
        if magic_kind is not None:
            try:
                audio = _load(magic_kind, fileobj)
            except MutagenError:
                audio = None  # let the slow path say what is wrong
            if audio is not None:
                _fill(record, audio, fileobj, ext, header)
                return
        if header[:3] == b"ID3":
            # An ID3v2 tag says nothing about the audio behind it: the extension decides
            # (.aac, .tta, .flac, .ape ... with an ID3v2 prefix), scoring only if that fails.
            for ext_kind in _EXT_KINDS.get(ext, ()):
                if ext_kind is magic_kind:
                    continue
                try:
                    audio = _load(ext_kind, fileobj)
                except MutagenError:
                    continue
                _fill(record, audio, fileobj, ext, header)
                return
        kind = _choose(name, fileobj, header)
        if kind is None:
            # mutagen scores some formats by content only (MP4, ASF, Ogg): a .m4a it does
            # not recognise is a damaged M4A, so let that reader say what is wrong.
            kind = _EXT_KIND.get(ext)
            by_extension_only = kind is not None
        else:
            by_extension_only = False
        if kind is not None:
            try:
                audio = _load(kind, fileobj)
            except MutagenError as exc:
                first_error = exc
        if audio is None:
            # Extension and content may disagree (a DSF named .flac): sniff the content
            # alone, then try the extension's own reader (an ID3-tagged .aac scores as MP3).
            tried = {kind}
            candidates = [(_choose("", fileobj, header), "content")]
            candidates += [(k, "extension") for k in _EXT_KINDS.get(ext, ())]
            for candidate, how in candidates:
                if candidate is None or candidate in tried:
                    continue
                tried.add(candidate)
                try:
                    audio = _load(candidate, fileobj)
                except MutagenError:
                    continue
                record.notes.append(
                    f"{kind.__name__ if kind else 'nothing'} suggested by name and header"
                    + (f" failed ({_one_line(first_error, path_bytes)})" if first_error else "")
                    + f"; read as {candidate.__name__} by {how}"
                )
                break
        if audio is None:
            if first_error is not None:
                record.error = ("corrupt", _one_line(first_error, path_bytes))
            else:
                record.error = ("unsupported", "not an audio format mutagen recognises")
            return
        if by_extension_only and audio is not None and type(audio) is kind:
            record.notes.append(
                f"content not recognised; read as {kind.__name__} because of the extension {ext}"
            )
        _fill(record, audio, fileobj, ext, header)


def _tail(fileobj, size: int) -> bytes:
    fileobj.seek(max(0, size - _TAIL_BYTES))
    return fileobj.read(_TAIL_BYTES)


def _appended_id3(fileobj, end: int, footer: bytes):
    """An ID3v2.4 tag appended at the end of the file (footer "3DI"), which mutagen skips."""
    if footer[:3] != b"3DI" or len(footer) < 10:
        return None
    size = 0
    for byte in footer[6:10]:
        if byte & 0x80:
            return None
        size = (size << 7) | byte
    start = end - 10 - size - 10
    if start < 0:
        return None
    fileobj.seek(start)
    data = fileobj.read(size + 10)
    if data[:3] != b"ID3":
        return None
    try:
        tag = ID3(io.BytesIO(data), translate=False)
    except Exception:  # noqa: BLE001 - an extra tag is best effort
        return None
    return tag if len(tag) else None


# --- the main tag of a file, by tag family ------------------------------------
# Each reads a mutagen tag object into (tag format name, collected fields, raw tags,
# pictures).
FamilyResult = tuple[str, m.Collected, dict[str, list], list]


def _id3_tag(tags, audio) -> FamilyResult:
    return id3_version_name(tags.version), collect_id3(tags), *raw_id3(tags)


def _vorbis_tag(tags, audio) -> FamilyResult:
    return "VorbisComment", collect_vorbis(tags), *raw_vorbis(tags, getattr(audio, "pictures", ()))


def _mp4_tag(tags, audio) -> FamilyResult:
    return "MP4", collect_mp4(tags), *raw_mp4(tags)


def _asf_tag(tags, audio) -> FamilyResult:
    return "ASF", collect_asf(tags), *raw_asf(tags)


def _ape_tag(tags, audio) -> FamilyResult:
    items = tags.items()  # once: mutagen validates the key again on every lookup
    return "APEv2", collect_ape(items), *raw_ape(items)


# mutagen tag class -> family reader; subclasses (AIFF's ID3, FLAC's VComment, ...)
# are resolved through their MRO once and cached.
TAG_FAMILIES: dict[type, Callable[..., FamilyResult]] = {
    ID3: _id3_tag,
    VComment: _vorbis_tag,
    MP4Tags: _mp4_tag,
    ASFTags: _asf_tag,
    APEv2: _ape_tag,
}
_FAMILY_OF: dict[type, Callable[..., FamilyResult] | None] = {}


def _family_of(cls: type) -> Callable[..., FamilyResult] | None:
    """The family reader for a tag class (None: a tag type we do not map)."""
    try:
        return _FAMILY_OF[cls]
    except KeyError:
        pass
    family = next((TAG_FAMILIES[k] for k in cls.__mro__ if k in TAG_FAMILIES), None)
    _FAMILY_OF[cls] = family
    return family


def _fill(record: FileRecord, audio, fileobj, ext: str, header: bytes) -> None:
    if type(audio) is OggTheora:
        # A video: its audio stream, if any, is the track; without one it is no audio file.
        kind = ogg_audio_kind(fileobj)
        if kind is None:
            record.error = ("unsupported", VIDEO_ONLY)
            record.not_audio = True
            return
        audio = _load(kind, fileobj)
    props = formats.audio_properties(audio, ext, header, record.size)
    record.format = props["format"]
    record.codec = props["codec"]
    record.lossless = props["lossless"]
    record.duration = props["duration"]
    record.bitrate = props["bitrate"]
    record.sample_rate = props["sample_rate"]
    record.channels = props["channels"]
    record.bits_per_sample = props["bits_per_sample"]
    if type(audio) in (ID3FileType, APEv2File):
        record.notes.append(f"a bare {type(audio).__name__} tag file: no audio stream")
    kind_info = formats.kind_of(type(audio).__name__)
    if ext in formats.AUDIO_EXTENSIONS and ext not in kind_info.extensions and not record.notes:
        record.notes.append(f"content is {type(audio).__name__}, extension is {ext}")

    tags = audio.tags
    primary: m.Collected | None = None
    secondary: list[m.Collected] = []
    raw: dict[str, list[m.RawValue]] = {}
    pictures = []
    formats_found: list[str] = []

    family = _family_of(type(tags)) if tags is not None else None
    if family is not None:
        format_name, primary, raw, pictures = family(tags, audio)
        formats_found.append(format_name)
    elif tags is not None:
        formats_found.append(type(tags).__name__)
        record.notes.append(f"tag type {type(tags).__name__} not mapped")
    elif isinstance(audio, FLAC) and audio.pictures:
        # FLAC with picture blocks but no Vorbis comment block.
        raw, pictures = raw_vorbis(None, audio.pictures)

    # An ID3v2 tag in front of a format whose reader skips it (FLAC, AAC, ...).
    if header[:3] == b"ID3" and not isinstance(tags, ID3):
        try:
            fileobj.seek(0)
            extra = ID3(fileobj, translate=False)
        except Exception as exc:  # noqa: BLE001 - an extra tag is best effort
            record.notes.append(f"ID3v2 tag in front unreadable: {_one_line(exc)}")
            extra = None
        if extra is not None and len(extra):
            formats_found.append(id3_version_name(extra.version))
            collected = collect_id3(extra)
            extra_raw, extra_pics = raw_id3(extra, prefix="ID3:" if raw else "")
            if primary is None:
                primary = collected
            else:
                secondary.append(collected)
            raw.update(extra_raw)
            pictures.extend(extra_pics)

    if isinstance(audio, WAVE):
        try:
            info_pairs = read_riff_info(fileobj, record.size)
        except (OSError, ValueError, struct.error):
            info_pairs = []
        if info_pairs:
            formats_found.append("RIFF INFO")
            collected = collect_riff(info_pairs)
            if primary is None:
                primary = collected
            else:
                secondary.append(collected)
            raw.update(raw_riff(info_pairs))

    if isinstance(audio, _TAIL_TAG_KINDS):
        tail = _tail(fileobj, record.size)
        has_v1 = tail[-128:-125] == b"TAG" and len(tail) >= 128
        ape_here = tail[-32:-24] == b"APETAGEX" or (has_v1 and tail[-160:-152] == b"APETAGEX")
        lyrics3 = has_v1 and tail[-137:-128] == b"LYRICS200"
        if has_v1 and not (isinstance(tags, ID3) and tags.version[0] == 1):
            formats_found.append("ID3v1")
            if not isinstance(tags, ID3):
                try:
                    frames = ParseID3v1(tail[-128:])
                except Exception:  # noqa: BLE001 - an extra tag is best effort
                    frames = None
                if frames:
                    collected = collect_id3(frames)
                    v1_raw, _ = raw_id3(frames, prefix="ID3v1:")
                    raw.update(v1_raw)
                    secondary.append(collected)
        footer = tail[-138:-128] if has_v1 else tail[-10:]
        if footer[:3] == b"3DI":
            appended = _appended_id3(fileobj, record.size - (128 if has_v1 else 0), footer)
            if appended is not None:
                formats_found.append(id3_version_name(appended.version) + " (appended)")
                collected = collect_id3(appended)
                app_raw, app_pics = raw_id3(appended, prefix="ID3-appended:" if raw else "")
                if primary is None or (isinstance(tags, ID3) and tags.version[0] == 1):
                    # An appended v2 tag outranks the ID3v1 mutagen found.
                    if primary is not None:
                        secondary.insert(0, primary)
                    primary = collected
                else:
                    secondary.append(collected)
                raw.update(app_raw)
                pictures.extend(app_pics)
        if not isinstance(tags, APEv2) and (ape_here or lyrics3):
            try:
                fileobj.seek(0)
                ape = APEv2(fileobj)
            except APENoHeaderError:
                ape = None
            except Exception as exc:  # noqa: BLE001 - an extra tag is best effort
                record.notes.append(f"APEv2 tag unreadable: {_one_line(exc)}")
                ape = None
            if ape is not None:
                formats_found.append("APEv2")
                items = ape.items()
                collected = collect_ape(items)
                ape_raw, ape_pics = raw_ape(items, prefix="APEv2:" if raw else "")
                if primary is None:
                    primary = collected
                else:
                    secondary.append(collected)
                raw.update(ape_raw)
                pictures.extend(ape_pics)

    normalized = m.finalize(primary or {})
    for extra_values in secondary:
        normalized = m.merge(normalized, m.finalize(extra_values))
    for key, value in normalized.items():
        if type(value) is str and len(value) > m.FIELD_CAP:
            normalized[key] = m.cap_text(value, m.FIELD_CAP)
    m.cap_raw(raw)
    record.tags = normalized
    record.raw_tags = raw
    record.pictures = pictures
    record.tag_formats = formats_found
