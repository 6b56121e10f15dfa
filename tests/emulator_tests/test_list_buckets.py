"""ListBuckets as S3 answers it: pages of MaxBuckets (1-10000) chained by ContinuationToken, Prefix and
BucketRegion filters, unpaginated calls refused above 10,000 buckets, and the require-mfa user policy."""

import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from tests.emulator_tests._aws import Keys, mfa_session, plain_session, refusal, s3, sts

if TYPE_CHECKING:
    from tests.emulator import Emulator, World

REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2")
GROUPS = ("data", "logs", "web")
MANY = 25_000
MAX_BUCKETS_MESSAGE = "Argument max-buckets must be an integer between 1 and 10000."


@dataclass
class Crowd:
    """A world of 25,000 buckets created in shuffled order, spread over three prefixes and three regions."""

    world: "World"
    regions: dict[str, str]  # bucket name -> region
    client: Any
    emulator: "Emulator"

    def client_in(self, region: str) -> Any:
        """A client signing for (and so sending to) `region`, as S3 requires of a BucketRegion filter."""
        return s3(self.emulator, Keys.of(self.world), validate=False, raw_timestamps=True, region=region)

    def names(self, *, prefix: str = "", region: str | None = None) -> list[str]:
        return sorted(
            name for name, where in self.regions.items() if name.startswith(prefix) and region in (None, where)
        )


@pytest.fixture(scope="module")
def crowd(emulator: "Emulator") -> Crowd:
    tag = secrets.token_hex(4)
    names = [f"{GROUPS[i % len(GROUPS)]}-{tag}-{i:05d}" for i in range(MANY)]
    random.Random(tag).shuffle(names)
    # build_world gives the i-th name the (i mod 3)-th region.
    regions = {name: REGIONS[i % len(REGIONS)] for i, name in enumerate(names)}
    world = emulator.build_world(bucket_names=names, bucket_regions=REGIONS, roles=[], user_policy="allow-all")
    return Crowd(world, regions, s3(emulator, Keys.of(world), validate=False, raw_timestamps=True), emulator)


def _all_pages(client: Any, **arguments: Any) -> list[dict[str, Any]]:
    pages = [client.list_buckets(**arguments)]
    while "ContinuationToken" in pages[-1]:
        pages.append(client.list_buckets(**arguments, ContinuationToken=pages[-1]["ContinuationToken"]))
    return pages


def _names(pages: list[dict[str, Any]]) -> list[str]:
    return [bucket["Name"] for page in pages for bucket in page["Buckets"]]


# -- Paging --------------------------------------------------------------------------------------------


def test_pages_of_10000_list_every_bucket_once_in_order(crowd: Crowd) -> None:
    pages = _all_pages(crowd.client, MaxBuckets=10_000)
    assert [len(page["Buckets"]) for page in pages] == [10_000, 10_000, 5_000]
    names = _names(pages)
    assert names == crowd.names()
    assert len(set(names)) == MANY
    # Every page but the last hands on a token; each token is new.
    tokens = [page.get("ContinuationToken") for page in pages]
    assert all(tokens[:-1]) and tokens[-1] is None and len(set(tokens[:-1])) == len(tokens) - 1


def test_every_entry_names_its_region(crowd: Crowd) -> None:
    pages = _all_pages(crowd.client, MaxBuckets=10_000)
    entries = [bucket for page in pages for bucket in page["Buckets"]]
    assert all(bucket["BucketRegion"] == crowd.regions[bucket["Name"]] for bucket in entries)
    assert Counter(bucket["BucketRegion"] for bucket in entries) == Counter(crowd.regions.values())
    # BucketArn is for directory buckets only; ListBuckets lists general purpose buckets.
    assert not any("BucketArn" in bucket for bucket in entries)
    assert all(bucket["CreationDate"].endswith("Z") for bucket in entries)


def test_small_pages_chain_to_the_same_listing(crowd: Crowd) -> None:
    pages = _all_pages(crowd.client, MaxBuckets=999)
    assert len(pages) == 26
    assert all(len(page["Buckets"]) == 999 for page in pages[:-1])
    assert _names(pages) == crowd.names()


def test_boto3_paginator_lists_every_bucket(crowd: Crowd) -> None:
    paginator = crowd.client.get_paginator("list_buckets")
    names = [
        bucket["Name"]
        for page in paginator.paginate(PaginationConfig={"PageSize": 4_000})
        for bucket in page["Buckets"]
    ]
    assert names == crowd.names()


def test_one_bucket_per_page(crowd: Crowd) -> None:
    first = crowd.client.list_buckets(MaxBuckets=1)
    second = crowd.client.list_buckets(MaxBuckets=1, ContinuationToken=first["ContinuationToken"])
    assert [first["Buckets"][0]["Name"], second["Buckets"][0]["Name"]] == crowd.names()[:2]


def test_a_page_larger_than_the_listing_has_no_token(crowd: Crowd) -> None:
    last_page = crowd.client.list_buckets(MaxBuckets=10_000, Prefix=f"web-{crowd.names()[0].split('-')[1]}")
    assert len(last_page["Buckets"]) == len(crowd.names(prefix="web-"))
    assert "ContinuationToken" not in last_page


