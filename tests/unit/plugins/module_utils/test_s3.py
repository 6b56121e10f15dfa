"""ListBuckets page by page, through a real botocore client whose responses botocore's Stubber gives."""

from datetime import datetime, timedelta, timezone

import pytest
from botocore.stub import Stubber

from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection
from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._s3 import list_buckets
from ansible_collections.mfa.aws.plugins.module_utils._specs import S3_BUCKET_LIST_OPTIONS

KEYS = {"access_key": "AKIAEXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))


def bucket(name, region="eu-west-1", arn=None):
    entry = {"Name": name, "CreationDate": CREATED, "BucketRegion": region}
    if arn:
        entry["BucketArn"] = arn
    return entry


@pytest.fixture
def s3(aws_files):
    """The client list_buckets will use (clients are shared per process by key), with a Stubber on it."""

    def stubbed(**options):
        params = S3_BUCKET_LIST_OPTIONS.validate({**KEYS, **options})
        client = Connection.from_params(params).client("s3", region=params.get("bucket_region"))
        stubber = Stubber(client)
        stubber.activate()
        return params, stubber

    return stubbed


def test_every_page_is_read_and_each_bucket_worded(s3):
    params, stubber = s3(page_size=2)
    stubber.add_response(
        "list_buckets",
        {"Buckets": [bucket("a"), bucket("b", arn="arn:aws:s3:::b")], "ContinuationToken": "next"},
        {"MaxBuckets": 2},
    )
    stubber.add_response(
        "list_buckets", {"Buckets": [bucket("c", "us-east-1")]}, {"MaxBuckets": 2, "ContinuationToken": "next"}
    )
    result = list_buckets(params)
    stubber.assert_no_pending_responses()
    assert result["changed"] is False and result["count"] == 3
    assert result["buckets"][0] == {"name": "a", "creation_date": "2026-01-02T01:04:05+00:00", "region": "eu-west-1"}
    assert result["buckets"][1]["arn"] == "arn:aws:s3:::b"
    assert [entry["region"] for entry in result["buckets"]] == ["eu-west-1", "eu-west-1", "us-east-1"]


def test_s3_filters_by_prefix_and_region_itself(s3):
    params, stubber = s3(prefix="logs-", bucket_region="eu-central-1")
    stubber.add_response(
        "list_buckets",
        {"Buckets": [bucket("logs-1", "eu-central-1")]},
        {"MaxBuckets": 10000, "Prefix": "logs-", "BucketRegion": "eu-central-1"},
    )
    assert [entry["name"] for entry in list_buckets(params)["buckets"]] == ["logs-1"]
    stubber.assert_no_pending_responses()


def test_max_buckets_asks_for_no_more_than_it_keeps_and_stops(s3):
    params, stubber = s3(max_buckets=2, page_size=5)
    stubber.add_response(
        "list_buckets", {"Buckets": [bucket("a"), bucket("b")], "ContinuationToken": "more"}, {"MaxBuckets": 2}
    )
    assert list_buckets(params)["count"] == 2
    stubber.assert_no_pending_responses()  # no second page was asked for


def test_an_empty_account_is_an_empty_list(s3):
    params, stubber = s3()
    stubber.add_response("list_buckets", {"Buckets": []}, {"MaxBuckets": 10000})
    assert list_buckets(params) == {"changed": False, "buckets": [], "count": 0}


def test_awss_refusal_is_one_line_with_its_code(s3):
    params, stubber = s3()
    stubber.add_client_error("list_buckets", "AccessDenied", "not allowed", http_status_code=403)
    with pytest.raises(AwsCallError) as raised:
        list_buckets(params)
    assert raised.value.aws_code == "AccessDenied"
    assert "ListBuckets" in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prefix": "x" * 64}, "prefix: bucket names are at most 63 characters"),
        ({"bucket_region": "Europe"}, "bucket_region: 'Europe' is not a region code such as eu-west-1"),
        ({"max_buckets": 0}, "max_buckets: must be at least 1"),
        ({"page_size": 0}, "page_size: must be from 1 to 10000, got 0"),
        ({"page_size": 10001}, "page_size: must be from 1 to 10000, got 10001"),
    ],
)
def test_options_s3_would_refuse_are_refused_before_any_call(aws_files, options, message):
    with pytest.raises(MfaAwsError, match=f"^{message}"):
        list_buckets(S3_BUCKET_LIST_OPTIONS.validate({**KEYS, **options}))


def test_one_bucket_at_most_is_one_bucket(s3):
    params, stubber = s3(max_buckets=1)
    stubber.add_response("list_buckets", {"Buckets": [bucket("a")], "ContinuationToken": "more"}, {"MaxBuckets": 1})
    assert [entry["name"] for entry in list_buckets(params)["buckets"]] == ["a"]
    stubber.assert_no_pending_responses()


def test_a_63_character_prefix_and_the_page_bounds_are_accepted(s3):
    params, stubber = s3(prefix="x" * 63, page_size=1)
    stubber.add_response("list_buckets", {"Buckets": []}, {"MaxBuckets": 1, "Prefix": "x" * 63})
    assert list_buckets(params)["count"] == 0
