"""The config file: where it is, what it may hold, option > env > file > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import (
    DEFAULT_CONTACT,
    DEFAULT_MUSICBRAINZ_URL,
    ConfigError,
    MatchConfig,
    default_config_path,
    load_config,
    parse_config,
)
from archiver.musicbrainz.match import Preferences, edition_preferences

FULL = """\
# my archiver settings
[musicbrainz]
server = "http://mirror.local:5000"
contact = "me@example.org"

[acoustid]
key = "abc123"

[match]
preferred_countries = ["GB", "US"]
preferred_formats = ["CD", "Digital Media"]
preferred_types = ["Album"]
preferred_statuses = ["Official"]
prefer_original = true
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_CONFIG_HOME in tmp, no archiver variables set."""
    for name in (
        "ARCHIVER_CONFIG",
        "ARCHIVER_MUSICBRAINZ_URL",
        "ARCHIVER_CONTACT",
        "ARCHIVER_ACOUSTID_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "archiver"


def write(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_defaults(home):
    config = load_config("/tmp/x.db")
    assert (config.musicbrainz_url, config.contact, config.acoustid_key) == (
        DEFAULT_MUSICBRAINZ_URL,
        DEFAULT_CONTACT,
        None,
    )
    assert config.match == MatchConfig() and config.config_path is None
    assert edition_preferences(config.match) == Preferences()


def test_the_file_under_xdg_config_home(home):
    path = write(home, FULL)
    assert default_config_path() == path
    config = load_config("/tmp/x.db")
    assert config.config_path == path
    assert (config.musicbrainz_url, config.contact, config.acoustid_key) == (
        "http://mirror.local:5000",
        "me@example.org",
        "abc123",
    )
    assert config.match == MatchConfig(
        preferred_countries=("GB", "US"),
        preferred_formats=("CD", "Digital Media"),
        preferred_types=("Album",),
        preferred_statuses=("Official",),
        prefer_original=True,
    )


def test_home_config_without_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_config_path() == tmp_path / ".config" / "archiver" / "config.toml"


def test_environment_beats_the_file(home, monkeypatch):
    write(home, FULL)
    monkeypatch.setenv("ARCHIVER_MUSICBRAINZ_URL", "http://env:1")
    monkeypatch.setenv("ARCHIVER_CONTACT", "env@example.org")
    monkeypatch.setenv("ARCHIVER_ACOUSTID_KEY", "envkey")
    config = load_config("/tmp/x.db")
    assert (config.musicbrainz_url, config.contact, config.acoustid_key) == (
        "http://env:1",
        "env@example.org",
        "envkey",
    )


def test_options_beat_the_file_setting_by_setting(home):
    write(home, FULL)
    config = load_config("/tmp/x.db")
    prefs = edition_preferences(config.match, prefer_country=("US",), prefer_original=False)
    assert prefs == Preferences(
        countries=("US",),
        formats=("CD", "Digital Media"),
        types=("Album",),
        statuses=("Official",),
        original=False,
    )
    # An empty option is an explicit "no preference", not "not given".
    assert edition_preferences(config.match, prefer_status=()).statuses == ()


def test_archiver_config_names_another_file(home, monkeypatch, tmp_path):
    other = tmp_path / "elsewhere.toml"
    other.write_text('[musicbrainz]\ncontact = "other@example.org"\n', encoding="utf-8")
    monkeypatch.setenv("ARCHIVER_CONFIG", str(other))
    assert load_config("/tmp/x.db").contact == "other@example.org"
    monkeypatch.setenv("ARCHIVER_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_config("/tmp/x.db")


def test_a_comma_string_is_a_list_too():
    data = parse_config('[match]\npreferred_countries = "GB, US"\n')
    assert data["match"]["preferred_countries"] == ("GB", "US")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[match]\npreferred_countries = ["GB"\n', "line 3: "),
        ("[match]\n\nprefer_original = yes\n", "line 3: Invalid value"),
        ("[match]\nprefer_original = 1\n", "line 2: [match] prefer_original must be true or false"),
        ("[match]\n\n\npreferred_formats = [1, 2]\n", "line 4: [match] preferred_formats must be"),
        ("[match]\npreferred_country = []\n", "line 2: unknown key 'preferred_country' in [match]"),
        ("[musicbrainz]\nserver = 5\n", "line 2: [musicbrainz] server must be a non-empty string"),
        ('\n[acoustid]\nkey = ""\n', "line 3: [acoustid] key must be a non-empty string"),
        ("x = 1\n[match]\n", "line 1: key 'x' outside a section"),
        ("[mbz]\n", "line 1: unknown section [mbz]"),
        ("[match]\nprefer_original = true\n[match]\n", "line 3: "),
    ],
)
def test_a_malformed_file_is_one_line_naming_the_line(text, message):
    with pytest.raises(ConfigError) as info:
        parse_config(text, "config.toml")
    text = str(info.value)
    assert text.startswith("config.toml: ") and message in text
    assert "\n" not in text


def test_not_utf8_names_the_line(home):
    home.mkdir(parents=True)
    (home / "config.toml").write_bytes(b'[match]\npreferred_countries = ["\xff"]\n')
    with pytest.raises(ConfigError, match=r"config.toml: line 2: not UTF-8"):
        load_config("/tmp/x.db")


def test_archiver_never_writes_the_file(home):
    path = write(home, FULL)
    before = path.stat().st_mtime_ns, path.read_bytes()
    load_config("/tmp/x.db")
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before
    assert sorted(p.name for p in home.iterdir()) == ["config.toml"]
