"""Query words starting with ``-`` are never options (``archiver ls -format:mp3``),
while a command's real options work before and after them."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archiver.cli import COMMANDS, cli
from archiver.commands._common import (
    QueryCommand,
    jobs_option,
    json_option,
    query_argument,
    split_query_args,
)

# ls/export-like options: -o takes a value, -j an int, -q and --json are flags.
OPTIONS = {
    "--output": (1, False),
    "-o": (1, False),
    "--format": (1, False),
    "--jobs": (1, True),
    "-j": (1, True),
    "--quiet": (0, False),
    "-q": (0, False),
    "--json": (0, False),
    "--help": (0, False),
}


@pytest.mark.parametrize(
    "args, expected",
    [
        (["-format:mp3"], ["--", "-format:mp3"]),
        (["-format:mp3", "--format", "{title}"], ["--format", "{title}", "--", "-format:mp3"]),
        (["--json", "artist:x", "-year:1990"], ["--json", "--", "artist:x", "-year:1990"]),
        (["-genre:rock", "--output", "f.csv"], ["--output", "f.csv", "--", "-genre:rock"]),
        (["-genre:rock", "-o", "f.csv"], ["-o", "f.csv", "--", "-genre:rock"]),
        (["--output=f.csv", "-rock"], ["--output=f.csv", "--", "-rock"]),
        # a value that looks like a query word or an option is still the option's value
        (["--format", "-{title}", "x"], ["--format", "-{title}", "--", "x"]),
        (["-o", "-", "-rock"], ["-o", "-", "--", "-rock"]),
        # an unknown real option stays an option: click says "No such option"
        (["--bogus", "-rock"], ["--bogus", "--", "-rock"]),
        (["--bogus=1"], ["--bogus=1"]),
        # a lone "-", negative numbers and negated quoted phrases are query words
        (["-"], ["--", "-"]),
        (["year:-5"], ["--", "year:-5"]),
        (["-5"], ["--", "-5"]),
        (["-two words"], ["--", "-two words"]),
        (['-"two words"'], ["--", '-"two words"']),
        # a word that merely starts like a short option is a query word
        (["-oasis"], ["--", "-oasis"]),
        (["-qj"], ["--", "-qj"]),
        (["-jazz"], ["--", "-jazz"]),
        # an int option takes its digits attached
        (["-j4", "-rock"], ["-j4", "--", "-rock"]),
        # `--` still ends the options: what follows is query text, even -q
        (["--", "-q", "--json"], ["--", "-q", "--json"]),
        (["-q", "--", "-q"], ["-q", "--", "-q"]),
        ([], []),
        (["--json"], ["--json"]),
        # an option missing its value is left for click to complain about
        (["-rock", "--output"], ["--output", "--", "-rock"]),
    ],
)
def test_split_query_args(args: list[str], expected: list[str]) -> None:
    assert split_query_args(args, OPTIONS) == expected


@click.command(cls=QueryCommand)
@query_argument
@jobs_option("Processes.")
@click.option("--output", "-o", default="-")
@click.option("--color/--no-color", default=True)
@json_option
def probe(query: tuple[str, ...], jobs: int | None, output: str, color: bool, as_json: bool):
    """Echo what was parsed."""
    click.echo(
        json.dumps(
            {"query": list(query), "jobs": jobs, "output": output, "color": color, "json": as_json}
        )
    )


def _probe(*args: str) -> click.testing.Result:
    return CliRunner().invoke(probe, list(args))


def test_options_before_between_and_after_query_words() -> None:
    result = _probe("-j", "2", "-rock", "--no-color", "artist:x", "-o", "out.csv", "-5", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "query": ["-rock", "artist:x", "-5"],
        "jobs": 2,
        "output": "out.csv",
        "color": False,
        "json": True,
    }


@pytest.mark.parametrize("args", [["--bogus"], ["-rock", "--bogus"], ["--bogus=1", "x"]])
def test_an_unknown_real_option_is_still_a_usage_error(args: list[str]) -> None:
    result = _probe(*args)
    assert result.exit_code == 2
    assert "No such option '--bogus'" in result.output


def test_a_bad_option_value_is_still_a_usage_error() -> None:
    result = _probe("-rock", "--jobs", "zero")
    assert result.exit_code == 2 and "--jobs" in result.output


def test_help_still_works_after_query_words() -> None:
    result = _probe("-rock", "--help")
    assert result.exit_code == 0 and "Echo what was parsed." in result.output


def test_every_command_with_a_query_parses_it_as_query() -> None:
    """A command declaring QUERY without QueryCommand would take -term for an option."""
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        if any(p.name == "query" for p in command.params):
            assert isinstance(command, QueryCommand), name


@pytest.fixture
def db(tmp_path: Path) -> Path:
    from archiver.catalog import open_catalog

    path = tmp_path / "library.db"
    open_catalog(path).close()
    return path


def _archiver(db: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def test_ls_takes_a_negated_field_without_double_dash(db: Path) -> None:
    result = _archiver(db, "ls", "-format:mp3")
    assert result.exit_code == 0, result.output  # was: No such option '-f'
    result = _archiver(db, "ls", "-format:mp3", "--format", "{title}")
    assert result.exit_code == 0, result.output


def test_stats_json_with_a_negation_after_the_option(db: Path) -> None:
    result = _archiver(db, "stats", "--json", "artist:x", "-year:1990")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["query"] == "artist:x -year:1990"


def test_export_output_after_a_negation(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    result = _archiver(db, "export", "-genre:rock", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("path,")


def test_a_real_command_still_refuses_an_unknown_option(db: Path) -> None:
    result = _archiver(db, "ls", "-rock", "--bogus")
    assert result.exit_code == 2 and "No such option '--bogus'" in result.output
