"""The shared clock (tests/harness/clock.py): every process a run starts tells the time by it, moving it mid-run moves
them all, and the emulator keeps step: it accepts what they sign, expires credentials and steps codes by it.

Each test has an emulator of its own, whose clock it moves hours ahead.
"""

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.emulator import mfa
from tests.harness import AnsibleRunner, CollectionTree
from tests.harness.clock import (
    SONAME,
    SharedClock,
    build_from_source,
    moves_time,
    private_emulator,
    shared_clock,
    vendored_source,
)
from tests.harness.paths import PYTHON
from tests.playbooks.plays import SAVE, play, task, with_credentials

if TYPE_CHECKING:
    from tests.emulator import Emulator

HOUR = 3600
LIST = "mfa.aws.s3_bucket_list"


@pytest.fixture
def emulator() -> Iterator["Emulator"]:
    with private_emulator() as emu:
        yield emu


@pytest.fixture
def clock(emulator: "Emulator", tmp_path: Path) -> Iterator[SharedClock]:
    with shared_clock(emulator, tmp_path / "clock") as moved:
        yield moved


@pytest.fixture
def ansible(tmp_path: Path, collection: CollectionTree, emulator: "Emulator", clock: SharedClock) -> AnsibleRunner:
    return AnsibleRunner(tmp_path / "ansible", collection, emulator=emulator, clock=clock)


#: What a child process of a worker reads: wall clock and monotonic clock.
CLOCKS = f"{PYTHON} -c 'import time; print(time.time(), time.monotonic())'"


def reading(label: str) -> str:
    return f"""
- hosts: all
  gather_facts: false
  vars:
    clocks: {json.dumps(CLOCKS)}
    # Read in the worker, and in a process it starts, when the task saves them.
    seen_{label}:
      worker: "{{{{ now(utc=true).isoformat() }}}}"
      child: "{{{{ lookup('ansible.builtin.pipe', clocks) }}}}"
  tasks:
{SAVE.format(var=f"seen_{label}")}"""


def test_a_playbook_its_workers_and_their_children_see_the_moved_time(ansible, clock):
    clock.advance(5 * HOUR)
    real_before, monotonic_before = time.time(), time.monotonic()
    result = ansible.run(reading("before") + clock.play(HOUR) + reading("after"), hosts=3, forks=3).assert_ok()
    real_after, monotonic_after = time.time(), time.monotonic()
    # Each move is noted, by the time on the clock just after it: from the test, then from the playbook.
    assert len(clock.moves) == 2 and clock.moves[1] - clock.moves[0] >= HOUR
    for host in ("host01", "host02", "host03"):
        for label, offset in (("before", 5 * HOUR), ("after", 6 * HOUR)):
            seen = result.json(f"{host}-seen_{label}")
            wall, monotonic = (float(value) for value in seen["child"].split())
            worker = datetime.fromisoformat(seen["worker"] + "+00:00").timestamp()
            for moved in (wall, worker):
                assert real_before + offset - 1 <= moved <= real_after + offset + 1, (host, label, seen)
            # Monotonic time is not moved: Ansible's and the collection's timeouts keep real seconds.
            assert monotonic_before <= monotonic <= monotonic_after, (host, label, seen)


def test_the_emulator_accepts_what_is_signed_on_the_moved_clock_and_expires_by_it(ansible, emulator, clock):
    world = emulator.build_world(roles=[])
    options = {"mfa_serial_number": world.mfa_serial, "mfa_token": "{{ code }}", "duration_seconds": 900}

    def listing(name):
        return task(LIST, with_credentials("session.credentials"), name, "      ignore_errors: true\n")

    # A session of 900 s, used at once and again 901 s later, within one run.
    playbook = (
        play(task("mfa.aws.sts_mfa_session", options, "session"), listing("fresh"), save=("fresh",))
        + clock.play(901)
        + play(listing("stale"), save=("stale",))
    )
    # Hours ahead of real time: a request signed by real time would be out of the 15-minute signature window.
    clock.advance(3 * HOUR)
    result = ansible.run(playbook, world=world, extra_vars={"code": world.totp()}).assert_ok()
    assert result.json("localhost-fresh")["count"] == len(world.buckets)
    stale = result.json("localhost-stale")
    assert stale["failed"] is True and "expired" in stale["msg"], stale
    assert [call.outcome for call in world.listings()] == ["ok", "ExpiredToken"]


def test_codes_follow_the_moved_clock(ansible, emulator, clock):
    world = emulator.build_world(roles=[])
    clock.advance(2 * HOUR)
    # The device's code by real time is two hours old to the emulator, and refused; the moved clock's is taken.
    real_time_code = mfa.totp(world.mfa_seed or "", time.time())
    assert world.totp() == mfa.totp(world.mfa_seed or "", time.time() + clock.offset)
    session = task("mfa.aws.sts_mfa_session", {"mfa_serial_number": world.mfa_serial, "mfa_token": "{{ code }}"})
    ansible.run(play(session), world=world, extra_vars={"code": real_time_code}).assert_failed("refused the MFA code")
    ansible.run(play(session), world=world, extra_vars={"code": world.totp()}).assert_ok()
    assert [(call.coded, call.outcome) for call in world.calls(action="GetSessionToken")] == [
        (True, "AccessDenied"),
        (True, "ok"),
    ]


def test_where_the_wheel_s_library_does_not_fit_one_is_built_from_its_source(tmp_path):
    # The wheel carries an x86_64 build; elsewhere the harness builds one with make and the C compiler, once.
    built = build_from_source(vendored_source(), tmp_path / "cache")
    assert built.name == SONAME and built != vendored_source() / SONAME
    assert moves_time(built)
    assert build_from_source(vendored_source(), tmp_path / "cache") == built
    # A library the loader cannot preload is only warned about, and the process runs on real time: the probe tells.
    foreign = tmp_path / SONAME
    foreign.write_bytes(b"\x7fELF not for this machine")
    assert not moves_time(foreign)
