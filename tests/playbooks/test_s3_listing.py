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
    run = listing(ansible, world, prefix=f"logs-{tag}", page_size=2).assert_ok()
    by_prefix = run.json("localhost-listing")
    assert [b["name"] for b in by_prefix["buckets"]] == sorted(n for n in names if n.startswith("logs-"))
    # S3 filtered: 5 matching buckets in pages of 2 are 3 pages (the 9 buckets unfiltered would be 5), each
    # asking for the prefix, the later ones chained by S3's token.
    assert [sorted(call.query) for call in run.listings] == [["max-buckets", "prefix"]] + [
        ["continuation-token", "max-buckets", "prefix"]
    ] * 2
    assert {(call.query["prefix"], call.query["max-buckets"]) for call in run.listings} == {(f"logs-{tag}", "2")}
    assert "bucket-region" not in run.listings[0].query

    run = listing(ansible, world, bucket_region="us-east-2", page_size=1).assert_ok()
    by_region = run.json("localhost-listing")
    expected = sorted(name for index, name in enumerate(names) if index % 3 == 1)
    assert [b["name"] for b in by_region["buckets"]] == expected
    assert {b["region"] for b in by_region["buckets"]} == {"us-east-2"}
    # One page per matching bucket (page_size 1), plus the last, empty one S3 ends with after a full page at
    # most: never a page of another region's bucket. Each request filtered by S3, signed for us-east-2 (with
    # one endpoint address, the region a request is sent to is the one it is signed for).
    assert len(expected) <= len(run.listings) <= len(expected) + 1
    assert {(call.query["bucket-region"], call.region, call.outcome) for call in run.listings} == {
        ("us-east-2", "us-east-2", "ok")
    }


def test_max_buckets_stops_early(ansible, emulator):
    world = emulator.build_world(bucket_count=30, roles=[])
    run = listing(ansible, world, max_buckets=7, page_size=5).assert_ok()
    result = run.json("localhost-listing")
    assert [b["name"] for b in result["buckets"]] == sorted(world.buckets)[:7]
    assert result["count"] == 7
    # Two pages of 5 hold the 7: the other 4 pages of the 30 buckets are never asked for.
    assert [call.query.get("max-buckets") for call in run.listings] == ["5", "5"]
    assert "continuation-token" in run.listings[1].query


def test_a_max_buckets_below_the_page_size_asks_s3_for_no_more(ansible, emulator):
    world = emulator.build_world(bucket_count=30, roles=[])
    run = listing(ansible, world, max_buckets=3).assert_ok()
    assert run.json("localhost-listing")["count"] == 3
    assert [call.query for call in run.listings] == [{"max-buckets": "3"}]
    assert [call.region for call in run.listings] == [world.region]


def test_a_denied_listing_is_one_line_that_says_what_to_do(ansible, emulator):
    world = emulator.build_world(roles=[])
    # Long-term keys alone: the user's policy denies everything but getting MFA credentials.
    result = ansible.run(play(task(LIST, {})), world=world)
    result.assert_failed(match=r"ListBuckets was denied: the identity that made the call needs s3:ListAllMyBuckets")
    assert "Traceback" not in result.output
    assert result.output.count("fatal:") == 1
