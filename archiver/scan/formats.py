"""Audio properties per mutagen file type: container format, codec, lossless,
bits per sample - one table keyed by the mutagen class name, plus the few
codecs that must be looked up in the stream info (MP3 layer, MP4 codec, WAVE
format tag, ASF codec name, DSDIFF compression, WavPack hybrid flag)."""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    format: str
    codec: str | None
    lossless: bool | None
    extensions: frozenset[str]


def _k(fmt: str, codec: str | None, lossless: bool | None, *exts: str) -> Kind:
    return Kind(fmt, codec, lossless, frozenset(exts))


_MP4_EXTS = (
    ".m4a",
    ".m4b",
    ".m4p",
    ".m4r",
    ".m4v",
    ".mp4",
    ".alac",
    ".3gp",
    ".3g2",
    ".mov",
)
_OGG_EXTS = (".ogg", ".oga", ".ogx")

# mutagen class name -> what it is.
KINDS: dict[str, Kind] = {
    "MP3": _k("mp3", "mp3", False, ".mp3", ".mp2", ".mp1", ".mpg", ".mpeg", ".mpga"),
    "EasyMP3": _k("mp3", "mp3", False, ".mp3", ".mp2", ".mp1", ".mpg", ".mpeg", ".mpga"),
    "FLAC": _k("flac", "flac", True, ".flac", ".fla"),
    "OggVorbis": _k("ogg", "vorbis", False, *_OGG_EXTS),
    "OggOpus": _k("opus", "opus", False, ".opus", *_OGG_EXTS),
    "OggSpeex": _k("speex", "speex", False, ".spx", *_OGG_EXTS),
    "OggFLAC": _k("oggflac", "flac", True, ".oga", ".flac", *_OGG_EXTS),
    "OggTheora": _k("ogg", "theora", False, ".ogv", *_OGG_EXTS),
    "MP4": _k("mp4", "aac", None, *_MP4_EXTS),
    "EasyMP4": _k("mp4", "aac", None, *_MP4_EXTS),
    "WAVE": _k("wav", "pcm", True, ".wav", ".wave"),
    "AIFF": _k("aiff", "pcm", True, ".aif", ".aiff", ".aifc"),
    "ASF": _k("asf", "wma", False, ".wma", ".asf", ".wmv"),
    "MonkeysAudio": _k("ape", "ape", True, ".ape"),
    "WavPack": _k("wavpack", "wavpack", True, ".wv"),
    "Musepack": _k("musepack", "musepack", False, ".mpc", ".mp+", ".mpp"),
    "OptimFROG": _k("optimfrog", "optimfrog", True, ".ofr", ".ofs"),
    "TAK": _k("tak", "tak", True, ".tak"),
    "TrueAudio": _k("tta", "tta", True, ".tta"),
    "DSF": _k("dsf", "dsd", True, ".dsf"),
    "DSDIFF": _k("dsdiff", "dsd", True, ".dff"),
    "AAC": _k("aac", "aac", False, ".aac", ".adts", ".adif"),
    "AC3": _k("ac3", "ac3", False, ".ac3", ".eac3", ".ec3"),
    "SMF": _k("midi", "midi", None, ".mid", ".midi", ".kar", ".smf"),
    "APEv2File": _k("apev2", None, None, ".apev2", ".ape"),
    "ID3FileType": _k("id3", None, None, ".id3"),
}
UNKNOWN = _k("unknown", None, None)

# Every extension some kind claims: a file with one of these that turns out to
# be another kind is worth a note.
AUDIO_EXTENSIONS: frozenset[str] = frozenset(
    ext for kind in KINDS.values() for ext in kind.extensions
)

# MP4 sample entry / object type -> (codec, lossless).
_MP4_CODECS = {
    "mp4a.40": ("aac", False),
    "mp4a.67": ("aac", False),
    "mp4a.66": ("aac", False),
    "mp4a.68": ("aac", False),
    "mp4a.69": ("mp3", False),
    "mp4a.6b": ("mp3", False),
    "mp4a.a5": ("ac3", False),
    "mp4a.a6": ("eac3", False),
    "alac": ("alac", True),
    "flac": ("flac", True),
    "opus": ("opus", False),
    "ac-3": ("ac3", False),
    "ec-3": ("eac3", False),
    "mp4a": ("aac", False),
}
# WAVE format tags.
_WAVE_CODECS = {
    1: ("pcm", True),
    3: ("pcm_float", True),
    0xFFFE: ("pcm", True),
    2: ("adpcm", False),
    0x11: ("adpcm", False),
    6: ("alaw", False),
    7: ("mulaw", False),
    0x50: ("mp2", False),
    0x55: ("mp3", False),
    0x161: ("wma", False),
    0x2000: ("ac3", False),
}
_MP3_LAYERS = {1: "mp1", 2: "mp2", 3: "mp3"}
_WAVPACK_HYBRID = 0x8


