"""Running the tests against mutants, each in a private copy of the repository.

The copy holds the checkout's files as they are now (tracked and untracked, not ignored), so the working tree
that others use is never touched. Its tests find the collection through the copy: tests/harness derives the
checkout from its own path, and playbooks load the plugins from the tree the harness links to it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.mutation.mutants import Mutant
from tests.mutation.plugin import PLAN_ENV, RECORD_ENV, TIMED_OUT

TARGETS = Path(__file__).with_name("targets.toml")

#: A mutant's time limit: this many times its file's clean run, plus SLACK seconds for a loaded machine; and
#: each test's, this many times its own clean time plus TEST_SLACK.
TIMEOUT_FACTOR = 3.0
SLACK = 30.0
TEST_SLACK = 20.0

KILLED, TIMEOUT, SURVIVED, EQUIVALENT = "killed", "timeout", "survived", "equivalent"


class MutationError(Exception):
    """The run itself cannot go on (no tests for a file, a clean run that fails, a pytest usage error)."""


@dataclass(frozen=True)
class Target:
    files: tuple[str, ...]
    tests: tuple[str, ...]
    deselect: tuple[str, ...] = ()


@dataclass(frozen=True)
class Targets:
    core: tuple[str, ...]
    targets: tuple[Target, ...]

    @classmethod
    def load(cls, path: Path = TARGETS) -> Targets:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(
            core=tuple(data["core"]),
            targets=tuple(
                Target(
                    files=tuple(entry["files"]),
                    tests=tuple(entry["tests"]),
                    deselect=tuple(entry.get("deselect", ())),
                )
                for entry in data["target"]
            ),
        )

    def core_files(self, repo: Path) -> list[str]:
        found = {
            path.relative_to(repo).as_posix()
            for pattern in self.core
            for path in repo.glob(pattern)
            if path.is_file() and "__pycache__" not in path.parts
        }
        return sorted(found)

    def target_for(self, file: str) -> Target:
        for target in self.targets:
            if any(fnmatch.fnmatchcase(file, pattern) for pattern in target.files):
                return target
        raise MutationError(f"{file}: no [[target]] in {TARGETS.name} names its tests")

    def tests_for(self, file: str, repo: Path) -> list[str]:
        """The target's test files and ids, in the order listed, each once."""
        target = self.target_for(file)
        tests: list[str] = []
        for entry in target.tests:
            if "::" in entry:
                found = [entry] if (repo / entry.split("::", 1)[0]).is_file() else []
            else:
                found = sorted(path.relative_to(repo).as_posix() for path in repo.glob(entry) if path.is_file())
            tests.extend(test for test in found if test not in tests)
        if not tests:
            raise MutationError(f"{file}: none of its tests in {TARGETS.name} exist")
        return tests


@dataclass
class Clean:
    """A file's tests on the unmutated code: what passes, in the order mutants run it, and how long it took."""

    order: list[str]
    failed: list[str]
    skipped: list[str]
    seconds: float
    test_seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    status: str
    seconds: float
    killed_by: str | None = None


def copy_checkout(repo: Path, destination: Path) -> None:
    """The checkout's files as they are now, tracked or not, without what git ignores (.venv, caches, builds)."""
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode("utf-8") for entry in listed)):
        source = repo / name
        if not source.exists() and not source.is_symlink():  # deleted, not yet committed
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)


