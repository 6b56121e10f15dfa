"""`make test-matrix`: the smoke suite on every supported ansible-core, and ansible-test sanity at both ends.

    python -m tests.matrix                          # smoke on every release, sanity on the oldest and newest
    python -m tests.matrix --ends                   # the oldest and the newest: what `make test` adds
    python -m tests.matrix --ends --venvs-only      # only build their venvs (make test, beside pytest)
    python -m tests.matrix --ends --no-sanity --side-by-side  # both smoke suites at once (make test)
    python -m tests.matrix --workers 2 -- -x        # arguments after -- go to pytest

Each release runs pytest with its own venv's python, and the harness runs ansible-playbook from that
venv (tests/harness/paths.py), so the tests exercise that release. Stdlib only: it runs before any venv.
"""

import argparse
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.matrix.releases import NEWEST, OLDEST, RELEASES, Release, release
from tests.matrix.venvs import REPO, ensure_venv


def smoke_test_files() -> list[str]:
    """The test files holding smoke tests. Only they are collected: the matrix venvs lack what the
    other tests import (hypothesis, ansible-lint ...), and a collection error would fail the run."""
    files = sorted(
        str(path.relative_to(REPO))
        for path in (REPO / "tests").rglob("test_*.py")
        if "pytest.mark.smoke" in path.read_text(encoding="utf-8")
    )
    if not files:
        sys.exit("no test is marked @pytest.mark.smoke under tests/")
    return files


def smoke_command(python: Path, workers: str, files: list[str], pytest_args: list[str]) -> list[str]:
    # worksteal, as `make test` runs pytest (the Makefile says why).
    pytest = [str(python), "-m", "pytest", "-m", "smoke", "-n", workers, "--dist", "worksteal"]
    return [*pytest, "-p", "no:cacheprovider", *files, *pytest_args]


def run_side_by_side(commands: dict[Release, list[str]]) -> list[tuple[str, str, float, int]]:
    """Start every smoke suite at once. One after the other, each left a core idle while its tests waited on
    prompts and forks: on 2 cores the two ends took 44 s and 77 CPU-seconds with 4 workers each, one after the
    other, and 34 s and 67 CPU-seconds side by side with 2 workers each."""
    started = time.monotonic()
    ended: dict[Release, tuple[float, int]] = {}
    with contextlib.ExitStack() as files:
        running = []
        for each, command in commands.items():
            print(f"==> smoke suite on ansible-core {each.pin} (Python {each.python}), beside the others", flush=True)
            # A file of its own for each suite's output, printed whole once it ends, so that no lines interleave.
            output = files.enter_context(tempfile.TemporaryFile(mode="w+", encoding="utf-8"))
            process = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT, text=True)
            running.append((each, process, output))
        while len(ended) < len(running):
            for each, process, output in running:
                if each in ended or process.poll() is None:
                    continue
                ended[each] = (time.monotonic() - started, process.returncode)
                output.seek(0)
                print(f"==> smoke suite on ansible-core {each.pin}: its output", flush=True)
                shutil.copyfileobj(output, sys.stdout)
                sys.stdout.flush()
            time.sleep(0.2)
    return [(each.pin, "smoke", *ended[each]) for each in commands]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--release", action="append", dest="releases", metavar="2.X", help="only these (repeatable)")
    parser.add_argument("--ends", action="store_true", help="only the oldest and the newest release")
    parser.add_argument("--no-sanity", action="store_true", help="skip ansible-test sanity on the oldest and newest")
    parser.add_argument("--venvs-only", action="store_true", help="build the releases' venvs, run nothing")
    parser.add_argument("--workers", default="2", help="pytest-xdist workers per release (default 2)")
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="run the releases' smoke suites at the same time, each one's output printed whole when it ends",
    )
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after --")
    options = parser.parse_args(argv)
    if options.releases:
        chosen = [release(core) for core in options.releases]
    else:
        chosen = [OLDEST, NEWEST] if options.ends else list(RELEASES)

    if options.venvs_only:
        for each in chosen:
            ensure_venv(each)
        return 0
    outcomes: list[tuple[str, str, float, int]] = []
    pythons = {each: ensure_venv(each) for each in chosen}
    files = smoke_test_files()
    commands = {each: smoke_command(pythons[each], options.workers, files, options.pytest_args) for each in chosen}
    if options.side_by_side:
        outcomes += run_side_by_side(commands)
    for each in chosen:
        if not options.side_by_side:
            started = time.monotonic()
            print(f"==> smoke suite on ansible-core {each.pin} (Python {each.python})", flush=True)
            rc = subprocess.run(commands[each], cwd=REPO, check=False).returncode
            outcomes.append((each.pin, "smoke", time.monotonic() - started, rc))
        if not options.no_sanity and each in (OLDEST, NEWEST):
            started = time.monotonic()
            print(f"==> ansible-test sanity on ansible-core {each.pin}", flush=True)
            rc = subprocess.run([str(pythons[each]), "tests/sanity/run_sanity.py"], cwd=REPO, check=False).returncode
            outcomes.append((each.pin, "sanity", time.monotonic() - started, rc))

    print("\n==> matrix")
    for pin, what, seconds, rc in outcomes:
        print(f"    ansible-core {pin:<8} {what:<7} {'passed' if rc == 0 else 'FAILED':<7} {seconds:6.0f} s")
    return 0 if all(outcome[-1] == 0 for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
