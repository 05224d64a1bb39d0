"""The one error base every part of archiver raises for problems a user can act on.

The CLI catches :class:`ArchiverError` in one place (the click group) and
prints its message as one line, exiting with :attr:`ArchiverError.exit_code`:
1 for a failure, 2 for a usage error, 130 for an interrupted run. Core
packages import this module only: it knows nothing of click, rich or textual.
"""

from __future__ import annotations


class ArchiverError(Exception):
    """A problem the user can act on; the message is one line. Exit status 1."""

    exit_code = 1


class UsageError(ArchiverError):
    """The command was asked for something it cannot do as given (a bad query, a
    PATH that does not exist, conflicting options). Exit status 2."""

    exit_code = 2


class Interrupted(ArchiverError):
    """A long run was stopped (Ctrl-C, SIGTERM); what was done is kept. Exit status 130."""

    exit_code = 130
