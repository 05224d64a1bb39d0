"""Run a piece of a test as an unprivileged user: root ignores file permissions,
so permission tests drop to ``nobody`` in a forked child when run as root."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import TypeVar

import pytest

import archiver

T = TypeVar("T")
NOBODY = 65534


def as_unprivileged(func: Callable[[], T]) -> T:
    """``func()`` run without root's override rights: directly when not root, else in a
    forked child that became ``nobody``; its (picklable) result or exception text comes
    back. Skips when ``nobody`` cannot read this checkout (a private temp clone)."""
    if os.geteuid() != 0:
        return func()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            if not os.access(archiver.__file__, os.R_OK):
                data = pickle.dumps(("skip", "the unprivileged user cannot read this checkout"))
            else:
                data = pickle.dumps(("ok", func()))
        except BaseException as exc:  # noqa: BLE001
            data = pickle.dumps(("error", repr(exc)))
            code = 1
        with os.fdopen(w, "wb") as fh:
            fh.write(data)
        os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    status, value = pickle.loads(data)
    if status == "skip":
        pytest.skip(value)
    assert status == "ok", value
    return value
