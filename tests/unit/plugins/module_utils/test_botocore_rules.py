"""Each rule restated in _botocore_rules.py, held against botocore itself."""

import json
from datetime import datetime, timezone

import pytest
from botocore.credentials import AssumeRoleCredentialFetcher, Credentials
from botocore.utils import JSONFileCache, is_valid_endpoint_url, is_valid_ipv6_endpoint_url, validate_region_name
from botocore.exceptions import InvalidRegionError

from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import (
    endpoint_is_valid,
    parse_timestamp,
    partition_of,
    region_is_valid,
    role_cache_key,
)

ROLE = "arn:aws:iam::222222222222:role/Admin"


def botocore_key(arguments):
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=None,
        source_credentials=Credentials("AKIA", "secret"),
        role_arn=ROLE,
        extra_args=dict(arguments),
        mfa_prompter=lambda prompt: "123456",
        cache={},
    )
    return fetcher._cache_key


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"SerialNumber": "arn:aws:iam::111111111111:mfa/alice"},
        {"SerialNumber": "arn:aws:iam::111111111111:mfa/alice", "DurationSeconds": 7200, "ExternalId": "x-1"},
        {"RoleSessionName": "named", "Policy": json.dumps({"Version": "2012-10-17", "Statement": []})},
        {"Policy": '{"Statement": [], "Version": "2012-10-17"}', "Tags": [{"Key": "k", "Value": "v"}]},
    ],
)
def test_role_cache_key_is_the_aws_cli_key(arguments):
    """The AWS CLI keys its role cache with botocore's fetcher; ours must give the same file name."""
    named = "RoleSessionName" in arguments
    assert role_cache_key({"RoleArn": ROLE, **arguments}, default_session_name=not named) == botocore_key(arguments)


def test_a_named_session_is_part_of_the_key():
    key = role_cache_key({"RoleArn": ROLE, "RoleSessionName": "named"}, default_session_name=False)
    assert key != role_cache_key({"RoleArn": ROLE}, default_session_name=True)


def test_timestamps_as_botocore_writes_them_into_the_cache(tmp_path):
    moment = datetime(2026, 11, 25, 12, 55, 22, tzinfo=timezone.utc)
    JSONFileCache(str(tmp_path))["entry"] = {"Expiration": moment}
    written = json.loads((tmp_path / "entry.json").read_text())["Expiration"]
    assert written == "2026-11-25T12:55:22UTC"
    assert parse_timestamp(written) == moment
    assert parse_timestamp(moment.isoformat()) == moment
    assert parse_timestamp("2026-11-25T12:55:22Z") == moment
    for damaged in ("yesterday", "2026-13-25T12:55:22UTC", "", "2026-11-25T12:55:22CET"):
        assert parse_timestamp(damaged) is None


def test_every_moment_the_collection_meets_parses_to_one_aware_datetime():
    moment = datetime(2026, 11, 25, 12, 55, 22, tzinfo=timezone.utc)
    assert parse_timestamp(moment) == moment  # as botocore's parser gives it
    assert parse_timestamp(moment.replace(tzinfo=None)) == moment
    assert parse_timestamp("2026-11-25T12:55:22.000Z") == moment  # as AWS writes it
    assert parse_timestamp("2026-11-25T14:55:22+02:00") == moment
    assert parse_timestamp("2026-11-25T12:55:22") == moment
    for other in (None, 1764075322, ["2026-11-25"]):
        assert parse_timestamp(other) is None


def botocore_partitions():
    from botocore.loaders import create_loader

    return create_loader().load_data("endpoints")["partitions"]


@pytest.mark.parametrize(
    "region",
    ["eu-west-1", "us-east-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1",
     "eu-isoe-west-1", "us-isof-south-1", "eusc-de-east-1", "mx-central-1", "il-central-1", "xx-nowhere-9"],
)
def test_the_partition_of_a_region_is_botocores(region):
    import re

    expected = "aws"
    for partition in botocore_partitions():
        if region in partition.get("regions", {}) or re.match(partition["regionRegex"], region):
            expected = partition["partition"]
            break
    assert partition_of(region) == expected


def test_a_region_unset_is_in_the_commercial_partition():
    assert partition_of(None) == partition_of("") == "aws"


REGIONS = ["eu-west-1", "us-gov-west-1", "EU-WEST-1", "a", "-eu", "eu-", "123", "eu west 1", "eu_west_1", "x" * 64, ""]


@pytest.mark.parametrize("region", REGIONS)
def test_region_names_botocore_accepts(region):
    try:
        validate_region_name(region)
        botocore_says = True
    except InvalidRegionError:
        botocore_says = False
    assert region_is_valid(region) == botocore_says


ENDPOINTS = [
    "https://sts.amazonaws.com",
    "http://127.0.0.1:5000",
    "http://localhost:5000/path",
    "https://[::1]:8443",
    "https://[fe80::1%25eth0]",
    "https://[::1",
    "http://",
    "https://bad host",
    "https://-bad.example.com",
    "https://sts.amazonaws.com.",
    "https://a\tb.example.com",
    "https://" + "a" * 64 + ".com",
    "https://under_score.example.com",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoints_botocore_accepts(endpoint):
    try:
        botocore_says = bool(is_valid_endpoint_url(endpoint) or is_valid_ipv6_endpoint_url(endpoint))
    except ValueError:
        botocore_says = False
    assert endpoint_is_valid(endpoint) == botocore_says
