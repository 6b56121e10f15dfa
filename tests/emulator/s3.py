"""S3 ListBuckets as S3 pages it: MaxBuckets 1-10000, ContinuationToken, Prefix, BucketRegion.

moto truncates at MaxBuckets without a ContinuationToken, so the emulator answers ListBuckets itself,
from the buckets moto holds.
"""

import base64
import hashlib
import threading
from collections.abc import Mapping
from typing import Any

from moto.s3.models import s3_backends

from tests.emulator import iam, policy
from tests.emulator.principals import PARTITION, Principal
from tests.emulator.responses import S3_NAMESPACE, Answer, AwsError, element, iso_millis
from tests.emulator.sts import request_context

MAX_PAGE = 10_000
#: ListBuckets' query parameters.
PARAMETERS = ("max-buckets", "continuation-token", "prefix", "bucket-region")
#: Above the default quota S3 refuses unpaginated ListBuckets.
DEFAULT_QUOTA = 10_000


def canonical_user_id(account_id: str) -> str:
    return hashlib.sha256(f"canonical:{account_id}".encode()).hexdigest()


class BucketIndex:
    """Each account's buckets sorted by name, re-sorted only when the set of buckets changed."""

    def __init__(self) -> None:
        self._sorted: dict[str, tuple[int, list[Any]]] = {}
        self._lock = threading.Lock()

    def buckets(self, account_id: str) -> list[Any]:
        held = s3_backends[account_id][PARTITION].buckets
        with self._lock:
            cached = self._sorted.get(account_id)
            if cached is None or cached[0] != len(held):
                cached = (len(held), sorted(held.values(), key=lambda bucket: bucket.name))
                self._sorted[account_id] = cached
            return cached[1]


def _token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _after(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise AwsError(400, "InvalidArgument", "The continuation token provided is incorrect") from None


#: S3 does not document the error; the wording is the API reference's, the code the emulator's choice.
WRONG_REGION = "Requests made to a Regional endpoint that is different from the bucket-region parameter are not supported."


def list_buckets(
    principal: Principal, query: Mapping[str, str], index: BucketIndex, now: float, signed_region: str
) -> Answer:
    """One page for `principal`; `signed_region` is the region the request was signed for, and sent to."""
    context = request_context(principal, now, mfa_present=principal.mfa_present, mfa_at=principal.mfa_authenticated_at)
    decision = policy.decide(iam.identity_documents(principal), "s3:ListAllMyBuckets", "*", context)
    session_ok = all(
        policy.decide([document], "s3:ListAllMyBuckets", "*", context) == "Allow" for document in principal.session_policies
    )
    if decision != "Allow" or not session_ok:
        why = (
            "with an explicit deny in an identity-based policy"
            if decision == "Deny"
            else "because no session policy allows the s3:ListAllMyBuckets action"
            if decision == "Allow"
            else "because no identity-based policy allows the s3:ListAllMyBuckets action"
        )
        raise AwsError(403, "AccessDenied", f"User: {principal.arn} is not authorized to perform: s3:ListAllMyBuckets {why}")

    paginated = "max-buckets" in query or "continuation-token" in query
    limit = MAX_PAGE
    if "max-buckets" in query:
        try:
            limit = int(query["max-buckets"])
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_PAGE:
            raise AwsError(400, "InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000.")
    if query.get("bucket-region") and query["bucket-region"] != signed_region:
        raise AwsError(400, "InvalidArgument", WRONG_REGION)
    buckets = index.buckets(principal.account_id)
    if not paginated and len(buckets) > DEFAULT_QUOTA:
        raise AwsError(
            400,
            "InvalidRequest",
            "This account has more than 10000 general purpose buckets: send a paginated ListBuckets request "
            "(with max-buckets or continuation-token).",
        )
    prefix = query.get("prefix", "")
    region = query.get("bucket-region")
    start = _after(query["continuation-token"]) if query.get("continuation-token") else None

    page: list[Any] = []
    more = False
    # Names are sorted: a continuation starts past the last name returned, a prefix at its first match.
    low = _first_index(buckets, start, after=True) if start is not None else 0
    if prefix:
        low = max(low, _first_index(buckets, prefix, after=False))
    for position in range(low, len(buckets)):
        bucket = buckets[position]
        if prefix and not bucket.name.startswith(prefix):
            break
        if region and bucket.region_name != region:
            continue
        if len(page) == limit:
            more = True
            break
        page.append(bucket)

    # S3 names each bucket's region when the request has at least one of its parameters. BucketArn is
    # only for directory buckets, which ListBuckets does not list.
    with_region = any(name in query for name in PARAMETERS)
    entries = []
    for bucket in page:
        entry = element("Name", bucket.name) + element("CreationDate", iso_millis(bucket.creation_date.timestamp()))
        if with_region:
            entry += element("BucketRegion", bucket.region_name)
        entries.append(f"<Bucket>{entry}</Bucket>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ListAllMyBucketsResult xmlns="{S3_NAMESPACE}">'
        f"<Owner>{element('ID', canonical_user_id(principal.account_id))}</Owner>"
        f"<Buckets>{''.join(entries)}</Buckets>"
        + (element("ContinuationToken", _token(page[-1].name)) if more and page else "")
        + (element("Prefix", prefix) if "prefix" in query else "")
        + "</ListAllMyBucketsResult>"
    )
    return Answer(200, body.encode(), [("Content-Type", "application/xml")])


def _first_index(buckets: list[Any], name: str, *, after: bool) -> int:
    """Index of the first bucket named after `name` (after=True) or at or after it."""
    low, high = 0, len(buckets)
    while low < high:
        middle = (low + high) // 2
        if buckets[middle].name < name or (after and buckets[middle].name == name):
            low = middle + 1
        else:
            high = middle
    return low
