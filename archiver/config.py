"""Where things live and how to match: the catalog path, MusicBrainz server and
contact, the AcoustID key, the preferred editions.

Every setting is resolved option > environment variable > config file >
default. The commands apply their options; this module does the rest. The
config file is ``$XDG_CONFIG_HOME/archiver/config.toml`` (``~/.config`` when
unset; ``ARCHIVER_CONFIG`` names another one), read with :mod:`tomllib` and
written only by the user: archiver never creates or changes it. A file that is
not valid TOML, or holds an unknown key or a value of the wrong type, is a
:class:`ConfigError` naming the file and line (exit status 2). See docs/config.md.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.errors import UsageError

DEFAULT_MUSICBRAINZ_URL = "https://musicbrainz.org"
DEFAULT_CONTACT = "https://github.com/archiver-music/archiver"
CONFIG_ENV = "ARCHIVER_CONFIG"
ACOUSTID_KEY_ENV = "ARCHIVER_ACOUSTID_KEY"

# section -> key -> kind ("str", "list", "bool"): everything the file may hold.
SCHEMA: dict[str, dict[str, str]] = {
    "musicbrainz": {"server": "str", "contact": "str"},
    "acoustid": {"key": "str"},
    "match": {
        "preferred_countries": "list",
        "preferred_formats": "list",
        "preferred_types": "list",
        "preferred_statuses": "list",
        "prefer_original": "bool",
    },
}


class ConfigError(UsageError):
    """The config file cannot be used; the message names the file and line. Exit status 2."""


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/archiver/library.db``, falling back to ``~/.local/share``."""
    data_home = os.environ.get("XDG_DATA_HOME")
    base = Path(data_home) if data_home else Path.home() / ".local" / "share"
    return base / "archiver" / "library.db"


def default_config_path() -> Path:
    """``$ARCHIVER_CONFIG``, else ``$XDG_CONFIG_HOME/archiver/config.toml``
    (``~/.config`` when unset)."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    config_home = os.environ.get("XDG_CONFIG_HOME")
    base = Path(config_home) if config_home else Path.home() / ".config"
    return base / "archiver" / "config.toml"


@dataclass(frozen=True)
class MatchConfig:
    """``[match]``: the preferred editions; None = not set in the file."""

    preferred_countries: tuple[str, ...] | None = None
    preferred_formats: tuple[str, ...] | None = None
    preferred_types: tuple[str, ...] | None = None
    preferred_statuses: tuple[str, ...] | None = None
    prefer_original: bool | None = None


@dataclass(frozen=True)
class Config:
    db_path: Path
    musicbrainz_url: str
    contact: str
    acoustid_key: str | None = None
    match: MatchConfig = field(default_factory=MatchConfig)
    config_path: Path | None = None  # the file read, None when there is none


def load_config(db_path: str | os.PathLike[str] | None = None) -> Config:
    """Resolve the configuration; ``db_path`` wins over ``ARCHIVER_DB``."""
    if db_path is None:
        db_path = os.environ.get("ARCHIVER_DB") or default_db_path()
    path = default_config_path()
    data = read_config_file(path, required=bool(os.environ.get(CONFIG_ENV)))
    mb, acoustid, match = (
        data.get("musicbrainz", {}),
        data.get("acoustid", {}),
        data.get("match", {}),
    )
    return Config(
        db_path=Path(db_path).expanduser(),
        musicbrainz_url=os.environ.get("ARCHIVER_MUSICBRAINZ_URL")
        or mb.get("server")
        or DEFAULT_MUSICBRAINZ_URL,
        contact=os.environ.get("ARCHIVER_CONTACT") or mb.get("contact") or DEFAULT_CONTACT,
        acoustid_key=os.environ.get(ACOUSTID_KEY_ENV) or acoustid.get("key") or None,
        match=MatchConfig(**match),
        config_path=path if data else None,
    )


def read_config_file(path: Path, *, required: bool = False) -> dict[str, dict[str, Any]]:
    """The checked contents of a config file ({} when there is none and it is not
    required): lists as tuples, strings stripped."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError(f"config file {path} ({CONFIG_ENV}) does not exist") from None
        return {}
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    return parse_config(text, str(path))


_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def parse_config(text: str, name: str = "config.toml") -> dict[str, dict[str, Any]]:
    """Parse and check config text; every problem is a one-line ConfigError."""
    import tomllib  # only when there is a file: every command starts through here

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _AT_LINE.search(message)
        if found:
            reason = _AT_LINE.sub("", message)
            raise ConfigError(f"{name}: line {found.group(1)}: {reason}") from None
        line = text.count("\n") + 1
        raise ConfigError(f"{name}: line {line}: {_AT_END.sub('', message)}") from None
    checked: dict[str, dict[str, Any]] = {}
    for section, values in raw.items():
        keys = SCHEMA.get(section)
        where = f"{name}: line {_line_of(text, section, None)}"
        if not isinstance(values, dict):
            line = _line_of(text, "", section)
            known = ", ".join(f"[{s}]" for s in SCHEMA)
            raise ConfigError(f"{name}: line {line}: key {section!r} outside a section ({known})")
        if keys is None:
            known = ", ".join(f"[{s}]" for s in SCHEMA)
            raise ConfigError(f"{where}: unknown section [{section}] (known: {known})")
        out: dict[str, Any] = {}
        for key, value in values.items():
            where = f"{name}: line {_line_of(text, section, key)}"
            kind = keys.get(key)
            if kind is None:
                raise ConfigError(
                    f"{where}: unknown key {key!r} in [{section}] (known: {', '.join(keys)})"
                )
            out[key] = _checked(value, kind, f"{where}: [{section}] {key}")
        checked[section] = out
    return checked


def _checked(value: Any, kind: str, where: str) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false")
        return value
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where} must be a non-empty string")
        return value.strip()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ConfigError(f'{where} must be a list of strings, e.g. ["GB", "US"]')
    return tuple(v.strip() for v in items if v.strip())


def _line_of(text: str, section: str, key: str | None) -> int:
    """The line of ``[section]`` (or of ``key =`` inside it; a dotted
    ``section.key =`` at top level too); 1 when it cannot be found."""
    header = re.compile(r"^\s*\[\s*" + re.escape(section) + r"\s*\]")
    any_header = re.compile(r"^\s*\[")
    assign = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=") if key is not None else None
    dotted = re.compile(r"^\s*" + re.escape(section) + r"\s*\.\s*" + re.escape(key or "") + r"\s*=")
    inside = section == ""  # "": top-level keys, before any [section]
    for number, line in enumerate(text.splitlines(), start=1):
        if header.match(line):
            if key is None:
                return number
            inside = True
        elif any_header.match(line):
            inside = False
        elif assign is not None and inside and assign.match(line):
            return number
        elif key is not None and not inside and dotted.match(line):
            return number
    return 1