# -- Filters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_prefix_filters_across_pages(crowd: Crowd, group: str) -> None:
    pages = _all_pages(crowd.client, MaxBuckets=3_000, Prefix=f"{group}-")
    assert _names(pages) == crowd.names(prefix=f"{group}-")
    assert all(page["Prefix"] == f"{group}-" for page in pages)
    assert all("BucketRegion" in bucket for page in pages for bucket in page["Buckets"])


def test_a_prefix_that_matches_nothing_gives_an_empty_page(crowd: Crowd) -> None:
    page = crowd.client.list_buckets(MaxBuckets=100, Prefix="zzz-no-such-")
    assert page.get("Buckets", []) == [] and "ContinuationToken" not in page
    assert page["Prefix"] == "zzz-no-such-"


@pytest.mark.parametrize("region", REGIONS)
def test_bucket_region_filters_across_pages(crowd: Crowd, region: str) -> None:
    pages = _all_pages(crowd.client_in(region), MaxBuckets=2_500, BucketRegion=region)
    names = _names(pages)
    assert names == crowd.names(region=region)
    assert {bucket["BucketRegion"] for page in pages for bucket in page["Buckets"]} == {region}
    assert all(len(page["Buckets"]) == 2_500 for page in pages[:-1])


def test_prefix_and_region_filter_together(crowd: Crowd) -> None:
    pages = _all_pages(crowd.client_in("us-east-1"), MaxBuckets=500, Prefix="logs-", BucketRegion="us-east-1")
    assert _names(pages) == crowd.names(prefix="logs-", region="us-east-1")


def test_a_filter_alone_is_refused_unpaginated_above_10000_buckets(crowd: Crowd) -> None:
    # A filter is not pagination: without MaxBuckets or ContinuationToken the call is unpaginated.
    denied = refusal(lambda: crowd.client.list_buckets(Prefix="logs-"))
    assert (denied.status, denied.code) == (400, "InvalidRequest")


# -- MaxBuckets bounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("max_buckets", [0, -1, 10_001, 1_000_000])
def test_max_buckets_outside_1_to_10000_is_refused(crowd: Crowd, max_buckets: int) -> None:
    denied = refusal(lambda: crowd.client.list_buckets(MaxBuckets=max_buckets))
    assert (denied.status, denied.code, denied.message) == (400, "InvalidArgument", MAX_BUCKETS_MESSAGE)


def test_botocore_itself_refuses_max_buckets_below_1(emulator: "Emulator", crowd: Crowd) -> None:
    from botocore.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        s3(emulator, Keys.of(crowd.world)).list_buckets(MaxBuckets=0)


def test_a_garbled_continuation_token_is_refused(crowd: Crowd) -> None:
    denied = refusal(lambda: crowd.client.list_buckets(MaxBuckets=10, ContinuationToken="%%%not-a-token"))
    assert (denied.status, denied.code) == (400, "InvalidArgument")


# -- Unpaginated calls ---------------------------------------------------------------------------------


def test_unpaginated_list_buckets_is_refused_above_10000_buckets(crowd: Crowd) -> None:
    denied = refusal(crowd.client.list_buckets)
    assert (denied.status, denied.code) == (400, "InvalidRequest")
    assert "10000" in denied.message


def test_unpaginated_list_buckets_answers_up_to_10000_buckets(emulator: "Emulator") -> None:
    world = emulator.build_world(bucket_count=10_000, roles=[], user_policy="allow-all")
    client = s3(emulator, Keys.of(world), raw_timestamps=True)
    answer = client.list_buckets()
    names = [bucket["Name"] for bucket in answer["Buckets"]]
    assert names == sorted(world.buckets) and len(names) == 10_000
    assert "ContinuationToken" not in answer
    # Without any parameter, S3 does not name regions.
    assert not any("BucketRegion" in bucket for bucket in answer["Buckets"])
    # One bucket more and the same call is refused.
    extra = f"extra-{world.account_id}"
    client.create_bucket(Bucket=extra, CreateBucketConfiguration={"LocationConstraint": world.region})
    denied = refusal(client.list_buckets)
    assert (denied.status, denied.code) == (400, "InvalidRequest")
    paged = _all_pages(client, MaxBuckets=10_000)
    assert _names(paged) == sorted([*world.buckets, extra])


def test_a_small_account_lists_unpaginated(emulator: "Emulator") -> None:
    world = emulator.build_world(roles=[], user_policy="allow-all")
    answer = s3(emulator, Keys.of(world)).list_buckets()
    assert [bucket["Name"] for bucket in answer["Buckets"]] == sorted(world.buckets)
    assert all(isinstance(bucket["CreationDate"], datetime) for bucket in answer["Buckets"])
    assert answer["Owner"]["ID"]


# -- Policy: the require-mfa user policy ---------------------------------------------------------------


def _deny_message(arn: str, why: str) -> str:
    return f"User: {arn} is not authorized to perform: s3:ListAllMyBuckets {why}"


