"""What the lifetime tests share: runs whose plays lie hours apart, and the STS calls of each of those hours."""

import bisect
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tests.harness import PlaybookResult
from tests.harness.clock import SharedClock

MINUTE = 60
HOUR = 60 * MINUTE


def phased(clock: SharedClock, plays: Sequence[tuple[float, str]]) -> str:
    """One playbook of `plays`, each (seconds after the run starts, play): the clock moves on between them, inside
    the run, as it would through a run hours long."""
    text, at = "", 0.0
    for offset, play in plays:
        if offset > at:
            text += clock.play(offset - at)
            at = offset
        text += play
    return text


def by_phase(result: PlaybookResult, moves: Sequence[float]) -> list[list[Any]]:
    """The run's STS calls, split where the clock moved during the run (`clock.moves` of the run: the time on the
    clock just after each move); a run with n moves has n + 1 phases."""
    phases: list[list[Any]] = [[] for _phase in range(len(moves) + 1)]
    for call in result.calls:
        phases[bisect.bisect_right(moves, call.at)].append(call)
    return phases


def summary(calls: Sequence[Any]) -> list[tuple[str, bool, str]]:
    """(action, coded, outcome) of each call, GetCallerIdentity left out: it costs no code and buys nothing."""
    return [(call.action, call.coded, call.outcome) for call in calls if call.action != "GetCallerIdentity"]


def failed_hosts(result: PlaybookResult) -> dict[str, int]:
    return {host: counts["failed"] for host, counts in result.recap.items() if counts.get("failed")}


def stamps(message: str) -> list[datetime]:
    """Every `YYYY-MM-DD HH:MM:SS` in a message, as UTC."""
    return [
        datetime.strptime(found, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        for found in re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", message)
    ]


def names_time(message: str, epoch: float, slack: float = 10) -> bool:
    """Whether the message gives this time (to within `slack` seconds), with its date or as HH:MM:SS alone."""
    if any(abs(stamp.timestamp() - epoch) <= slack for stamp in stamps(message)):
        return True
    clock_times = set(re.findall(r"\b(\d{2}:\d{2}:\d{2})\b", message))
    return any(
        datetime.fromtimestamp(epoch + delta, UTC).strftime("%H:%M:%S") in clock_times
        for delta in range(-int(slack), int(slack) + 1)
    )
