# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What mfa.aws relies on in botocore's behaviour, written down once, so a cache hit needs no botocore import.

For the collection's own use. Importing botocore costs a worker about 0.2 s of CPU, and Ansible evaluates a
lookup in a fresh fork for every host and task; so the rules a cache hit depends on are restated here, and
tests/unit/plugins/module_utils/test_botocore_rules.py holds each against botocore itself:
- the AWS CLI's cache key for an AssumeRole session (botocore's AssumeRoleCredentialFetcher), which lets the
  CLI and this collection share role sessions;
- the timestamp botocore's JSONFileCache writes (strftime "%Y-%m-%dT%H:%M:%S%Z"), read here with every other
  timestamp the collection meets (STS's answers, its own cache entries);
- which region names and endpoint URLs botocore accepts when it builds a client, and which partition a
  region belongs to (botocore's endpoints.json).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from typing import Any, Mapping

# Patterns are compiled on first use (through re's own cache), not at import: a forked worker that only hits
# the cache with an endpoint configured would otherwise compile ten of them for the one it uses.
# botocore.utils.validate_region_name: a host label that is not all digits.
_REGION = r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{,63}(?<!-)$"
# botocore.utils.is_valid_endpoint_url: dot-separated host labels (matched ignoring case).
_HOST = r"^((?!-)[A-Z\d-]{1,63}(?<!-)\.)*((?!-)[A-Z\d-]{1,63}(?<!-))$"
# Characters urlsplit drops silently since bpo-43882; botocore refuses URLs holding them.
_UNSAFE_URL_CHARS = frozenset("\t\r\n")
# botocore's JSONFileCache serialises datetimes with strftime("%Y-%m-%dT%H:%M:%S%Z"): "...T12:00:00UTC".
_CLI_TIMESTAMP = r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(UTC|GMT|Z)"
# botocore's endpoints.json: each partition's regionRegex, the commercial one ("aws") last, as the fallback.
_PARTITIONS = (
    ("aws-cn", r"^cn\-\w+\-\d+$"),
    ("aws-us-gov", r"^us\-gov\-\w+\-\d+$"),
    ("aws-iso", r"^us\-iso\-\w+\-\d+$"),
    ("aws-iso-b", r"^us\-isob\-\w+\-\d+$"),
    ("aws-iso-e", r"^eu\-isoe\-\w+\-\d+$"),
    ("aws-iso-f", r"^us\-isof\-\w+\-\d+$"),
    ("aws-eusc", r"^eusc\-(de)\-\w+\-\d+$"),
)


def region_is_valid(region: str) -> bool:
    return bool(re.match(_REGION, region))


def endpoint_is_valid(endpoint: str) -> bool:
    """Whether botocore would build a client for this endpoint URL (a host name, IPv4 or IPv6 address)."""
    if _UNSAFE_URL_CHARS.intersection(endpoint):
        return False
    # Loaded here, only when an endpoint is given: it loads ipaddress too, for every run of the program.
    from urllib.parse import urlsplit

    try:
        host = urlsplit(endpoint).hostname
    except ValueError:  # an unclosed [ of an IPv6 address
        return False
    if not host or len(host) > 255:
        return False
    if ":" in host:
        import ipaddress

        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return False
        return True
    return bool(re.match(_HOST, host[:-1] if host.endswith(".") else host, re.IGNORECASE))


def role_cache_key(assume_role_arguments: Mapping[str, Any], default_session_name: bool) -> str:
    """The AWS CLI's cache key for AssumeRole with these arguments (RoleArn included, in botocore's names).

    A session name botocore (or this collection) made up is left out, so a CLI session is found again.
    """
    arguments = dict(assume_role_arguments)
    if default_session_name:
        arguments.pop("RoleSessionName", None)
    if "Policy" in arguments:
        arguments["Policy"] = json.loads(arguments["Policy"])
    digest = hashlib.sha1(json.dumps(arguments, sort_keys=True).encode("utf-8")).hexdigest()  # nosec - a file name
    return digest.replace(":", "_").replace("/", "_")


def partition_of(region: str | None) -> str:
    """The partition whose endpoints serve a region: keys and credentials of one are unknown to another."""
    for partition, pattern in _PARTITIONS:
        if region and re.match(pattern, region):
            return partition
    return "aws"


def parse_timestamp(value: Any) -> datetime | None:
    """A moment as STS gives it (a datetime), as AWS writes it (ISO 8601, "Z" or an offset) or as botocore's
    JSONFileCache writes it ("...T12:00:00UTC"); always aware (UTC when it names no zone). None for anything else.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str):
        return None
    match = re.fullmatch(_CLI_TIMESTAMP, value)
    try:
        if match:
            return datetime.fromisoformat(match.group(1)).replace(tzinfo=timezone.utc)
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
