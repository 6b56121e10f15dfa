# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by every plugin: where to call AWS and as whom.

For the collection's own use. Nothing here imports botocore: who signs is read from the options, the
environment or the shared files, so a cache hit knows it for free; botocore is asked (through
_botocore_clients.py) only for what it alone can find, and for the clients a call needs.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from ansible_collections.mfa.aws.plugins.module_utils import _aws_config
from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import (
    endpoint_is_valid,
    partition_of,
    region_is_valid,
)
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError


class Credentials(NamedTuple):
    """Plain credentials, the shape every plugin returns and accepts."""

    access_key: str
    secret_key: str
    session_token: str | None = None

    @property
    def is_temporary(self) -> bool:
        return bool(self.session_token)


class Connection(NamedTuple):
    """Where and as whom to call AWS; unset options fall back to botocore's own chain."""

    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    validate_certs: bool = True
    retries: int = 4
    read_timeout: int = 30

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Connection:
        """From options the spec has validated (how they combine included); checks what the spec can't say."""
        retries = params["retries"]
        if isinstance(retries, bool) or not 0 <= retries <= 20:
            raise MfaAwsError("retries: must be a whole number from 0 to 20")
        read_timeout = params["read_timeout"]
        if isinstance(read_timeout, bool) or not 1 <= read_timeout <= 600:
            raise MfaAwsError("read_timeout: must be a whole number of seconds from 1 to 600")
        endpoint = params.get("endpoint_url")
        if endpoint and not endpoint.startswith(("https://", "http://")):
            raise MfaAwsError("endpoint_url: must start with https:// (or http:// for a local endpoint)")
        # What botocore would refuse when building a client, refused now: in an STS call that would be after
        # the code was recorded as spent.
        if endpoint and not endpoint_is_valid(endpoint):
            raise MfaAwsError(
                f"endpoint_url: {endpoint!r} is not a URL with a valid host name, e.g. https://sts.amazonaws.com"
            )
        region = params.get("region")
        if region and not region_is_valid(region):
            raise MfaAwsError(f"region: {region!r} is not a region name such as eu-west-1")
        return cls(
            access_key=params.get("access_key") or None,
            secret_key=params.get("secret_key") or None,
            session_token=params.get("session_token") or None,
            profile=params.get("profile") or None,
            region=region or None,
            endpoint_url=endpoint or None,
            validate_certs=params["validate_certs"],
            retries=retries,
            read_timeout=read_timeout,
        )

    def with_credentials(self, credentials: Credentials) -> Connection:
        """The same endpoint and region, signing as other credentials (e.g. an MFA session)."""
        return self._replace(
            access_key=credentials.access_key,
            secret_key=credentials.secret_key,
            session_token=credentials.session_token,
            profile=None,
        )

    def sts_endpoint(self) -> str:
        """Which STS answers this connection's calls: the endpoint URL given or configured, else AWS's own in the
        region's partition. Credentials are bound to it: keys one STS issued mean nothing to another."""
        endpoint = self.endpoint_url or _aws_config.configured_endpoint(self.profile)
        if endpoint:
            return endpoint.rstrip("/")
        return "aws:" + partition_of(self.region or _aws_config.configured_region(self.profile))

    def source_credentials(self) -> Credentials:
        """The credentials that sign the calls: the options, else the profile or botocore's chain.

        Static keys (options, environment, shared files) are read without botocore, so a cache hit, which
        must know who signs, costs no botocore import.
        """
        if self.access_key and self.secret_key:
            return Credentials(self.access_key, self.secret_key, self.session_token)
        found = _aws_config.static_keys(self.profile)
        if found is None:
            from ansible_collections.mfa.aws.plugins.module_utils._botocore_clients import chain_credentials

            found = chain_credentials(self.profile)
        return Credentials(*found)

    def client(self, service: str, credentials: Credentials | None = None, region: str | None = None) -> Any:
        """A botocore client; credentials default to source_credentials()."""
        from ansible_collections.mfa.aws.plugins.module_utils._botocore_clients import client_for

        return client_for(self, service, credentials or self.source_credentials(), region)

    def botocore_profile_settings(self) -> dict[str, Any]:
        """The profile's settings as botocore reads them (only where the files can't be read without it)."""
        from ansible_collections.mfa.aws.plugins.module_utils._botocore_clients import session_for

        return dict(session_for(self.profile).get_scoped_config())
