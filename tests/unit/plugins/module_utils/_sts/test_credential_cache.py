"""The cache keeps botocore's format, and survives whatever it finds on disk."""

import json
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._sts.cache import (
    CredentialFileCache,
    is_credentials_response,
    parse_expiration,
)


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


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_directory_is_private_and_files_are_0600(tmp_path):
    cache = CredentialFileCache(str(tmp_path / "cache"))
    stored = response()
    cache["key"] = stored
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
    cache = CredentialFileCache(str(directory))
    assert mode(directory) == 0o700
    assert cache.warnings == [f"cache_dir {directory} was readable by others (mode 755); it is now 700"]


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
    ],
)
def test_unusable_files_read_as_misses_and_are_replaced(tmp_path, content):
    cache = CredentialFileCache(str(tmp_path))
    (tmp_path / "key.json").write_text(content)
    assert cache.get("key") is None
    stored = response()
    cache["key"] = stored
    assert cache.get("key") == stored


def test_a_failed_write_is_a_warning_not_an_error(tmp_path):
    cache = CredentialFileCache(str(tmp_path))
    (tmp_path / "key.json").mkdir()  # the rename onto it fails, as a write to a full disk would
    cache["key"] = response()
    assert len(cache.warnings) == 1 and cache.warnings[0].startswith(f"credentials were not cached in {tmp_path}: ")
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


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
