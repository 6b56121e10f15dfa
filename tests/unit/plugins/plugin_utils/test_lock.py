"""The controller's lock: one per name in the user's runtime directory, whatever cache_dir is, and never skipped."""

import fcntl
import multiprocessing
import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.plugin_utils._lock import device_lock
from tests.harness.files import NOBODY

NAME = "mfa-aws-0123456789abcdef0123.lock"


@pytest.fixture
def run_dir(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    return home / ".ansible" / "mfa-aws" / "run"


def held_elsewhere(path):
    """True when another open file description can't take the lock: someone holds it."""
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def test_the_lock_file_is_private_and_in_the_runtime_directory(run_dir, tmp_path):
    with device_lock(NAME):
        assert held_elsewhere(run_dir / NAME)
    assert stat.S_IMODE(os.stat(run_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(run_dir / NAME).st_mode) == 0o600
    assert not held_elsewhere(run_dir / NAME)


def test_a_symlink_planted_as_the_lock_file_is_refused_and_not_followed(run_dir, tmp_path):
    with device_lock("other.lock"):
        pass  # makes the runtime directory
    (run_dir / NAME).symlink_to(tmp_path / "planted")
    entered = False
    refused = r"^the controller's lock .* can't be opened .*; nothing was sent to AWS$"
    with pytest.raises(MfaAwsError, match=refused), device_lock(NAME):
        entered = True
    assert not entered
    assert not (tmp_path / "planted").exists()


def test_a_fifo_planted_as_the_lock_file_is_refused_without_blocking(run_dir):
    with device_lock("other.lock"):
        pass
    os.mkfifo(run_dir / NAME)
    # The reason alone, not Python's rendering of the error with its number and the path a second time.
    refused = r"^the controller's lock \S+ can't be opened \(not a regular file\); nothing was sent to AWS$"
    with pytest.raises(MfaAwsError, match=refused), device_lock(NAME):
        pass


def test_an_unusable_runtime_directory_stops_the_caller(run_dir):
    run_dir.parent.parent.mkdir(mode=0o700)
    os.chown(run_dir.parent.parent, NOBODY, NOBODY)
    entered = False
    refused = r"^runtime directory: .*\.ansible belongs to another user"
    with pytest.raises(MfaAwsError, match=refused), device_lock(NAME):
        entered = True
    assert not entered


@pytest.mark.parametrize("name", ["", ".", "..", "../escape.lock", "a/b", "a\0b"])
def test_a_lock_name_is_a_plain_file_name(run_dir, name):
    with pytest.raises(ValueError, match="plain file name"), device_lock(name):
        pass


def _add_one_under_the_lock(counter, rounds):
    for _round in range(rounds):
        with device_lock(NAME):
            with open(counter) as handle:
                value = int(handle.read())
            with open(counter, "w") as handle:
                handle.write(str(value + 1))


def test_forked_workers_are_serialised(run_dir, tmp_path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_add_one_under_the_lock, args=(str(counter), 50)) for _round in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0] * 8
    assert counter.read_text() == "400"


def waiting_clock(monkeypatch, start=0.0):
    """The lock's clock, moved on by each pause it takes instead of sleeping; the pauses, as they are taken."""
    from ansible_collections.mfa.aws.plugins.plugin_utils import _lock

    pauses = []
    monkeypatch.setattr(_lock, "_clock", lambda: start + sum(pauses))
    monkeypatch.setattr(_lock, "_sleep", pauses.append)
    return pauses


# Another process holding the lock as device_lock does, then waiting until its stdin closes. A new process rather
# than a fork of this one: a fork of a pytest-xdist worker (which runs threads) may hang before it gets the lock.
HOLDER = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(descriptor, fcntl.LOCK_EX)
os.pwrite(descriptor, f"{os.getpid()}\\n".encode(), 0)
print("held", flush=True)
sys.stdin.read()
"""


def test_a_holder_that_never_lets_go_stops_the_waiter_in_one_line_naming_it(run_dir, monkeypatch):
    with device_lock(NAME):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(run_dir / NAME)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "held\n"
        # The collection's clock moves on by the waiting it would do; nothing sleeps through it.
        pauses = waiting_clock(monkeypatch)
        entered = False
        waited = rf"^waited 600 seconds for the controller's lock \S+, which process {holder.pid} still holds"
        with pytest.raises(MfaAwsError, match=waited), device_lock(NAME):
            entered = True
        assert not entered and 600 <= sum(pauses) < 601
        # Quick while the holder may be quick, then no busier than four tries a second.
        assert pauses[:6] == pytest.approx([0.01, 0.02, 0.04, 0.08, 0.16, 0.25])
        assert set(pauses[5:]) == {0.25}
    finally:
        holder.communicate(timeout=30)


def test_the_holder_writes_its_process_id_for_the_waiters(run_dir):
    with device_lock(NAME):
        assert (run_dir / NAME).read_text() == f"{os.getpid()}\n"


def test_the_holder_replaces_what_a_longer_process_id_left_behind(run_dir):
    with device_lock(NAME):
        pass
    (run_dir / NAME).write_text("4194303999\n")
    with device_lock(NAME):
        assert (run_dir / NAME).read_text() == f"{os.getpid()}\n"


@pytest.mark.parametrize("left", ["", "not a process id\n"])
def test_a_holder_that_has_not_said_who_it_is_is_another_process(run_dir, monkeypatch, left):
    with device_lock(NAME):
        pass
    (run_dir / NAME).write_text(left)
    # Held through another open file description, as another process's would be, before it writes its ID.
    descriptor = os.open(run_dir / NAME, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        waiting_clock(monkeypatch)
        waited = r"^waited 600 seconds for the controller's lock \S+, which another process still holds \("
        with pytest.raises(MfaAwsError, match=waited), device_lock(NAME):
            pass
    finally:
        os.close(descriptor)


def test_a_waiter_whose_clock_reaches_the_deadline_stops_without_another_pause(run_dir, monkeypatch):
    from ansible_collections.mfa.aws.plugins.plugin_utils import _lock

    # The clock as a suspended machine sees it on waking: the whole wait gone between two tries.
    with device_lock(NAME):
        readings = iter([0.0, 600.0])
        monkeypatch.setattr(_lock, "_clock", lambda: next(readings))
        monkeypatch.setattr(_lock, "_sleep", lambda seconds: pytest.fail(f"paused {seconds} s past the deadline"))
        with pytest.raises(MfaAwsError, match=r"^waited 600 seconds"), device_lock(NAME):
            pass
