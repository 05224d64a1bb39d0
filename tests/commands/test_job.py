"""commands/_job.long_job: the one way a long command handles Ctrl-C, SIGTERM,
its progress bar and exit 130 (real subprocesses, real signals)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archiver.commands._job import interrupt_line, long_job, wants_progress
from archiver.errors import Interrupted

# A command built on long_job, registered on the real group and run through the real
# entry point: "ready" on stdout once inside the block, then it waits to be stopped.
DEMO = textwrap.dedent(
    """
    import sys, time
    import click
    from archiver.cli import cli, main
    from archiver.commands._common import json_option, quiet_option
    from archiver.commands._job import long_job

    @click.command()
    @quiet_option()
    @json_option
    def demo(quiet, as_json):
        \"\"\"A long job that waits.\"\"\"
        done = {"count": 0}
        with long_job(
            "demo",
            quiet=quiet,
            as_json=as_json,
            note=lambda exc: f"kept {done['count']} things",
            report=lambda exc: {"done": done["count"], "interrupted": True},
        ):
            done["count"] = 3
            print("ready", flush=True)
            while True:
                time.sleep(0.05)

    cli.add_command(demo)
    main(sys.argv[1:])
    """
)

LINE = "archiver: demo interrupted; kept 3 things (run `archiver demo` again to continue)"


def _stopped(tmp_path: Path, sig: int, *args: str) -> tuple[int, str, str]:
    script = tmp_path / "demo.py"
    script.write_text(DEMO)
    env = {**os.environ, "ARCHIVER_DB": str(tmp_path / "x.db")}
    proc = subprocess.Popen(
        [sys.executable, str(script), "demo", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_exits_130_with_one_line(tmp_path: Path, sig: int) -> None:
    code, out, err = _stopped(tmp_path, sig)
    assert code == 130, err
    assert err == LINE + "\n"
    assert out == ""  # no --json: no object


def test_an_interrupted_json_run_prints_what_was_done(tmp_path: Path) -> None:
    code, out, err = _stopped(tmp_path, signal.SIGINT, "--json")
    assert code == 130, err
    assert json.loads(out) == {"done": 3, "interrupted": True}
    assert err == LINE + "\n"


class _Stopped(Interrupted):
    """What a library raises when its run is stopped: the work done rides along."""

    def __init__(self, done: int) -> None:
        super().__init__(f"stopped after {done}")
        self.done = done


def test_an_interrupted_error_from_the_work_is_handled_like_ctrl_c(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        with long_job(
            "scan",
            as_json=True,
            note=lambda exc: f"kept {exc.done}",
            hint="run `archiver scan` again to finish",
            report=lambda exc: {"done": exc.done},
        ):
            raise _Stopped(5)
    assert info.value.code == 130
    out, err = capsys.readouterr()
    assert json.loads(out) == {"done": 5}
    assert err == "archiver: scan interrupted; kept 5 (run `archiver scan` again to finish)\n"


def test_a_note_that_knows_nothing_and_no_hint() -> None:
    assert interrupt_line("checksums", "the scan itself finished", "") == (
        "archiver: checksums interrupted; the scan itself finished"
    )
    assert interrupt_line("verify", None, "run `archiver verify --resume` to continue") == (
        "archiver: verify interrupted (run `archiver verify --resume` to continue)"
    )


def test_sigterm_is_restored_after_the_block_and_after_an_error() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with long_job("x") as job:
        assert signal.getsignal(signal.SIGTERM) is not before
        assert job.progress is None  # no bar under pytest: stderr is no terminal
    assert signal.getsignal(signal.SIGTERM) is before
    with pytest.raises(ValueError):
        with long_job("x"):
            raise ValueError("not an interrupt: goes up unchanged")
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_in_the_block_stops_it_in_process(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        with long_job("x"):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
    assert info.value.code == 130
    assert "archiver: x interrupted" in capsys.readouterr().err


class _Bar:
    def __init__(self) -> None:
        self.events: list[int] = []
        self.open = False

    def __enter__(self) -> _Bar:
        self.open = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.open = False

    def update(self, event: int) -> None:
        self.events.append(event)


def test_the_bar_is_made_only_when_shown_and_closed_after() -> None:
    made: list[_Bar] = []

    def bar() -> _Bar:
        made.append(_Bar())
        return made[-1]

    with long_job("x", bar=bar, show_progress=True) as job:
        assert made[0].open and job.show_progress
        job.progress(1)
    assert made[0].events == [1] and not made[0].open
    with long_job("x", bar=bar, quiet=True) as job:
        assert job.progress is None and not job.show_progress
    assert len(made) == 1


def test_a_bar_only_for_a_person_watching() -> None:
    assert not wants_progress(quiet=True, as_json=False)
    assert not wants_progress(quiet=False, as_json=True)
    assert not wants_progress(quiet=False, as_json=False)  # pytest's stderr: no terminal


def test_interrupted_outside_a_job_is_one_line_exit_130() -> None:
    from archiver.cli import cli

    @click.command()
    def stopped() -> None:
        raise _Stopped(2)

    cli.add_command(stopped)
    try:
        result = CliRunner().invoke(cli, ["stopped"])
    finally:
        cli.commands.pop("stopped", None)
    assert result.exit_code == 130
    assert result.output == "Error: stopped after 2\n"
