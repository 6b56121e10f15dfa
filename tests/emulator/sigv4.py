"""Checks a request's AWS Signature Version 4 by signing it again with botocore's own signer.

A client with the wrong secret key is refused, as AWS refuses it, so tests that pass here prove
that real credentials flowed through the collection, not just an access key id.
"""

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)

#: AWS refuses requests signed more than 15 minutes away from its own time.
MAX_SKEW = 15 * 60


@dataclass(frozen=True)
class SignedRequest:
    access_key_id: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str

    @property
    def signed_at(self) -> float:
        return datetime.strptime(self.amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()


def parse_authorization(headers: dict[str, str]) -> SignedRequest | None:
    """The signature's parts, or None when the request is not SigV4-signed in its header."""
    match = _AUTHORIZATION.match(headers.get("authorization", ""))
    if not match:
        return None
    return SignedRequest(
        access_key_id=match["key"],
        region=match["region"],
        service=match["service"],
        signed_headers=tuple(match["signed"].split(";")),
        signature=match["signature"],
        amz_date=headers.get("x-amz-date", ""),
    )


def signature_matches(
    signed: SignedRequest,
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    secret_key: str,
    session_token: str | None,
) -> bool:
    """Whether signing (method, url, signed headers, body) with secret_key gives the request's signature."""
    request = AWSRequest(
        method=method, url=url, headers={name: headers.get(name, "") for name in signed.signed_headers}, data=body
    )
    request.context["timestamp"] = signed.amz_date
    signer_class = S3SigV4Auth if signed.service == "s3" else SigV4Auth
    signer = signer_class(ReadOnlyCredentials(signed.access_key_id, secret_key, session_token), signed.service, signed.region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    return hmac.compare_digest(expected, signed.signature)
