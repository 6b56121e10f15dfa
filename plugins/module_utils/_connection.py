# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by every plugin, turned into botocore clients.

For the collection's own use. botocore alone is used, not boto3: the controller imports this in every
forked worker, and boto3's import costs a quarter of a second that buys nothing here.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from ansible_collections.mfa.aws.plugins.module_utils import _aws_config
from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import endpoint_is_valid, region_is_valid
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError, describe_exception

COLLECTION_VERSION = "0.1.0"
MIN_BOTOCORE = (1, 35, 42)
# STS's global endpoint lives in us-east-1; any region serves ListBuckets.
FALLBACK_REGION = "us-east-1"


# One botocore session per profile and process: a session parses the service models and endpoint rules
# once, so the clients after the first cost milliseconds, not a tenth of a second each, which matters when
# many roles are assumed side by side. botocore sessions are not thread-safe, so clients are made one at a time.
_SESSIONS: dict[str | None, Any] = {}
_SESSIONS_LOCK = threading.Lock()
_CLIENTS_LOCK = threading.Lock()
_CLIENTS: dict[tuple[Any, ...], Any] = {}


def parse_aws_timestamp(value: Any) -> datetime:
    """AWS's ISO 8601 timestamps parsed by the standard library, anything else by botocore's own parser.

    botocore's default goes through dateutil, which costs most of a large ListBuckets (one CreationDate per
    bucket); fromisoformat reads "2026-01-01T12:00:00.000Z" many times faster, to the same moment.
    """
    if isinstance(value, str) and len(value) >= 20 and value.endswith("Z"):
        try:
            return datetime.fromisoformat(value[:-1]).replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    from botocore.utils import parse_timestamp

    return parse_timestamp(value)


def _shared_session(profile: str | None) -> Any:
    import botocore.session

    with _SESSIONS_LOCK:
        session = _SESSIONS.get(profile)
        if session is None:
            session = botocore.session.Session(profile=profile)
            session.user_agent_extra = f"mfa.aws/{COLLECTION_VERSION}"
            session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=parse_aws_timestamp)
            _SESSIONS[profile] = session
        return session


def require_botocore() -> Any:
    """botocore, imported where a call is made: a cache hit never pays for it."""
    try:
        botocore = importlib.import_module("botocore")
        importlib.import_module("botocore.exceptions")
    except ImportError:
        raise MfaAwsError("mfa.aws needs botocore on the controller: pip install 'boto3>=1.35.42'") from None
    version = tuple(int(part) for part in botocore.__version__.split(".")[:3] if part.isdigit())
    if version < MIN_BOTOCORE:
        wanted = ".".join(str(part) for part in MIN_BOTOCORE)
        raise MfaAwsError(f"mfa.aws needs botocore >= {wanted}, found {botocore.__version__}: pip install -U boto3")
    return botocore


@dataclass(frozen=True)
class Credentials:
    """Plain credentials, the shape every plugin returns and accepts."""

    access_key: str
    secret_key: str
    session_token: str | None = None

    @property
    def is_temporary(self) -> bool:
        return bool(self.session_token)


@dataclass
class Connection:
    """Where and as whom to call AWS; unset options fall back to botocore's own chain."""

    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    validate_certs: bool = True
    retries: int = 4
    _session: Any = field(default=None, init=False, repr=False)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Connection:
        """From options the spec has validated (how they combine included); checks what the spec can't say."""
        retries = params["retries"]
        if isinstance(retries, bool) or not 0 <= retries <= 20:
            raise MfaAwsError("retries: must be a whole number from 0 to 20")
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
        )

    def with_credentials(self, credentials: Credentials) -> Connection:
        """The same endpoint and region, signing as other credentials (e.g. an MFA session)."""
        return Connection(
            access_key=credentials.access_key,
            secret_key=credentials.secret_key,
            session_token=credentials.session_token,
            region=self.region,
            endpoint_url=self.endpoint_url,
            validate_certs=self.validate_certs,
            retries=self.retries,
        )

    @property
    def session(self) -> Any:
        if self._session is None:
            botocore = require_botocore()
            try:
                session = _shared_session(self.profile)
                if self.profile:
                    session.get_scoped_config()  # raises ProfileNotFound now, not mid-exchange
            except botocore.exceptions.BotoCoreError as error:
                raise MfaAwsError(describe_exception(error, "Loading the AWS configuration")) from None
            self._session = session
        return self._session

    @property
    def region_name(self) -> str:
        return self.region or self.session.get_config_variable("region") or FALLBACK_REGION

    def source_credentials(self) -> Credentials:
        """The credentials that sign the calls: the options, else the profile or botocore's chain.

        Static keys (options, environment, shared files) are read without botocore, so a cache hit, which
        must know who signs, costs no botocore import.
        """
        if self.access_key and self.secret_key:
            return Credentials(self.access_key, self.secret_key, self.session_token)
        found = _aws_config.static_keys(self.profile)
        if found is not None:
            return Credentials(*found)
        botocore = require_botocore()
        try:
            found = self.session.get_credentials()
            frozen = found.get_frozen_credentials() if found is not None else None
        except botocore.exceptions.BotoCoreError as error:
            raise MfaAwsError(describe_exception(error, "Loading AWS credentials")) from None
        if frozen is None or not frozen.access_key:
            raise MfaAwsError(describe_exception(botocore.exceptions.NoCredentialsError(), "Loading AWS credentials"))
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token or None)

    def client(self, service: str, credentials: Credentials | None = None, region: str | None = None) -> Any:
        """A client with botocore's standard retry mode; credentials default to source_credentials()."""
        credentials = credentials or self.source_credentials()
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "total_max_attempts": self.retries + 1},
            connect_timeout=10,
            read_timeout=30,
            user_agent_extra=f"mfa.aws/{COLLECTION_VERSION}",
        )
        # botocore clients are thread-safe: the roles assumed side by side with one session share one client.
        key = (
            service,
            region or self.region_name,
            self.endpoint_url,
            self.validate_certs,
            self.retries,
            self.profile,
            credentials.access_key,
            credentials.secret_key,
            credentials.session_token,
        )
        with _CLIENTS_LOCK:
            client = _CLIENTS.get(key)
            if client is None:
                client = _CLIENTS[key] = self._create_client(service, credentials, region, config)
            return client

    def _create_client(self, service: str, credentials: Credentials, region: str | None, config: Any) -> Any:
        return self.session.create_client(
            service,
            region_name=region or self.region_name,
            endpoint_url=self.endpoint_url,
            # None lets botocore find a CA bundle (AWS_CA_BUNDLE, ca_bundle in the profile).
            verify=None if self.validate_certs else False,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            aws_session_token=credentials.session_token,
            config=config,
        )
