"""`enrich --prefer-*`: the preferred editions from the options and the config
file's ``[match]`` (an option wins over the file, the file over the default),
kept apart from the command so the command only declares options and passes
them on."""

from __future__ import annotations

from collections.abc import Callable

import click


def _comma_list(ctx: click.Context, param: click.Parameter, value: str | None):
    """``GB,US`` -> ("GB", "US"); ``""`` -> () (an explicit "no preference")."""
    if value is None:
        return None
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    if not items and value.strip():
        raise click.BadParameter("give a comma-separated list, e.g. GB,US")
    return items


def preference_options(func: Callable) -> Callable:
    """The ``--prefer-*`` options (each None when not given)."""
    options = [
        click.option(
            "--prefer-country",
            "prefer_country",
            metavar="CODES",
            callback=_comma_list,
            help="Preferred release countries, in order (e.g. GB,US,XE). Config: "
            "[match] preferred_countries.",
        ),
        click.option(
            "--prefer-format",
            "prefer_format",
            metavar="FORMATS",
            callback=_comma_list,
            help='Preferred formats, in order (e.g. "CD,Digital Media,Vinyl"). Config: '
            "[match] preferred_formats.",
        ),
        click.option(
            "--prefer-type",
            "prefer_type",
            metavar="TYPES",
            callback=_comma_list,
            help="Preferred release-group types, in order (e.g. Album,EP). Config: "
            "[match] preferred_types.",
        ),
        click.option(
            "--prefer-status",
            "prefer_status",
            metavar="STATUSES",
            callback=_comma_list,
            help="Preferred release statuses, in order (default Official; '' for none). "
            "Config: [match] preferred_statuses.",
        ),
        click.option(
            "--prefer-original/--no-prefer-original",
            "prefer_original",
            default=None,
            help="Prefer the earliest edition. Config: [match] prefer_original.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
