"""s3_bucket_list against S3's paging: every bucket at 25,000, filters sent to S3, early stop, clear denials."""

import secrets

from tests.playbooks.plays import mfa, play, task, with_credentials

SESSION = "mfa.aws.sts_mfa_session"
LIST = "mfa.aws.s3_bucket_list"


def listing(ansible, world, **options):
    tasks = task(SESSION, mfa(world)) + task(LIST, {**with_credentials("aws_mfa_session"), **options}, "listing")
    return ansible.run(play(tasks, save=("listing",)), world=world)


def test_twenty_five_thousand_buckets_all_listed(ansible, emulator):
    world = emulator.build_world(bucket_count=25_000, roles=[])
    result = listing(ansible, world).assert_ok().json("localhost-listing")
    names = [bucket["name"] for bucket in result["buckets"]]
    assert result["count"] == 25_000
    assert names == sorted(world.buckets)
    first = result["buckets"][0]
    assert first["region"] == world.region
    # S3 gives BucketArn for directory buckets only, which ListBuckets does not list.
    assert "arn" not in first
    assert first["creation_date"].endswith("+00:00")


def test_prefix_and_region_are_applied_by_s3(ansible, emulator):
    tag = secrets.token_hex(4)
    names = [f"logs-{tag}-{i}" for i in range(5)] + [f"data-{tag}-{i}" for i in range(4)]
    world = emulator.build_world(bucket_names=names, bucket_regions=["eu-west-1", "us-east-2", "eu-west-1"], roles=[])
    by_prefix = listing(ansible, world, prefix=f"logs-{tag}", page_size=2).assert_ok().json("localhost-listing")
    assert [b["name"] for b in by_prefix["buckets"]] == sorted(n for n in names if n.startswith("logs-"))
    by_region = listing(ansible, world, bucket_region="us-east-2").assert_ok().json("localhost-listing")
    expected = sorted(name for index, name in enumerate(names) if index % 3 == 1)
    assert [b["name"] for b in by_region["buckets"]] == expected
    assert {b["region"] for b in by_region["buckets"]} == {"us-east-2"}


def test_max_buckets_stops_early(ansible, emulator):
    world = emulator.build_world(bucket_count=30, roles=[])
    result = listing(ansible, world, max_buckets=7, page_size=5).assert_ok().json("localhost-listing")
    assert [b["name"] for b in result["buckets"]] == sorted(world.buckets)[:7]
    assert result["count"] == 7


def test_a_denied_listing_is_one_line_that_says_what_to_do(ansible, emulator):
    world = emulator.build_world(roles=[])
    # Long-term keys alone: the user's policy denies everything but getting MFA credentials.
    result = ansible.run(play(task(LIST, {})), world=world)
    result.assert_failed(match=r"ListBuckets was denied: the identity that made the call needs s3:ListAllMyBuckets")
    assert "Traceback" not in result.output
    assert result.output.count("fatal:") == 1
