"""The cache keeps botocore's format, and survives whatever it finds on disk."""

import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import parse_timestamp as parse_expiration
from ansible_collections.mfa.aws.plugins.module_utils._sts.credential_cache import (
    MAX_ENTRY_BYTES,
    CredentialCache,
    is_credentials_response,
    seconds_left,
)
from tests.harness.files import mode


def response(minutes=60):
    expiration = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    return {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEEXAMPLE00",
            "SecretAccessKey": "secret",
            "SessionToken": "token",
            "Expiration": expiration.isoformat(),
        }
    }


def test_directory_is_private_and_files_are_0600(tmp_path):
    cache, warnings = CredentialCache.open(str(tmp_path / "cache"))
    stored = response()
    assert cache.put("key", stored) is None and warnings == []
    assert mode(tmp_path / "cache") == 0o700
    assert mode(tmp_path / "cache" / "key.json") == 0o600
    # What comes back is what was stored, field by field (the credentials included).
    assert cache.get("key") == stored
    assert json.loads((tmp_path / "cache" / "key.json").read_text()) == stored
    assert not [name for name in os.listdir(tmp_path / "cache") if name.endswith(".tmp")]


def test_a_loose_directory_is_tightened_with_a_warning(tmp_path):
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    _cache, warnings = CredentialCache.open(str(directory))
    assert mode(directory) == 0o700
    assert warnings == [f"cache_dir {directory} was readable by others (mode 755); it is now 700"]


@pytest.mark.parametrize(
    "content",
    [
        "",  # empty
        '{"Credentials": {"AccessKeyId": "ASIA',  # truncated
        "not json at all",
        json.dumps(["a", "list"]),
        json.dumps({"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "B"}}),  # no token, no expiration
        json.dumps({"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "B", "SessionToken": "C",
                                    "Expiration": "yesterday"}}),
        json.dumps({"ProviderType": "sso", "Token": "another tool's file"}),
        json.dumps({"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "", "SessionToken": "C",
                                    "Expiration": "2099-01-01T00:00:00Z"}}),  # an empty secret key
        json.dumps({"Credentials": {"AccessKeyId": "A", "SessionToken": "C",
                                    "Expiration": "2099-01-01T00:00:00Z"}}),  # no secret key at all
        json.dumps({"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "B", "SessionToken": "C",
                                    "Expiration": "2099-01-01T00:00:00Z"},
                    "AssumedRoleUser": {"Arn": "arn:aws:sts::222222222222", "AssumedRoleId": "AROA:x"}}),  # 5 parts
        json.dumps({"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "B", "SessionToken": "C",
                                    "Expiration": "2099-01-01T00:00:00Z"},
                    "CallerIdentity": {"Account": "1", "Arn": ""}}),  # an identity of the wrong shape
    ],
)
def test_unusable_files_read_as_misses_and_are_replaced(tmp_path, content):
    cache, _warnings = CredentialCache.open(str(tmp_path))
    (tmp_path / "key.json").write_text(content)
    assert cache.get("key") is None
    stored = response()
    cache.put("key", stored)
    assert cache.get("key") == stored


def test_a_failed_write_is_a_warning_not_an_error(tmp_path):
    cache, _warnings = CredentialCache.open(str(tmp_path))
    (tmp_path / "key.json").mkdir()  # the rename onto it fails, as a write to a full disk would
    warning = cache.put("key", response())
    # The system's words for the failure, once: not Python's "[Errno 21] ..." with the path again.
    assert warning == f"credentials were not cached in {tmp_path}: Is a directory"
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_an_entry_up_to_64_kib_is_read_and_a_larger_one_is_a_miss(tmp_path):
    # An STS answer is under 4 KiB; a file past 64 KiB is not ours and is not parsed.
    cache, _warnings = CredentialCache.open(str(tmp_path))
    text = json.dumps(response())
    (tmp_path / "fits.json").write_text(text + " " * (MAX_ENTRY_BYTES - len(text)))
    (tmp_path / "over.json").write_text(text + " " * (MAX_ENTRY_BYTES + 1 - len(text)))
    assert os.path.getsize(tmp_path / "fits.json") == 64 * 1024
    assert cache.get("fits") is not None
    assert cache.get("over") is None


def test_expiration_parses_in_every_form_it_is_stored():
    moment = datetime(2026, 11, 25, 18, 6, 10, tzinfo=timezone.utc)
    assert parse_expiration("2026-11-25T18:06:10Z") == moment
    assert parse_expiration("2026-11-25T18:06:10+00:00") == moment
    assert parse_expiration("2026-11-25T18:06:10") == moment
    assert parse_expiration(moment) == moment
    assert parse_expiration("soon") is None
    assert is_credentials_response(response())
    assert not is_credentials_response({"Credentials": None})


def test_expiration_as_the_aws_cli_writes_it():
    # botocore's JSONFileCache serialises datetimes with strftime("%Y-%m-%dT%H:%M:%S%Z").

    expected = datetime(2026, 11, 25, 12, 55, 22, tzinfo=timezone.utc)
    assert parse_expiration("2026-11-25T12:55:22UTC") == expected
    assert parse_expiration("2026-11-25T12:55:22Z") == expected
    assert parse_expiration("2026-11-25T12:55:22+00:00") == expected
    assert parse_expiration("not a date") is None


def test_seconds_left_counts_from_now_and_goes_negative():
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)
    entry = {"Credentials": {"Expiration": "2026-11-25T12:15:00Z"}}
    assert seconds_left(entry, now) == 900
    assert seconds_left(entry, now + timedelta(minutes=20)) == -300
