"""The record of codes sent: digests, per device, private; remembered for as long as what a code bought may be in
use and a day beyond; never read as empty; a record that can't be written stops the call."""

import json
import os
import time

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._sts import spent_codes
from ansible_collections.mfa.aws.plugins.module_utils._sts.spent_codes import (
    MAX_RECORD_BYTES,
    REMEMBERED_AFTER,
    SpentCodes,
)
from tests.harness.files import mode

ALICE = "arn:aws:iam::123456789012:mfa/alice"
HOUR = 3600


class Clock:
    """time.time for the record, moved by the test."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(spent_codes.time, "time", fake.time)
    return fake


def test_spent_codes_remember_digests_not_codes(tmp_path):
    spent = SpentCodes(ALICE, str(tmp_path))
    assert spent.lookup("123456") is None
    spent.record("123456", "cache-key", "GetSessionToken")
    spent.record("654321", "other-key", "AssumeRole")
    spent.settle("654321", error="refused")
    assert spent.lookup("123456").key == "cache-key"
    assert spent.lookup("123456").operation == "GetSessionToken"
    assert spent.lookup("654321").error == "refused"
    other_device = SpentCodes("arn:aws:iam::123456789012:mfa/bob", str(tmp_path))
    assert other_device.lookup("123456") is None
    files = [name for name in os.listdir(tmp_path) if name.startswith("mfa-aws-spent-")]
    assert len(files) == 1  # a device gets a file once one of its codes is spent
    for name in files:
        text = (tmp_path / name).read_text()
        assert "123456" not in text and "654321" not in text
        assert mode(tmp_path / name) == 0o600


def test_each_device_has_its_own_record_file(tmp_path):
    SpentCodes(ALICE, str(tmp_path)).record("123456", "key", "GetSessionToken")
    SpentCodes("arn:aws:iam::123456789012:mfa/bob", str(tmp_path)).record("123456", "key", "GetSessionToken")
    assert len([name for name in os.listdir(tmp_path) if name.startswith("mfa-aws-spent-")]) == 2


def test_a_record_that_cannot_be_written_stops_the_call_before_it_is_made(tmp_path):
    spent = SpentCodes(ALICE, str(tmp_path / "missing"))
    # The system's words for why, once: not Python's "[Errno 2] ..." with the path again.
    with pytest.raises(MfaAwsError, match=r"can't be written \(No such file or directory\), .*nothing was sent to AWS"):
        spent.record("123456", "key", "AssumeRole")


def test_after_aws_answered_a_failed_write_is_only_a_warning(tmp_path, monkeypatch):
    spent = SpentCodes(ALICE, str(tmp_path))
    spent.record("123456", "key", "AssumeRole")

    def disk_full(path, value):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spent_codes, "write_private_json", disk_full)
    assert spent.settle("123456", error="AWS refused it") == "spent MFA codes were not recorded: No space left on device"


def test_a_code_is_remembered_while_what_it_bought_lasts_and_a_day_beyond(tmp_path, clock):
    spent = SpentCodes(ALICE, str(tmp_path))
    spent.record("123456", "session-key", "GetSessionToken")
    spent.settle("123456", until=clock.now + 36 * HOUR)
    # A day, as the guide says: to the second.
    assert REMEMBERED_AFTER == 24 * HOUR
    clock.now += 36 * HOUR + 24 * HOUR - 1
    assert spent.lookup("123456").until is not None
    clock.now += 2
    assert spent.lookup("123456") is None


def test_a_code_that_bought_nothing_is_remembered_a_day(tmp_path, clock):
    spent = SpentCodes(ALICE, str(tmp_path))
    spent.record("123456", "key", "AssumeRole")
    spent.settle("123456", error="refused")
    clock.now += REMEMBERED_AFTER - 1
    assert spent.lookup("123456").error == "refused"
    clock.now += 2
    assert spent.lookup("123456") is None


def test_remembered_well_past_ten_minutes(tmp_path, clock):
    # A code's step is long past after ten minutes, but a run started again with the same -e mfa_code is not.
    spent = SpentCodes(ALICE, str(tmp_path))
    spent.record("123456", "key", "AssumeRole")
    spent.settle("123456", until=clock.now + 900)
    clock.now += 11 * 60
    assert spent.lookup("123456") is not None
    clock.now += 12 * HOUR
    assert spent.lookup("123456") is not None


def test_past_its_cap_the_record_drops_its_oldest_codes_never_the_newest(tmp_path, clock):
    spent = SpentCodes(ALICE, str(tmp_path))
    # Fill the record beyond its cap with codes sent over time.
    entries = {
        f"{index:064x}": {"at": clock.now - 10_000 + index, "key": "k" * 40, "operation": "AssumeRole", "until": None}
        for index in range(MAX_RECORD_BYTES // 100)
    }
    (tmp_path / os.path.basename(spent.path)).write_text(json.dumps(entries))
    os.chmod(spent.path, 0o600)
    spent.record("123456", "newest", "GetSessionToken")
    assert spent.lookup("123456").key == "newest"
    kept = json.loads((tmp_path / os.path.basename(spent.path)).read_text())
    assert os.path.getsize(spent.path) <= MAX_RECORD_BYTES
    assert len(kept) > len(entries) // 2
    oldest = min(entries, key=lambda digest: entries[digest]["at"])
    assert oldest not in kept  # the first to go


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"a": '])
def test_a_damaged_record_stops_the_call_it_is_never_read_as_empty(tmp_path, content):
    spent = SpentCodes(ALICE, str(tmp_path))
    path = tmp_path / os.path.basename(spent.path)
    path.write_text(content)
    os.chmod(path, 0o600)
    with pytest.raises(MfaAwsError, match="can't be read, so a code could be sent twice; nothing was sent"):
        spent.lookup("123456")


def test_a_record_larger_than_any_it_writes_is_refused_not_emptied(tmp_path):
    spent = SpentCodes(ALICE, str(tmp_path))
    path = tmp_path / os.path.basename(spent.path)
    # Twice the 1 MiB it keeps is still read (a record of an older release); past that it is not ours.
    path.write_text(json.dumps({"x" * 64: {"at": time.time(), "key": "k" * (2 * 1024 * 1024 + 100)}}))
    os.chmod(path, 0o600)
    with pytest.raises(MfaAwsError, match="can't be read"):
        spent.lookup("123456")


def test_a_record_of_exactly_1_mib_is_kept_whole_and_one_byte_more_drops_its_oldest(tmp_path, clock):
    spent = SpentCodes(ALICE, str(tmp_path))
    assert MAX_RECORD_BYTES == 1024 * 1024
    entries = {f"{index:064x}": {"at": clock.now + index, "key": "k" * 1000, "operation": "GetSessionToken"}
               for index in range(900)}
    short = 1024 * 1024 - len(json.dumps(entries))
    entries[f"{899:064x}"]["key"] += "k" * short
    assert len(json.dumps(entries)) == 1024 * 1024
    spent._write(entries)
    assert len(json.loads((tmp_path / os.path.basename(spent.path)).read_text())) == 900
    entries[f"{899:064x}"]["key"] += "k"
    spent._write(entries)
    kept = json.loads((tmp_path / os.path.basename(spent.path)).read_text())
    # A tenth, the oldest, goes at a time: the newest stay.
    assert len(kept) == 810 and f"{899:064x}" in kept and f"{89:064x}" not in kept and f"{90:064x}" in kept


def test_a_few_large_codes_past_the_cap_lose_only_the_oldest(tmp_path, clock):
    spent = SpentCodes(ALICE, str(tmp_path))
    entries = {f"{index:064x}": {"at": clock.now + index, "key": "k" * 400_000, "operation": "GetSessionToken"}
               for index in range(3)}
    spent._write(entries)
    kept = json.loads((tmp_path / os.path.basename(spent.path)).read_text())
    assert sorted(kept) == [f"{1:064x}", f"{2:064x}"]


def test_forgetting_a_code_lets_it_be_sent(tmp_path):
    spent = SpentCodes(ALICE, str(tmp_path))
    spent.record("123456", "key", "AssumeRole")
    assert spent.forget("123456") is None
    assert spent.lookup("123456") is None
