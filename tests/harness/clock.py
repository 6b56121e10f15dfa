"""One clock for a test's processes and the emulator, moved by the test: hours of a run pass in seconds.

Every process a run starts (ansible-playbook, its forked workers, the modules and commands they run, the aws
CLI, bin/mfa-aws-credentials) starts with libfaketime preloaded. It reads its offset from a file that is
rewritten each time the clock moves, and reads it on every call (FAKETIME_NO_CACHE): a forked worker never
keeps its parent's reading. The emulator's clock leads: moving it, from the test or from a playbook task
(/_emulator/clock/advance), rewrites the file, and while shared the emulator dates signatures by it (botocore
signs with the moved time). Monotonic time stays real, so Ansible's and the collection's timeouts behave, and
so do files' timestamps (NO_FAKE_STAT), which Python compares to decide whether its bytecode is stale.

An AnsibleRunner given the clock (AnsibleRunner(..., clock=...)) starts its runs on it, and so does whatever a
test starts with `ansible.environment()`: the aws CLI, a boto3 script, the program on a pseudo-terminal
(tests/credential_process/terminal.py). The library is the one the `libfaketime` wheel vendors, or, on a machine
it was not built for, one built from the source the wheel carries, cached in ~/.cache/mfa-aws/libfaketime.

The emulator's clock only moves forward, so a test that moves it owns it: give it a private emulator
(`private_emulator`), never the one of the session, which the other tests of a worker share.
"""

import functools
import importlib.metadata
import importlib.util
import json
import os
import platform
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.harness.contracts import ClockedEmulatorLike
from tests.harness.paths import PYTHON

SONAME = "libfaketime.so.1"
#: The probe's offset: far enough from real time that no slow machine can mistake one for the other.
_PROBE_OFFSET = 86400

_MOVE_SCRIPT = """\
import json, sys, urllib.request
from datetime import datetime

endpoint = sys.argv[1]
if sys.argv[2] == "--until":
    # To a number of seconds before a time (ISO 8601), by the emulator's clock: this process's may be moved or not.
    with urllib.request.urlopen(endpoint + "/_emulator/state", timeout=30) as answer:
        now = json.load(answer)["now"]
    seconds = datetime.fromisoformat(sys.argv[3]).timestamp() - float(sys.argv[4]) - now
else:
    seconds = float(sys.argv[2])
request = urllib.request.Request(
    endpoint + "/_emulator/clock/advance",
    data=json.dumps({"seconds": seconds}).encode(),
    headers={"Content-Type": "application/json"},
    method="POST",
)
urllib.request.urlopen(request, timeout=30).read()
"""


class FaketimeUnavailable(RuntimeError):
    pass


