"""The record of codes sent: digests, per device, private, and a record that can't be written stops the call."""

import os
import stat

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._sts.ledger import SpentCodes


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_spent_codes_remember_digests_not_codes(tmp_path):
    spent = SpentCodes("arn:aws:iam::123456789012:mfa/alice", str(tmp_path), [])
    assert spent.lookup("123456") is None
    spent.record("123456", "cache-key")
    spent.record("654321", "other-key", error="refused")
    assert spent.lookup("123456")["key"] == "cache-key"
    assert spent.lookup("654321")["error"] == "refused"
    other_device = SpentCodes("arn:aws:iam::123456789012:mfa/bob", str(tmp_path), [])
    assert other_device.lookup("123456") is None
    files = [name for name in os.listdir(tmp_path) if name.startswith("mfa-aws-spent-")]
    assert len(files) == 1  # a device gets a file once one of its codes is spent
    for name in files:
        text = (tmp_path / name).read_text()
        assert "123456" not in text and "654321" not in text
        assert mode(tmp_path / name) == 0o600


def test_a_record_that_cannot_be_written_stops_the_call_before_it_is_made(tmp_path):
    warnings = []
    spent = SpentCodes("arn:aws:iam::123456789012:mfa/alice", str(tmp_path / "missing"), warnings)
    with pytest.raises(MfaAwsError, match="nothing was sent to AWS"):
        spent.record("123456", "key")
    # After AWS answered, the call is over: a failed write is only a warning.
    spent.record("123456", "key", error="AWS refused it")
    assert warnings and warnings[0].startswith("spent MFA codes were not recorded")
