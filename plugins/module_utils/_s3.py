# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listing an account's S3 buckets, page by page, filtered by S3 itself.

For the collection's own use.
"""

from __future__ import annotations

import re
from datetime import timezone
from typing import Any, Iterator, Mapping

from ansible_collections.mfa.aws.plugins.module_utils._aws_errors import aws_call_error, call_failures
from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError

PAGE_SIZE = (1, 10000)  # S3's bounds for MaxBuckets
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")


def _check(options: Mapping[str, Any]) -> tuple[str | None, str | None, int | None, int]:
    prefix, region = options.get("prefix") or None, options.get("bucket_region") or None
    # page_size's default (the most S3 gives in a page) is the spec's.
    limit, page_size = options.get("max_buckets"), options["page_size"]
    if prefix is not None and len(prefix) > 63:
        raise MfaAwsError("prefix: bucket names are at most 63 characters, so a longer prefix matches nothing")
    if region is not None and not _REGION.fullmatch(region):
        raise MfaAwsError(f"bucket_region: {region!r} is not a region code such as eu-west-1")
    if limit is not None and limit < 1:
        raise MfaAwsError("max_buckets: must be at least 1 (leave it unset to list every bucket)")
    if not PAGE_SIZE[0] <= page_size <= PAGE_SIZE[1]:
        raise MfaAwsError(f"page_size: must be from {PAGE_SIZE[0]} to {PAGE_SIZE[1]}, got {page_size}")
    return prefix, region, limit, page_size


def _entry(bucket: Mapping[str, Any]) -> dict[str, Any]:
    entry = {
        "name": bucket["Name"],
        "creation_date": bucket["CreationDate"].astimezone(timezone.utc).isoformat(),
        "region": bucket.get("BucketRegion"),
    }
    if bucket.get("BucketArn"):
        entry["arn"] = bucket["BucketArn"]
    return entry


def iter_buckets(client: Any, prefix: str | None, region: str | None, page_size: int) -> Iterator[dict[str, Any]]:
    """Always paginated: S3 refuses an unpaginated ListBuckets above 10,000 buckets."""
    arguments: dict[str, Any] = {"MaxBuckets": page_size}
    if prefix:
        arguments["Prefix"] = prefix
    if region:
        arguments["BucketRegion"] = region
    while True:
        page = client.list_buckets(**arguments)
        for bucket in page.get("Buckets") or ():
            yield _entry(bucket)
        token = page.get("ContinuationToken")
        if not token:
            return
        arguments["ContinuationToken"] = token


def list_buckets(options: Mapping[str, Any]) -> dict[str, Any]:
    prefix, region, limit, page_size = _check(options)
    connection = Connection.from_params(options)
    # S3 answers a bucket_region filter only at that region's endpoint.
    client = connection.client("s3", region=region)
    buckets: list[dict[str, Any]] = []
    try:
        for entry in iter_buckets(client, prefix, region, page_size if limit is None else min(page_size, limit)):
            buckets.append(entry)
            if limit is not None and len(buckets) >= limit:
                break
    except call_failures() as error:
        raise aws_call_error(error, "ListBuckets") from error
    return {"changed": False, "buckets": buckets, "count": len(buckets)}