def test_require_mfa_denies_long_term_keys(emulator: "Emulator", world: "World") -> None:
    denied = refusal(s3(emulator, Keys.of(world)).list_buckets)
    assert (denied.status, denied.code) == (403, "AccessDenied")
    assert denied.message == _deny_message(world.user_arn, "with an explicit deny in an identity-based policy")


def test_require_mfa_allows_an_mfa_session(emulator: "Emulator", world: "World") -> None:
    answer = s3(emulator, mfa_session(emulator, world)).list_buckets()
    assert [bucket["Name"] for bucket in answer["Buckets"]] == sorted(world.buckets)


def test_require_mfa_denies_a_session_made_without_mfa(emulator: "Emulator", world: "World") -> None:
    denied = refusal(s3(emulator, plain_session(emulator, world)).list_buckets)
    assert (denied.status, denied.code) == (403, "AccessDenied")
    assert denied.message == _deny_message(world.user_arn, "with an explicit deny in an identity-based policy")


def test_a_user_without_policies_is_denied_implicitly(emulator: "Emulator") -> None:
    world = emulator.build_world(roles=[], user_policy="none")
    denied = refusal(s3(emulator, mfa_session(emulator, world)).list_buckets)
    assert (denied.status, denied.code) == (403, "AccessDenied")
    assert denied.message == _deny_message(
        world.user_arn, "because no identity-based policy allows the s3:ListAllMyBuckets action"
    )


def test_a_role_session_lists_the_roles_account(emulator: "Emulator", world: "World") -> None:
    role = world.roles["admin"]
    answer = sts(emulator, mfa_session(emulator, world)).assume_role(RoleArn=role.arn, RoleSessionName="lister")
    listed = s3(emulator, Keys.from_credentials(answer["Credentials"])).list_buckets()
    assert [bucket["Name"] for bucket in listed["Buckets"]] == sorted(role.buckets)


def test_any_parameter_makes_entries_name_their_region(emulator: "Emulator") -> None:
    world = emulator.build_world(roles=[], user_policy="allow-all", bucket_regions=["eu-west-1", "us-east-1"])
    client = s3(emulator, Keys.of(world), region="us-east-1")
    for arguments in ({"Prefix": world.user_name}, {"BucketRegion": "us-east-1"}, {"MaxBuckets": 10}):
        answer = client.list_buckets(**arguments)
        assert answer["Buckets"] and all(
            bucket["BucketRegion"] in ("eu-west-1", "us-east-1") for bucket in answer["Buckets"]
        )
    assert [bucket["Name"] for bucket in client.list_buckets(BucketRegion="us-east-1")["Buckets"]] == [world.buckets[1]]


# -- the listing log and the region rule ----------------------------------------------------------------------


def test_every_list_buckets_call_is_logged_with_its_query_and_signing_region(emulator: "Emulator") -> None:
    world = emulator.build_world(roles=[], user_policy="allow-all", bucket_count=5, bucket_regions=["us-east-2"])
    client = s3(emulator, Keys.of(world), region="us-east-2")
    pages = _all_pages(client, MaxBuckets=2, Prefix=world.user_name[:1], BucketRegion="us-east-2")
    assert len(pages) == 3
    calls = world.listings()
    assert [(call.region, call.outcome, call.account_id) for call in calls] == [
        ("us-east-2", "ok", world.account_id)
    ] * 3
    assert [sorted(call.query) for call in calls] == [["bucket-region", "max-buckets", "prefix"]] + [
        ["bucket-region", "continuation-token", "max-buckets", "prefix"]
    ] * 2
    assert {call.query["max-buckets"] for call in calls} == {"2"}
    assert [call.query.get("continuation-token") for call in calls[1:]] == [
        page["ContinuationToken"] for page in pages[:-1]
    ]
    # A refused call is logged too, with S3's error code.
    refusal(lambda: s3(emulator, Keys.of(world), validate=False).list_buckets(MaxBuckets=0))
    assert [(call.outcome, call.region) for call in world.listings()[3:]] == [("InvalidArgument", emulator.region)]


def test_a_bucket_region_filter_must_be_signed_for_that_region(emulator: "Emulator") -> None:
    world = emulator.build_world(roles=[], user_policy="allow-all", bucket_regions=["eu-west-1", "us-east-1"])
    denied = refusal(lambda: s3(emulator, Keys.of(world), region="eu-west-1").list_buckets(BucketRegion="us-east-1"))
    assert (denied.status, denied.code) == (400, "InvalidArgument")
    assert denied.message == (
        "Requests made to a Regional endpoint that is different from the bucket-region parameter are not supported."
    )
    listed = s3(emulator, Keys.of(world), region="us-east-1").list_buckets(BucketRegion="us-east-1")
    assert [bucket["Name"] for bucket in listed["Buckets"]] == [world.buckets[1]]
    assert [(call.region, call.outcome) for call in world.listings()] == [
        ("eu-west-1", "InvalidArgument"),
        ("us-east-1", "ok"),
    ]
