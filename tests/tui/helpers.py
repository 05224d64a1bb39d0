"""Waiting for the app the way a person does: until the screen stops changing."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.worker import WorkerCancelled


async def settle(pilot: Pilot, rounds: int = 3) -> None:
    """Let timers fire and thread workers finish (debounces are ≤ 0.15 s)."""
    for _ in range(rounds):
        await pilot.pause(0.2)
        await _workers_done(pilot)
    await pilot.pause()


async def _workers_done(pilot: Pilot) -> None:
    """Wait for the running workers; one cancelled meanwhile (superseded by a newer page or
    sort, as exclusive workers are) is not an error: wait again for whatever replaced it."""
    for _ in range(50):
        try:
            await pilot.app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            await pilot.pause(0.05)
    raise AssertionError("workers kept being cancelled for 50 rounds")


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll ``condition`` while the app runs; fail with a clear message on timeout."""
    waited = 0.0
    while not condition():
        if waited >= timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.1)
        waited += 0.1
