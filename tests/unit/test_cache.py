"""The cache keeps botocore's format and key, and survives whatever it finds on disk."""

import json
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest
from botocore.credentials import AssumeRoleCredentialFetcher, Credentials

from ansible_collections.mfa.aws.plugins.module_utils._cache import (
    CredentialFileCache,
    SpentCodes,
    is_credentials_response,
    parse_expiration,
)
from ansible_collections.mfa.aws.plugins.module_utils._exchange import RoleFetcher


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
    assert cache["key"] == stored
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
    assert "key" not in cache
    with pytest.raises(KeyError):
        cache["key"]
    cache["key"] = response()
    assert "key" in cache


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


def test_spent_codes_remember_digests_not_codes(tmp_path):
    cache = CredentialFileCache(str(tmp_path))
    spent = SpentCodes(cache, "arn:aws:iam::123456789012:mfa/alice")
    assert spent.lookup("123456") is None
    spent.record("123456", "cache-key")
    spent.record("654321", "other-key", error="refused")
    assert spent.lookup("123456")["key"] == "cache-key"
    assert spent.lookup("654321")["error"] == "refused"
    other_device = SpentCodes(cache, "arn:aws:iam::123456789012:mfa/bob")
    assert other_device.lookup("123456") is None
    files = [name for name in os.listdir(tmp_path) if name.startswith("mfa-aws-spent-")]
    assert len(files) == 1  # a device gets a file once one of its codes is spent
    for name in files:
        text = (tmp_path / name).read_text()
        assert "123456" not in text and "654321" not in text
        assert mode(tmp_path / name) == 0o600


def _key(fetcher_class, arguments):
    fetcher = fetcher_class(
        client_creator=None,
        source_credentials=Credentials("AKIA", "secret"),
        role_arn="arn:aws:iam::222222222222:role/Admin",
        extra_args=dict(arguments),
        mfa_prompter=lambda prompt: "123456",
        cache={},
    )
    return fetcher._cache_key


@pytest.mark.parametrize(
    "arguments",
    [
        {"SerialNumber": "arn:aws:iam::111111111111:mfa/alice"},
        {"SerialNumber": "arn:aws:iam::111111111111:mfa/alice", "DurationSeconds": 7200, "ExternalId": "x-1"},
        {"RoleSessionName": "named", "Policy": json.dumps({"Version": "2012-10-17", "Statement": []})},
    ],
)
def test_role_cache_key_is_the_aws_cli_key(arguments):
    """The AWS CLI keys its role cache with botocore's fetcher; ours must give the same file name."""
    assert _key(RoleFetcher, arguments) == _key(AssumeRoleCredentialFetcher, arguments)


def test_expiration_as_the_aws_cli_writes_it():
    # botocore's JSONFileCache serialises datetimes with strftime("%Y-%m-%dT%H:%M:%S%Z").
    from datetime import datetime, timezone

    from ansible_collections.mfa.aws.plugins.module_utils._cache import parse_expiration

    expected = datetime(2026, 11, 25, 12, 55, 22, tzinfo=timezone.utc)
    assert parse_expiration("2026-11-25T12:55:22UTC") == expected
    assert parse_expiration("2026-11-25T12:55:22Z") == expected
    assert parse_expiration("2026-11-25T12:55:22+00:00") == expected
    assert parse_expiration("not a date") is None


def test_aws_timestamps_parse_as_botocore_parses_them():
    from botocore.utils import parse_timestamp

    from ansible_collections.mfa.aws.plugins.module_utils._connection import parse_aws_timestamp

    for text in ("2026-11-25T11:50:07.000Z", "2026-11-25T11:50:07Z", "2026-11-25T11:50:07.123456Z", "1795607416"):
        assert parse_aws_timestamp(text) == parse_timestamp(text)
    assert parse_aws_timestamp("2026-11-25T11:50:07.000Z").utcoffset().total_seconds() == 0
