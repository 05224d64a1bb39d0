"""The docs keep up with the code: every command shows an example in its ``--help`` and has
a page (docs/<command>.md) or a README section; every query field and export column is
documented. Each list is read from the code, so a new command, field or column fails here
until its docs exist.

Tag columns are checked against docs/tag-mapping.md by
tests/scan/read/test_field_registry.py (``test_docs_table_is_the_registry``,
``test_every_column_is_named_in_the_docs``), not repeated here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.catalog.query import COLUMNS, EXTRA_COLUMNS, FIELDS
from archiver.catalog.tracks import EXPORT_COLUMNS
from archiver.cli import COMMANDS, cli

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def example_lines(help_text: str) -> list[str]:
    """The lines of the ``Example:`` block of a ``--help`` text (up to the next blank line)."""
    lines = help_text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Example:"), None)
    if start is None:
        return []
    block = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        block.append(line.strip())
    return block


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_has_an_example_running_the_command(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    examples = example_lines(result.output)
    assert examples, f"`archiver {name} --help` has no 'Example:' block"
    runs = [e for e in examples if e.startswith("archiver") and name in e.split("#")[0].split()]
    assert runs, f"no line of `archiver {name} --help`'s Example block runs `archiver {name}`"


def _readme_headings() -> list[str]:
    return [line for line in _read(REPO / "README.md").splitlines() if line.startswith("#")]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_page_or_a_readme_section(name: str) -> None:
    page = DOCS / f"{name}.md"
    if page.exists():
        assert f"archiver {name}" in _read(page), f"{page.name} never names `archiver {name}`"
        return
    sections = [h for h in _readme_headings() if re.search(rf"`archiver {name}\b", h)]
    assert sections, f"`archiver {name}` has neither docs/{name}.md nor a README section"


def _backticked(text: str) -> set[str]:
    """Every name written as `name` or `name:...` in ``text``."""
    return set(re.findall(r"`([a-z_0-9]+)[`:]", text))


def test_every_query_field_is_documented() -> None:
    documented = _backticked(_read(DOCS / "query.md"))
    undocumented = sorted(set(FIELDS) - documented)
    assert not undocumented, f"query fields missing from docs/query.md: {undocumented}"


def test_every_export_column_has_a_row_in_the_columns_table() -> None:
    doc = _read(DOCS / "export.md")
    rows = set(re.findall(r"^\| `([a-z_0-9]+)` \|", doc, re.MULTILINE))
    assert list(COLUMNS) == EXPORT_COLUMNS
    undocumented = [c for c in EXPORT_COLUMNS if c not in rows]
    assert not undocumented, f"export columns missing from docs/export.md: {undocumented}"


def _option_item(doc: str, option: str) -> str:
    """The bullet of docs/export.md that explains ``option`` (up to the next bullet or heading)."""
    match = re.search(rf"^- `{option}[^\n]*(?:\n(?![-#]|\n)[^\n]*)*", doc, re.MULTILINE)
    assert match, f"docs/export.md has no bullet for {option}"
    return match.group(0)


def _paragraph_naming(doc: str, words: str) -> str:
    """The paragraphs of ``doc`` that contain ``words``."""
    return "\n\n".join(p for p in doc.split("\n\n") if words in p.replace("\n", " "))


def test_every_extra_column_is_named_where_columns_are_chosen() -> None:
    """``export --columns`` and ``ls --format`` also take the columns outside the default list:
    docs/export.md's ``--columns`` item or docs/query.md's paragraph on them must name each."""
    where = _option_item(_read(DOCS / "export.md"), "--columns") + _paragraph_naming(
        _read(DOCS / "query.md"), "export --columns"
    )
    undocumented = [c for c in EXTRA_COLUMNS if f"`{c}`" not in where]
    assert not undocumented, f"docs name no way to select: {undocumented}"