def kind_of(class_name: str) -> Kind:
    return KINDS.get(class_name, UNKNOWN)


def _positive_int(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return n if n > 0 else None


def audio_properties(audio, ext: str = "", header: bytes = b"", size: int = 0) -> dict:
    """format, codec, lossless, duration, bitrate, sample_rate, channels, bits_per_sample of a
    loaded mutagen file. ``header`` is the file's first bytes (WavPack hybrid flag, TTA
    header); ``size`` the file size, for an average bitrate where the stream info has none
    (WavPack, Monkey's Audio, TAK, OptimFROG, TTA, Speex)."""
    name = type(audio).__name__
    kind = kind_of(name)
    info = getattr(audio, "info", None)
    fmt, codec, lossless = kind.format, kind.codec, kind.lossless

    if name in ("MP3", "EasyMP3"):
        codec = _MP3_LAYERS.get(getattr(info, "layer", 3), "mp3")
        fmt = codec
    elif name in ("MP4", "EasyMP4"):
        raw = (getattr(info, "codec", "") or "").lower()
        found = _MP4_CODECS.get(raw) or _MP4_CODECS.get(raw[:7]) or _MP4_CODECS.get(raw[:4])
        if found:
            codec, lossless = found
        else:
            codec, lossless = (raw or None), None  # no audio track, or a codec we do not know
    elif name == "WAVE":
        found = _WAVE_CODECS.get(getattr(info, "audio_format", 1))
        codec, lossless = (
            found if found else (f"wave_0x{getattr(info, 'audio_format', 0):04x}", None)
        )
    elif name == "ASF":
        label = f"{getattr(info, 'codec_type', '')} {getattr(info, 'codec_name', '')}".lower()
        if "lossless" in label:
            codec, lossless = "wmalossless", True
        elif "voice" in label:
            codec = "wmavoice"
        elif "windows media audio" not in label and label.strip():
            codec, lossless = label.strip().split()[0], None
    elif name == "DSDIFF":
        compression = (getattr(info, "compression", "") or "").strip().lower()
        if compression == "dst":
            codec = "dst"
    elif name == "AC3":
        codec = "eac3" if getattr(info, "codec", "ac-3") == "ec-3" else "ac3"
    elif name == "OptimFROG" and ext == ".ofs":
        lossless = False  # DualStream is lossy
    elif name == "WavPack" and header[:4] == b"wvpk" and len(header) >= 28:
        (flags,) = struct.unpack_from("<I", header, 24)
        if flags & _WAVPACK_HYBRID:
            lossless = False  # hybrid: lossy unless the .wvc correction file is used

    sample_rate = _positive_int(getattr(info, "sample_rate", None))
    channels = _positive_int(getattr(info, "channels", None))
    bits = _positive_int(getattr(info, "bits_per_sample", None))
    if name == "OggOpus" and sample_rate is None:
        sample_rate = 48000  # Opus always decodes at 48 kHz
    elif name == "TrueAudio" and header[:4] == b"TTA1" and len(header) >= 12:
        # mutagen reads only rate and length; the TTA1 header also has channels and depth.
        tta_channels, tta_bits = struct.unpack_from("<HH", header, 6)
        channels = channels or tta_channels or None
        bits = bits or tta_bits or None
    if bits is None and codec in ("dsd", "dst"):
        bits = 1
    if lossless is False:
        bits = None  # a lossy stream has no sample depth (MP4 reports a nominal 16)
    length = getattr(info, "length", None)
    try:
        duration = float(length) if length is not None else None
    except (TypeError, ValueError):
        duration = None
    if duration is not None and (duration != duration or duration < 0):
        duration = None
    bitrate = _positive_int(getattr(info, "bitrate", None))
    if bitrate is None and size and duration and duration > 0.5 and codec not in (None, "midi"):
        bitrate = int(size * 8 / duration)  # average over the file, tags included
    return {
        "format": fmt,
        "codec": codec,
        "lossless": lossless,
        "duration": duration,
        "bitrate": bitrate,
        "sample_rate": sample_rate,
        "channels": channels,
        "bits_per_sample": bits,
    }
