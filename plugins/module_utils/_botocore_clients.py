# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""botocore sessions and clients, made only where a call is made: a cache hit never imports this.

For the collection's own use. botocore alone is used, not boto3, whose import costs a quarter of a second
that buys nothing here.
"""

from __future__ import annotations

import importlib
import os
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import parse_timestamp
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError

if TYPE_CHECKING:
    from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection, Credentials

COLLECTION_VERSION = "0.1.0"
MIN_BOTOCORE = (1, 35, 42)
# STS's global endpoint lives in us-east-1; any region serves ListBuckets.
FALLBACK_REGION = "us-east-1"
# Seconds to connect (TCP and TLS): the AWS SDKs' "standard" defaults mode (botocore's
# data/sdk-default-configuration.json, connectTimeoutInMillis 3100), not botocore's legacy 60. An endpoint that
# never answers (a wrong address, a firewall that drops) costs this much per attempt, and attempts are up to
# retries + 1; one that refuses, or a name that does not resolve, fails at once. Nothing was sent, so the
# code stays good.
CONNECT_TIMEOUT = 3.1

# One botocore session per profile and process: a session parses the service models and endpoint rules
# once, so the clients after the first cost milliseconds, not a tenth of a second each, which matters when
# many roles are assumed side by side. botocore sessions are not thread-safe, so clients are made one at a time.
_SESSIONS: dict[str | None, Any] = {}
_SESSIONS_LOCK = threading.Lock()
_CLIENTS_LOCK = threading.Lock()
_CLIENTS: dict[tuple[Any, ...], Any] = {}
# Where each region a client was made for came from, for a message that names it when AWS refuses the region.
_REGION_SOURCES: dict[str, str] = {}


def require_botocore() -> Any:
    """botocore, imported where a call is made."""
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


def parse_aws_timestamp(value: Any) -> datetime:
    """AWS's timestamps read by the collection's own parser, anything else by botocore's.

    botocore's default goes through dateutil, which costs most of a large ListBuckets (one CreationDate per
    bucket); fromisoformat reads "2026-01-01T12:00:00.000Z" many times faster, to the same moment.
    """
    moment = parse_timestamp(value)
    if moment is not None:
        return moment
    from botocore.utils import parse_timestamp as botocore_parse_timestamp

    return botocore_parse_timestamp(value)


def session_for(profile: str | None) -> Any:
    """The process's botocore session for a profile; a missing profile is said in one line now."""
    require_botocore()  # says in one line when botocore is missing or too old
    import botocore.exceptions
    import botocore.session

    with _SESSIONS_LOCK:
        session = _SESSIONS.get(profile)
        if session is None:
            session = botocore.session.Session(profile=profile)
            session.user_agent_extra = f"mfa.aws/{COLLECTION_VERSION}"
            session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=parse_aws_timestamp)
            _SESSIONS[profile] = session
    try:
        # Raises ProfileNotFound now, not mid-exchange; also for AWS_PROFILE, which botocore reads in every call.
        session.get_scoped_config()
    except botocore.exceptions.BotoCoreError as error:
        raise MfaAwsError(_configuration_error(error, session, profile)) from None
    return session


def _configuration_error(error: Exception, session: Any, profile: str | None) -> str:
    """A profile or a file of the AWS configuration that botocore could not use, with the files it read."""
    import botocore.exceptions

    config_file = _file_read(session, "config_file", "AWS_CONFIG_FILE")
    credentials_file = _file_read(session, "credentials_file", "AWS_SHARED_CREDENTIALS_FILE")
    if isinstance(error, botocore.exceptions.ProfileNotFound):
        name = getattr(error, "kwargs", {}).get("profile") or profile or session.profile
        given = f"profile: {name!r}"
        # Given as the option (or the program's --profile), "profile:" says so; else botocore read the environment.
        for variable in () if profile else ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            if os.environ.get(variable) == name:
                given += f" (from {variable})"
                break
        try:
            known = sorted(session.available_profiles)
        except botocore.exceptions.BotoCoreError:
            known = []
        there = f"the profiles there are {', '.join(known)}" if known else "they hold no profile"
        return (
            f"{given} is in neither {config_file} nor {credentials_file}; {there}. Add it (aws configure --profile "
            f"{name}), or name one of those."
        )
    return (
        f"The AWS configuration ({config_file}, {credentials_file}) could not be used: {' '.join(str(error).split())}"
    )


def _file_read(session: Any, variable: str, environment: str) -> str:
    """One of the AWS configuration's files as botocore reads it: where it is, what set it, whether it exists."""
    path = os.path.expanduser(str(session.get_config_variable(variable)))
    said = f"{path} ({environment})" if os.environ.get(environment) else path
    return said if os.path.isfile(path) else f"{said}, which does not exist"


