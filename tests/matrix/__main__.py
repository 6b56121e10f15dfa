"""`make test-matrix`: the smoke suite on every supported ansible-core, and ansible-test sanity at both ends.

    python -m tests.matrix                          # smoke on every release, sanity on the oldest and newest
    python -m tests.matrix --ends                   # the oldest and the newest: what `make test` adds
    python -m tests.matrix --ends --venvs-only      # only build their venvs (make test, beside pytest)
    python -m tests.matrix --workers 2 -- -x        # arguments after -- go to pytest

Each release runs pytest with its own venv's python, and the harness runs ansible-playbook from that
venv (tests/harness/paths.py), so the tests exercise that release. Stdlib only: it runs before any venv.
"""

import argparse
import subprocess
import sys
import time

from tests.matrix.releases import NEWEST, OLDEST, RELEASES, release
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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--release", action="append", dest="releases", metavar="2.X", help="only these (repeatable)")
    parser.add_argument("--ends", action="store_true", help="only the oldest and the newest release")
    parser.add_argument("--no-sanity", action="store_true", help="skip ansible-test sanity on the oldest and newest")
    parser.add_argument("--venvs-only", action="store_true", help="build the releases' venvs, run nothing")
    parser.add_argument("--workers", default="2", help="pytest-xdist workers per release (default 2)")
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
    for each in chosen:
        python = ensure_venv(each)
        started = time.monotonic()
        print(f"==> smoke suite on ansible-core {each.pin} (Python {each.python})", flush=True)
        command = [str(python), "-m", "pytest", "-m", "smoke", "-n", options.workers, "-p", "no:cacheprovider"]
        command += smoke_test_files()
        rc = subprocess.run([*command, *options.pytest_args], cwd=REPO, check=False).returncode
        outcomes.append((each.pin, "smoke", time.monotonic() - started, rc))
        if not options.no_sanity and each in (OLDEST, NEWEST):
            started = time.monotonic()
            print(f"==> ansible-test sanity on ansible-core {each.pin}", flush=True)
            rc = subprocess.run([str(python), "tests/sanity/run_sanity.py"], cwd=REPO, check=False).returncode
            outcomes.append((each.pin, "sanity", time.monotonic() - started, rc))

    print("\n==> matrix")
    for pin, what, seconds, rc in outcomes:
        print(f"    ansible-core {pin:<8} {what:<7} {'passed' if rc == 0 else 'FAILED':<7} {seconds:6.0f} s")
    return 0 if all(outcome[-1] == 0 for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