class Workspace:
    """One private copy of the checkout; mutants of one file at a time are written into it, then undone."""

    def __init__(self, repo: Path, root: Path) -> None:
        self.root = root / "repo"
        self.scratch = root / "scratch"
        self.scratch.mkdir(parents=True)
        self.process: subprocess.Popen[bytes] | None = None
        copy_checkout(repo, self.root)

    def uses_hypothesis(self, tests: list[str]) -> bool:
        """Whether these test files, or a conftest.py above them, import hypothesis."""
        files: set[Path] = set()
        for test in tests:
            path = self.root / test.split("::", 1)[0]
            files.add(path)
            files.update(parent / "conftest.py" for parent in path.parents if self.root in (parent, *parent.parents))
        return any(
            "hypothesis" in path.read_text(encoding="utf-8", errors="replace") for path in files if path.is_file()
        )

    def stop(self) -> None:
        """End the run in progress, if any (on Ctrl-C: its session does not get the terminal's signal)."""
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    @contextlib.contextmanager
    def mutated(self, mutant: Mutant) -> Iterator[None]:
        path = self.root / mutant.file
        original = path.read_bytes()
        path.write_bytes(mutant.apply(original))
        try:
            yield
        finally:
            path.write_bytes(original)

    def pytest(
        self, tests: list[str], plan: dict[str, object], *, stop_first: bool, timeout: float | None
    ) -> tuple[int | None, dict[str, object] | None, float, str]:
        """Run pytest in the copy. Returns its exit code (None on timeout), its record, seconds and output."""
        plan_file = self.scratch / "plan.json"
        record_file = self.scratch / "record.json"
        log_file = self.scratch / "pytest.log"
        plan_file.write_text(json.dumps(plan), encoding="utf-8")
        record_file.unlink(missing_ok=True)
        env = {
            **os.environ,
            PLAN_ENV: str(plan_file),
            RECORD_ENV: str(record_file),
            # No bytecode in the copy: a mutant of the same size written within the same second as the last
            # would otherwise be run from the last one's cached .pyc.
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        argv = [sys.executable, "-m", "pytest", "-p", "tests.mutation.plugin", "-p", "no:cacheprovider"]
        argv += ["-n", "0", "-q", "--no-header", "-p", "no:randomly"]
        # Hypothesis' plugin is most of pytest's start-up, which every mutant pays (collecting one unit test file
        # took 11 s with it and 0.2 s without, on a busy 2-core machine): loaded only for the tests that use it,
        # then with a fixed seed so that reruns agree.
        argv += ["--hypothesis-seed=0"] if self.uses_hypothesis(tests) else ["-p", "no:hypothesispytest"]
        if stop_first:
            argv.append("-x")
        argv += tests
        started = time.monotonic()
        with log_file.open("wb") as log:
            # A session of its own, so that a timeout ends the whole tree it started (ansible-playbook, the
            # emulator) and nothing else.
            process = subprocess.Popen(
                argv,
                cwd=self.root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.process = process
            try:
                returncode: int | None = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                returncode = None
            finally:
                _end_group(process)
                self.process = None
        seconds = time.monotonic() - started
        record = json.loads(record_file.read_text(encoding="utf-8")) if record_file.exists() else None
        return returncode, record, seconds, log_file.read_text(encoding="utf-8", errors="replace")


def _end_group(process: subprocess.Popen[bytes]) -> None:
    """End what is left of the run's session (stray children included), then reap pytest itself.

    Still running means timed out: Ctrl-C first, so that pytest tears its fixtures down (the emulator, the
    harness's temporary trees), then SIGTERM and SIGKILL for whatever is left.
    """
    steps = ((signal.SIGINT, 15), (signal.SIGTERM, 5), (signal.SIGKILL, 0))
    if process.poll() is not None:
        steps = steps[1:]
    for sig, grace in steps:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    process.wait()


def _tail(output: str, lines: int = 30) -> str:
    return "\n".join(output.rstrip().splitlines()[-lines:])


def clean_run(
    workspace: Workspace, file: str, tests: list[str], previous: dict[str, float], deselect: tuple[str, ...] = ()
) -> Clean:
    """The file's tests on unmutated code, quickest first as last measured, so it also tries that order out.

    Tests `deselect` names (ids or prefixes) are left out here, so the mutants' runs, which take what passed
    here, leave them out too."""
    order = sorted(previous, key=lambda test: previous[test])
    returncode, record, seconds, output = workspace.pytest(
        tests, {"order": order, "only": False, "deselect": list(deselect)}, stop_first=False, timeout=None
    )
    if record is None or returncode not in (0, 1):
        raise MutationError(f"{file}: the clean run of its tests failed to run (exit {returncode}):\n{_tail(output)}")
    results: dict[str, dict[str, object]] = record["tests"]  # type: ignore[assignment]
    test_seconds = {test: round(float(entry["seconds"]), 3) for test, entry in results.items()}  # type: ignore[arg-type]
    ran_order = list(results)
    # Quickest first, as just measured; ties (and so a first run's) keep the order of targets.toml.
    passed = sorted(
        (test for test in ran_order if results[test]["outcome"] == "passed"), key=lambda test: test_seconds[test]
    )
    if not passed:
        raise MutationError(f"{file}: none of its tests pass on the unmutated code:\n{_tail(output)}")
    return Clean(
        order=passed,
        failed=[test for test in ran_order if results[test]["outcome"] == "failed"],
        skipped=[test for test in ran_order if results[test]["outcome"] == "skipped"],
        seconds=round(seconds, 1),
        test_seconds=test_seconds,
    )


def mutant_timeout(clean: Clean, factor: float = TIMEOUT_FACTOR) -> float:
    return clean.seconds * factor + SLACK


def per_test_limits(clean: Clean, factor: float = TIMEOUT_FACTOR) -> dict[str, float]:
    """Each test's own limit: a mutant that makes one test hang is stopped long before the run's limit."""
    return {test: round(clean.test_seconds[test] * factor + TEST_SLACK, 1) for test in clean.order}


def run_mutant(
    workspace: Workspace, mutant: Mutant, tests: list[str], clean: Clean, timeout: float, limits: dict[str, float]
) -> Outcome:
    with workspace.mutated(mutant):
        returncode, record, seconds, output = workspace.pytest(
            tests, {"order": clean.order, "only": True, "limits": limits}, stop_first=True, timeout=timeout
        )
    seconds = round(seconds, 1)
    first_failure = record.get("first_failure") if record else None
    if returncode is None:
        return Outcome(TIMEOUT, seconds, f"no verdict within {timeout:.0f} s")
    if returncode == TIMED_OUT:
        return Outcome(TIMEOUT, seconds, str(record.get("timed_out") if record else "a test past its limit"))
    if returncode == 0:
        return Outcome(SURVIVED, seconds)
    if returncode in (1, 2, 3):
        # 1: a test failed; 2: collection failed (the mutant broke an import); 3: pytest's internal error,
        # which a mutated plugin can cause. Each is the suite noticing the mutant.
        return Outcome(KILLED, seconds, str(first_failure or f"pytest exit {returncode}"))
    raise MutationError(f"{mutant.id}: pytest exited {returncode}, which says the run is wrong:\n{_tail(output)}")


def make_workspaces(repo: Path, count: int) -> tuple[Path, list[Workspace]]:
    root = Path(tempfile.mkdtemp(prefix="mfa-aws-mutation-"))
    return root, [Workspace(repo, root / f"copy{index}") for index in range(count)]
