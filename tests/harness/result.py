"""What one ansible-playbook run produced, with assertions whose failures explain themselves."""

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: How much of the output a failed assertion quotes.
TAIL_LINES = 60

_RECAP_LINE = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")


class PlaybookTimeout(AssertionError):
    """ansible-playbook outlived its timeout and was killed."""


@dataclass(frozen=True)
class PlaybookResult:
    command: Sequence[str]
    rc: int
    stdout: str
    stderr: str
    #: The run's directory: playbook, extra vars and the results directory.
    run_dir: Path
    #: Seen by the playbook as $MFA_AWS_TEST_RESULTS.
    results_dir: Path
    duration: float
    #: Emulator STS calls made during the run (only the world's accounts when a world was given).
    calls: list[Any] = field(default_factory=list)
    #: Emulator ListBuckets calls made during the run, with their query parameters and signing region.
    listings: list[Any] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def command_line(self) -> str:
        return shlex.join(self.command)

    def count(self, action: str | None = None, coded: bool | None = None) -> int:
        """How many of `calls` match; None matches anything."""
        return sum(
            1
            for call in self.calls
            if (action is None or call.action == action) and (coded is None or call.coded == coded)
        )

    @property
    def recap(self) -> dict[str, dict[str, int]]:
        """The PLAY RECAP as {host: {"ok": n, "changed": n, "failed": n, ...}}."""
        marker, tail = self.stdout.rpartition("PLAY RECAP")[1:]
        if not marker:
            return {}
        recap: dict[str, dict[str, int]] = {}
        for line in tail.splitlines()[1:]:
            match = _RECAP_LINE.match(line.strip())
            if match:
                counts = (item.split("=") for item in match["counts"].split())
                recap[match["host"]] = {key: int(value) for key, value in counts}
        return recap

    def json(self, name: str) -> Any:
        """The JSON the playbook wrote to $MFA_AWS_TEST_RESULTS/<name> (".json" may be left off)."""
        path = self.results_dir / (name if name.endswith(".json") else f"{name}.json")
        if not path.is_file():
            present = sorted(p.name for p in self.results_dir.iterdir()) if self.results_dir.is_dir() else []
            raise AssertionError(
                self.describe(f"the playbook wrote no {path.name} (results directory holds: {present or 'nothing'})")
            )
        with path.open(encoding="utf-8") as f:
            return json.load(f)

    def assert_ok(self) -> "PlaybookResult":
        if self.rc != 0:
            raise AssertionError(self.describe(f"ansible-playbook failed with rc={self.rc}"))
        return self

    def assert_failed(self, match: str | re.Pattern[str] | None = None) -> "PlaybookResult":
        """Assert a non-zero rc and, with `match`, that the regex is found (re.search) in the output."""
        if self.rc == 0:
            raise AssertionError(self.describe("ansible-playbook succeeded, a failure was expected"))
        if match is not None and not re.search(match, self.output):
            pattern = match.pattern if isinstance(match, re.Pattern) else match
            raise AssertionError(
                self.describe(f"rc={self.rc} as expected, but the output has no match for {pattern!r}")
            )
        return self

    def describe(self, headline: str) -> str:
        """headline, then the command and the last TAIL_LINES lines of output, for assertion messages."""
        lines = self.output.splitlines()
        shown = lines[-TAIL_LINES:]
        cut = f" (last {len(shown)} of {len(lines)} lines)" if len(shown) < len(lines) else ""
        return "\n".join(
            [
                headline,
                f"command: {self.command_line}",
                f"run dir: {self.run_dir}",
                f"output{cut}:",
                *("    " + line for line in shown),
            ]
        )

    def __repr__(self) -> str:
        return f"<PlaybookResult rc={self.rc} calls={len(self.calls)} {self.duration:.1f}s {self.run_dir}>"