def vendored_source() -> Path:
    """The wheel's copy of libfaketime's source directory, where its prebuilt library sits too."""
    # find_spec, not import: the package's Python side needs pytz, and only its files are wanted here.
    spec = importlib.util.find_spec("libfaketime")
    if spec is None or not spec.submodule_search_locations:
        raise FaketimeUnavailable("libfaketime is not installed: pip install -r requirements-dev.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "vendor" / "libfaketime" / "src"


def moves_time(library: Path) -> bool:
    """Whether a process started with `library` preloaded sees the time it is told (the loader only warns, and
    goes on with real time, when the library is for another machine)."""
    if not library.is_file():
        return False
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LD_PRELOAD": str(library), "FAKETIME": f"+{_PROBE_OFFSET}"}
    probe = subprocess.run(
        [str(PYTHON), "-c", "import time; print(time.time())"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    try:
        seen = float(probe.stdout.strip())
    except ValueError:
        return False
    return abs(seen - time.time() - _PROBE_OFFSET) < 600


def _cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mfa-aws" / "libfaketime"


def build_from_source(source: Path, cache_root: Path) -> Path:
    """The library built from the wheel's source with the machine's C compiler, once per version and machine."""
    target = cache_root / f"{importlib.metadata.version('libfaketime')}-{platform.machine()}"
    if (target / SONAME).is_file():
        return target / SONAME
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=target.parent))
    try:
        shutil.copytree(source, work, dirs_exist_ok=True)
        (work / SONAME).unlink(missing_ok=True)
        built = subprocess.run(
            # -Wno-error: a newer compiler's new warnings must not stop a library that builds.
            ["make", "-C", str(work), SONAME, "FAKETIME_COMPILE_CFLAGS=-Wno-error"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if built.returncode != 0:
            raise FaketimeUnavailable(f"building {SONAME} from {source} failed:\n{built.stdout}{built.stderr}")
        try:
            # Whole or not at all: another pytest worker may be building it at the same moment.
            work.rename(target)
        except OSError:
            if not (target / SONAME).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target / SONAME


@functools.cache
def faketime_library() -> Path:
    """A libfaketime.so.1 that moves this machine's processes' clock: the wheel's, else one built from its source."""
    source = vendored_source()
    if moves_time(source / SONAME):
        return source / SONAME
    built = build_from_source(source, _cache_root())
    if not moves_time(built):
        raise FaketimeUnavailable(f"{built} was built, but a process that preloads it still sees the real time")
    return built


class SharedClock:
    """The clock of an emulator and of every process a run starts, moved together.

    Offsets are seconds ahead of real time; `elapsed` is how far the test has moved the clock since it began.
    """

    def __init__(self, emulator: ClockedEmulatorLike, directory: Path) -> None:
        self.library = faketime_library()
        self._emulator = emulator
        directory.mkdir(parents=True, exist_ok=True)
        self.timestamp_file = directory / "faketime-offset"
        self._mover = directory / "move-clock.py"
        self._mover.write_text(_MOVE_SCRIPT, encoding="utf-8")
        self._shared = False
        self._started_at = emulator.clock.offset
        #: The time on the clock just after each move, oldest first: where the phases of a run begin.
        self.moves: list[float] = []
        emulator.clock.share(self._follow)

    def _follow(self, offset: float) -> None:
        # Renamed into place, so that no process ever reads a half-written offset.
        temporary = self.timestamp_file.with_name(self.timestamp_file.name + ".new")
        temporary.write_text(f"{offset:+.6f}\n", encoding="ascii")
        os.replace(temporary, self.timestamp_file)
        # The first call only tells the offset the clock already had when it was shared.
        if self._shared:
            self.moves.append(time.time() + offset)
        self._shared = True

    def env(self) -> dict[str, str]:
        """What puts a process, and every process it starts, on this clock."""
        return {
            "LD_PRELOAD": str(self.library),
            "FAKETIME_TIMESTAMP_FILE": str(self.timestamp_file),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "NO_FAKE_STAT": "1",
        }

    @property
    def offset(self) -> float:
        return self._emulator.clock.offset

    @property
    def elapsed(self) -> float:
        return self.offset - self._started_at

    def now(self) -> float:
        """Epoch seconds on this clock."""
        return self._emulator.clock.now()

    def advance(self, seconds: float) -> None:
        self._emulator.clock.advance(seconds)

    def advance_to(self, elapsed: float) -> None:
        """Move on until `elapsed` seconds have been added since the test began (never back)."""
        self.advance(elapsed - self.elapsed)

    def move_command(self, seconds: float) -> str:
        """A shell command that moves the clock `seconds` on, for a task or a `pipe` lookup inside a run."""
        argv = [str(PYTHON), str(self._mover), self._emulator.endpoint_url, f"{seconds:g}"]
        return shlex.join(argv)

    def move_until_command(self, expiration: str, seconds_before: float) -> str:
        """A shell command that moves the clock on to `seconds_before` seconds before `expiration` (ISO 8601, which
        may be a Jinja expression, such as a lookup's `expiration`: it is quoted, not checked)."""
        argv = [str(PYTHON), str(self._mover), self._emulator.endpoint_url, "--until"]
        return f"{shlex.join(argv)} '{expiration}' {seconds_before:g}"

    def play(self, seconds: float) -> str:
        """A play on the controller that moves the clock `seconds` on, between the plays of one run."""
        # A pipe lookup runs the command in the worker: the command module would cost a module run in a new Python.
        moved = "{{ lookup('ansible.builtin.pipe', " + json.dumps(self.move_command(seconds)) + ") }}"
        return f"""
- name: The clock moves {seconds:g} s on
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Move the clock {seconds:g} s on
      ansible.builtin.set_fact:
        mfa_aws_test_clock_moved: '{moved.replace("'", "''")}'
"""

    def close(self) -> None:
        self._emulator.clock.unshare()


@contextmanager
def private_emulator() -> Iterator[Any]:
    """An emulator of the test's own, on 127.0.0.1, whose clock it may move hours ahead."""
    from tests.emulator import Emulator

    emulator = Emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@contextmanager
def shared_clock(emulator: ClockedEmulatorLike, directory: Path) -> Iterator[SharedClock]:
    clock = SharedClock(emulator, directory)
    try:
        yield clock
    finally:
        clock.close()