def chain_credentials(profile: str | None) -> tuple[str, str, str | None]:
    """What botocore's credential chain finds for the profile (or the default chain)."""
    botocore = require_botocore()
    try:
        found = session_for(profile).get_credentials()
        frozen = found.get_frozen_credentials() if found is not None else None
    except botocore.exceptions.BotoCoreError as error:
        raise MfaAwsError(f"The AWS credentials could not be loaded: {' '.join(str(error).split())}") from None
    if frozen is None or not frozen.access_key:
        raise MfaAwsError(
            "No AWS credentials were found: set access_key and secret_key, or a profile, or the environment "
            "variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE."
        )
    return frozen.access_key, frozen.secret_key, frozen.token or None


def client_for(connection: Connection, service: str, credentials: Credentials, region: str | None) -> Any:
    """A client with botocore's standard retry mode, shared in the process by every caller with the same keys.

    botocore clients are thread-safe: the roles assumed side by side with one session share one client.
    Every STS and S3 call gets its client here: where botocore is missing or too old, session_for says so in one
    line, before anything from botocore is imported.
    """
    session = session_for(connection.profile)
    from botocore.config import Config

    region, source = _region(connection, session, region)
    key = (service, region, connection.endpoint_url, connection.validate_certs, connection.retries)
    key += (connection.read_timeout, connection.profile)
    key += (credentials.access_key, credentials.secret_key, credentials.session_token)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            config = Config(
                retries={"mode": "standard", "total_max_attempts": connection.retries + 1},
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=connection.read_timeout,
                user_agent_extra=f"mfa.aws/{COLLECTION_VERSION}",
            )
            client = session.create_client(
                service,
                region_name=region,
                endpoint_url=connection.endpoint_url,
                # None lets botocore find a CA bundle (AWS_CA_BUNDLE, ca_bundle in the profile).
                verify=None if connection.validate_certs else False,
                aws_access_key_id=credentials.access_key,
                aws_secret_access_key=credentials.secret_key,
                aws_session_token=credentials.session_token,
                config=config,
            )
            _refuse_unknown_region(session, client, service, region, source)
            if source:
                _REGION_SOURCES[region] = source
            _CLIENTS[key] = client
        return client


def _region(connection: Connection, session: Any, asked: str | None) -> tuple[str, str | None]:
    """The region a client is made for, and where it came from (None when the caller chose it)."""
    if asked:
        return asked, None
    if connection.region:
        return connection.region, "the region option"
    found = session.get_config_variable("region")  # botocore's order: AWS_DEFAULT_REGION, then the profile
    if not found:
        return FALLBACK_REGION, None
    if os.environ.get("AWS_DEFAULT_REGION") == found:
        return found, "AWS_DEFAULT_REGION"
    return (
        found,
        f"the region of profile {session.profile or 'default'} in {session.get_config_variable('config_file')}",
    )


def region_source(region: str) -> str | None:
    """Where a region a client was made for came from, when known."""
    return _REGION_SOURCES.get(region)


def _refuse_unknown_region(session: Any, client: Any, service: str, region: str, source: str | None) -> None:
    """A region that none of botocore's partitions knows, for an endpoint of AWS's own, refused before any call.

    botocore builds a client for any well-formed region name ("eu-west1"), and AWS refuses the request, at
    best as a bad signature, at worst as a host that does not resolve after every retry. The check takes the
    partitions' region patterns, not their region lists, so a region newer than the installed botocore still
    passes; endpoints that are not AWS's (endpoint_url, AWS_ENDPOINT_URL: S3-compatible stores, emulators)
    may name their regions as they like, and are left to answer. Made only where a client is made: a cache
    hit never gets here.
    """
    try:
        session.get_partition_for_region(region)
        return
    except Exception:  # botocore's UnknownRegionError, or no partition data  # pylint: disable=broad-except
        pass
    if any(region in session.get_available_regions(service, name, True) for name in session.get_available_partitions()):
        return  # an endpoint name that is not a region, e.g. aws-global
    host = (client.meta.endpoint_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]).lower()
    suffixes = set()
    for partition in session.get_data("endpoints").get("partitions", ()):
        suffixes.add(partition.get("dnsSuffix"))
        suffixes.update(variant.get("dnsSuffix") for variant in partition.get("defaults", {}).get("variants", ()))
    if any(suffix and host.endswith(f".{suffix}") for suffix in suffixes):
        origin = f" (from {source})" if source else ""
        raise MfaAwsError(
            f"region: {region!r}{origin} is not a region AWS has; AWS's region names look like eu-west-1 or "
            "us-gov-west-1: set region, AWS_DEFAULT_REGION or the profile's region to one. Nothing was sent to AWS."
        )
