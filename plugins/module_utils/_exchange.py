# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The MFA exchange: one STS call per code, credentials reused until they near expiry.

For the collection's own use. Modules, action plugins and lookups all come here with their options
and a lock factory; they get back an ExchangeResult or an MfaAwsError worded for the user.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, ContextManager, Mapping, Sequence

from ansible_collections.mfa.aws.plugins.module_utils import _validation as check
from ansible_collections.mfa.aws.plugins.module_utils._cache import (
    DEFAULT_CACHE_DIR,
    CredentialFileCache,
    SpentCodes,
    is_credentials_response,
    parse_expiration,
)
from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection, Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError, describe_exception
from ansible_collections.mfa.aws.plugins.module_utils._profiles import profile_config, role_profile

try:
    from botocore.credentials import AssumeRoleCredentialFetcher, CachedCredentialFetcher
    from botocore.credentials import Credentials as BotocoreCredentials
except ImportError:  # require_botocore() reports it before any fetcher is built
    AssumeRoleCredentialFetcher = CachedCredentialFetcher = BotocoreCredentials = object

# botocore's own refresh window: credentials with less left are renewed rather than reused.
REUSE_WINDOW = 15 * 60
# Credentials that the code in hand already bought are used down to this margin: the code can't buy more.
SAME_CODE_WINDOW = 60
CHAINED_ROLE_MAX = 3600
# Real STS answers in 100-300 ms; a bounded pool keeps 20 roles near the time of one.
MAX_PARALLEL_ROLES = 20

LockFactory = Callable[[str, str], ContextManager[Any]]


def no_lock(directory: str, name: str) -> ContextManager[Any]:
    """For a module running on its own, outside the controller's fork pool."""
    return contextlib.nullcontext()


@dataclass
class ExchangeResult:
    credentials: Credentials
    expiration: datetime
    identity: dict[str, str]
    cached: bool
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The credentials dict every plugin returns, registers and caches."""
        return {
            "access_key": self.credentials.access_key,
            "secret_key": self.credentials.secret_key,
            "session_token": self.credentials.session_token,
            "expiration": self.expiration.astimezone(timezone.utc).isoformat(),
        }

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.credentials.access_key,
            "AWS_SECRET_ACCESS_KEY": self.credentials.secret_key,
            "AWS_SESSION_TOKEN": self.credentials.session_token or "",
        }


def _sha1_key(arguments: Mapping[str, Any]) -> str:
    return hashlib.sha1(json.dumps(arguments, sort_keys=True).encode()).hexdigest()  # nosec - a name, not a secret


class _ResponseKeeping:
    """botocore's fetchers hand back bare keys; the plugins also need the identity in the STS response."""

    response: dict[str, Any] | None = None

    def cached_response(self, window: int) -> dict[str, Any] | None:
        try:
            entry = self._cache[self._cache_key]
        except KeyError:
            return None
        if not is_credentials_response(entry):
            return None
        expiration = parse_expiration(entry["Credentials"]["Expiration"])
        if expiration is None or expiration - datetime.now(timezone.utc) < timedelta(seconds=window):
            return None
        self.response = entry
        return entry

    def _load_from_cache(self) -> dict[str, Any] | None:
        return self.cached_response(self._expiry_window_seconds)

    def _write_to_cache(self, response: dict[str, Any]) -> None:
        self.response = response
        super()._write_to_cache(response)

    @property
    def cache_key(self) -> str:
        return self._cache_key


class SessionTokenFetcher(_ResponseKeeping, CachedCredentialFetcher):
    """GetSessionToken, cached under what identifies the session: the user's key, the device, the duration."""

    def __init__(
        self,
        connection: Connection,
        source: Credentials,
        serial: str | None,
        duration: int | None,
        token: Callable[[], str],
        cache: Any,
    ) -> None:
        self._connection, self._source = connection, source
        self._serial, self._duration, self._token = serial, duration, token
        super().__init__(cache=cache, expiry_window_seconds=REUSE_WINDOW)

    def _create_cache_key(self) -> str:
        identity = {"AccessKeyId": self._source.access_key, "SerialNumber": self._serial}
        identity["DurationSeconds"] = self._duration
        return "mfa-aws-session-" + _sha1_key(identity)

    def _get_credentials(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        if self._serial:
            arguments.update(SerialNumber=self._serial, TokenCode=self._token())
        if self._duration:
            arguments["DurationSeconds"] = self._duration
        response = self._connection.client("sts", self._source).get_session_token(**arguments)
        return {"Credentials": response["Credentials"]}


class RoleFetcher(_ResponseKeeping, AssumeRoleCredentialFetcher):
    """botocore's own AssumeRole fetcher: its cache key is the AWS CLI's, so the two share sessions."""

    def _generate_assume_role_name(self) -> None:
        # Left out of the cache key, as botocore does for its own default name.
        self._role_session_name = f"mfa-aws-{int(time.time())}"
        self._assume_kwargs["RoleSessionName"] = self._role_session_name
        self._using_default_session_name = True

    def _get_credentials(self) -> dict[str, Any]:
        response = super()._get_credentials()
        return {key: response[key] for key in ("Credentials", "AssumedRoleUser", "SourceIdentity") if key in response}


@dataclass
class MfaOptions:
    serial: str | None
    #: The code to send; filled from the command, when there is one, at the moment a coded call is due.
    token: str | None
    cache: bool
    cache_dir: str
    command: list[str] | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any], profile_serial: str | None = None) -> MfaOptions:
        serial = check.mfa_serial_number(options.get("mfa_serial_number") or profile_serial)
        token = check.mfa_token(options.get("mfa_token"))
        command = None if token else check.mfa_token_command(options.get("mfa_token_command"))
        check.mfa_pair(serial, token, command)
        cache = options.get("cache")
        return cls(
            serial, token, True if cache is None else bool(cache), options.get("cache_dir") or DEFAULT_CACHE_DIR, command
        )


#: Runs mfa_token_command on the controller and returns what it printed (plugin_utils provides it).
CodeReader = Callable[[Sequence[str]], str]
TOTP_STEP = 30
ROOT_SESSION_MAX = 3600


def _read_code(mfa: MfaOptions, read_code: CodeReader | None) -> str:
    if read_code is None or mfa.command is None:
        raise MfaAwsError("mfa_token_command: runs on the Ansible controller only; this task runs the module remotely")
    lines = read_code(mfa.command).strip().splitlines()
    try:
        code = check.mfa_token(lines[-1].strip() if lines else None)
    except MfaAwsError:
        code = None
    if code is None:
        # What it printed stays unshown: it may hold a secret.
        raise MfaAwsError(f"mfa_token_command: {mfa.command[0]} printed no 6-digit code; it must print the code alone")
    return code


def _next_fresh_code(mfa: MfaOptions, read_code: CodeReader | None, spent: SpentCodes) -> str:
    """Wait for the device's next 30-second step until the command prints a code not yet sent."""
    deadline = time.time() + 2 * TOTP_STEP + 5
    while True:
        time.sleep(TOTP_STEP - time.time() % TOTP_STEP + 1)
        code = _read_code(mfa, read_code)
        if spent.lookup(code) is None:
            return code
        if time.time() > deadline:
            raise MfaAwsError(
                "mfa_token_command printed only codes already sent to AWS for over a minute; check the device and "
                "this machine's clock"
            )


def session_request(options: Mapping[str, Any]) -> tuple[Connection, MfaOptions, int | None]:
    """Everything GetSessionToken needs, checked before anything is sent.

    With a role profile, the session is its source_profile's, with the profile's mfa_serial.
    """
    connection = Connection.from_options(options)
    profile = role_profile(connection)
    if profile is not None:
        connection, serial = profile.source, profile.mfa_serial
    else:
        serial = profile_config(connection).get("mfa_serial")
    mfa = MfaOptions.from_options(options, serial)
    duration = check.duration_seconds(options.get("duration_seconds"), check.SESSION_DURATION)
    return connection, mfa, duration


def role_request(options: Mapping[str, Any]) -> tuple[Connection, MfaOptions, str, dict[str, Any]]:
    """Everything AssumeRole needs, in botocore's argument names, checked before anything is sent.

    A role profile fills in what the options leave unset, as the AWS CLI reads it.
    """
    connection = Connection.from_options(options)
    profile = role_profile(connection)
    if profile is not None:
        if options.get("role_arn"):
            raise MfaAwsError(
                f"profile {profile.name} already names a role ({profile.role_arn}): drop role_arn, or set profile "
                "to a profile with the IAM user's keys"
            )
        defaults = {
            "role_arn": profile.role_arn,
            "duration_seconds": profile.duration_seconds,
            "external_id": profile.external_id,
            "role_session_name": profile.role_session_name,
        }
        options = {**defaults, **{key: value for key, value in options.items() if value is not None}}
        connection = profile.source
    elif not options.get("role_arn"):
        raise MfaAwsError("role_arn: required, unless profile names a role profile (role_arn + source_profile)")
    mfa = MfaOptions.from_options(options, profile.mfa_serial if profile else None)
    arn = check.role_arn(options.get("role_arn"))
    tags = check.tags(options.get("tags"))
    arguments = {
        "RoleSessionName": check.role_session_name(options.get("role_session_name")),
        "DurationSeconds": check.duration_seconds(options.get("duration_seconds"), check.ROLE_DURATION),
        "ExternalId": check.external_id(options.get("external_id")),
        "Policy": check.policy(options.get("policy")),
        "PolicyArns": [{"arn": value} for value in check.policy_arns(options.get("policy_arns")) or []] or None,
        "Tags": [{"Key": key, "Value": value} for key, value in (tags or {}).items()] or None,
        "TransitiveTagKeys": check.transitive_tag_keys(options.get("transitive_tag_keys"), tags),
        "SourceIdentity": check.source_identity(options.get("source_identity")),
        "SerialNumber": mfa.serial,
    }
    return connection, mfa, arn, {key: value for key, value in arguments.items() if value}


def _open_cache(mfa: MfaOptions) -> CredentialFileCache:
    try:
        return CredentialFileCache(mfa.cache_dir)
    except OSError as error:
        raise MfaAwsError(f"cache_dir {mfa.cache_dir} can't be used: {error.strerror or error}") from None


def _exchange(
    fetcher: Any,
    files: CredentialFileCache,
    mfa: MfaOptions,
    lock: LockFactory,
    operation: str,
    target: str | None,
    precheck: Callable[[], None] = lambda: None,
    read_code: CodeReader | None = None,
    complete: Callable[[dict[str, Any]], None] = lambda response: None,
) -> tuple[dict[str, Any], bool]:
    """Run one fetcher under the device's lock: reuse, or spend the code exactly once.

    `complete` finishes the response under the same lock, so the workers waiting on it find it whole.
    """
    lock_name = hashlib.sha256((mfa.serial or fetcher.cache_key).encode()).hexdigest()[:20]
    with lock(files.directory, f"mfa-aws-{lock_name}.lock"):
        response, cached = _exchange_locked(fetcher, files, mfa, operation, target, precheck, read_code)
        complete(response)
        return response, cached


def _exchange_locked(
    fetcher: Any,
    files: CredentialFileCache,
    mfa: MfaOptions,
    operation: str,
    target: str | None,
    precheck: Callable[[], None],
    read_code: CodeReader | None,
) -> tuple[dict[str, Any], bool]:
    reused = fetcher.cached_response(REUSE_WINDOW)
    if reused is not None:
        return reused, True
    if mfa.serial and not mfa.token and not mfa.command:
        raise MfaAwsError(
            f"{operation} needs an MFA code and no cached credentials are left: set mfa_token, "
            "e.g. mfa_token: \"{{ mfa_code }}\" with ansible-playbook -e mfa_code=123456, or mfa_token_command"
        )
    precheck()
    spent = SpentCodes(files, mfa.serial) if mfa.serial else None
    if spent is not None:
        from_command = not mfa.token
        if from_command:
            mfa.token = _read_code(mfa, read_code)
        earlier = spent.lookup(mfa.token)
        if earlier is not None:
            if earlier.get("key") == fetcher.cache_key and not earlier.get("error"):
                bought = fetcher.cached_response(SAME_CODE_WINDOW)
                if bought is not None:
                    return bought, True
            if from_command:
                # A second coded call must never resend a code: a command can give the next one.
                mfa.token = _next_fresh_code(mfa, read_code, spent)
            elif earlier.get("error"):
                raise MfaAwsError(earlier["error"])
            else:
                raise MfaAwsError(
                    f"{operation} was not called: this MFA code was already sent to AWS in this run and AWS "
                    "accepts a code once. Turn on cache so the credentials it bought are shared, or give the next code."
                )
        spent.record(mfa.token, fetcher.cache_key)
    try:
        fetcher.fetch_credentials()
    except MfaAwsError:
        raise
    except Exception as error:  # botocore raises many types; each becomes one line
        message = describe_exception(error, operation, target)
        if spent is not None:
            if _code_was_judged(error):
                spent.record(mfa.token, fetcher.cache_key, error=message)
            else:
                spent.forget(mfa.token)
        raise MfaAwsError(message) from None
    return fetcher.response, False


def _caller_arn(connection: Connection, credentials: Credentials) -> str:
    """Who the credentials act as: GetCallerIdentity needs no permission and spends no code."""
    try:
        return connection.client("sts", credentials).get_caller_identity()["Arn"]
    except Exception as error:  # botocore raises many types; each becomes one line
        raise MfaAwsError(describe_exception(error, "GetCallerIdentity")) from None


def _identify(
    connection: Connection, response: dict[str, Any], key: str, files: CredentialFileCache, keep: bool
) -> None:
    """Add who the session's credentials act as; the credentials are bought already, so a failure only warns."""
    issued = response["Credentials"]
    session = Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
    try:
        who = connection.client("sts", session).get_caller_identity()
    except Exception as error:  # botocore raises many types; the credentials are good regardless
        files.warnings.append("the session's identity is unknown: " + describe_exception(error, "GetCallerIdentity"))
        return
    response["CallerIdentity"] = {name: who[name] for name in ("Account", "Arn", "UserId")}
    if keep:
        files[key] = response


def _code_was_judged(error: Exception) -> bool:
    """Whether AWS got as far as the MFA check: only an AccessDenied answer says the code was spent or refused.

    Throttling, server errors, validation and network failures come before it, so the same code may be sent
    again once the cause is fixed.
    """
    response = getattr(error, "response", None)
    code = (response or {}).get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code == "AccessDenied"


def _result(response: dict[str, Any], cached: bool, warnings: list[str]) -> ExchangeResult:
    issued = response["Credentials"]
    if "AssumedRoleUser" in response:
        user = response["AssumedRoleUser"]
        identity = {"account": user["Arn"].split(":")[4], "arn": user["Arn"], "user_id": user["AssumedRoleId"]}
    else:
        caller = response.get("CallerIdentity") or {}
        identity = {"account": caller.get("Account"), "arn": caller.get("Arn"), "user_id": caller.get("UserId")}
    return ExchangeResult(
        credentials=Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]),
        expiration=parse_expiration(issued["Expiration"]),
        identity=identity,
        cached=cached,
        warnings=list(warnings),
    )


def get_session_token(
    options: Mapping[str, Any],
    lock: LockFactory = no_lock,
    read_code: CodeReader | None = None,
    identify: bool = True,
) -> ExchangeResult:
    """GetSessionToken with the user's long-term keys, with or without MFA.

    With identify, the caller's identity is read with the new credentials (once, then cached with them);
    a session bought only to assume roles skips that call.
    """
    connection, mfa, duration = session_request(options)
    source = connection.source_credentials()
    if source.is_temporary:
        raise MfaAwsError(
            "GetSessionToken must be signed with an IAM user's long-term access keys, and these credentials are "
            "temporary (they carry a session token): use the user's keys, or pass these on to sts_mfa_assume_role"
        )
    files = _open_cache(mfa)
    store = files if mfa.cache else {}
    fetcher = SessionTokenFetcher(connection, source, mfa.serial, duration, lambda: mfa.token, store)

    def refuse_long_root_sessions() -> None:
        # AWS gives root's sessions an hour whatever is asked; say so rather than return a shorter session.
        if duration and duration > ROOT_SESSION_MAX:
            caller = _caller_arn(connection, source)
            if caller.endswith(":root"):
                raise MfaAwsError(
                    f"duration_seconds: {duration} is over AWS's limit of {ROOT_SESSION_MAX} for sessions of the "
                    "account's root user; ask for 3600 or less, or better, use an IAM user's keys"
                )

    def identified(response: dict[str, Any]) -> None:
        if identify and "CallerIdentity" not in response:
            _identify(connection, response, fetcher.cache_key, files, keep=mfa.cache)

    response, cached = _exchange(
        fetcher, files, mfa, lock, "GetSessionToken", None, refuse_long_root_sessions, read_code, identified
    )
    return _result(response, cached, files.warnings)


def assume_role(
    options: Mapping[str, Any], lock: LockFactory = no_lock, read_code: CodeReader | None = None
) -> ExchangeResult:
    """AssumeRole, with an MFA code or with credentials that already carry MFA context."""
    connection, mfa, arn, arguments = role_request(options)
    source = connection.source_credentials()
    files = _open_cache(mfa)
    store = files if mfa.cache else {}
    fetcher = RoleFetcher(
        client_creator=lambda service, **keys: connection.client(
            service, Credentials(keys["aws_access_key_id"], keys["aws_secret_access_key"], keys["aws_session_token"])
        ),
        source_credentials=BotocoreCredentials(source.access_key, source.secret_key, source.session_token),
        role_arn=arn,
        extra_args=arguments,
        mfa_prompter=lambda prompt: mfa.token,
        cache=store,
        expiry_window_seconds=REUSE_WINDOW,
    )
    duration = arguments.get("DurationSeconds") or 0

    def refuse_long_chains() -> None:
        # AWS caps role chaining at an hour; asking who signs costs no code, a refused AssumeRole may.
        if duration > CHAINED_ROLE_MAX and source.is_temporary:
            caller = _caller_arn(connection, source)
            if ":assumed-role/" in caller:
                raise MfaAwsError(
                    f"duration_seconds: {duration} is over AWS's limit of {CHAINED_ROLE_MAX} for a role assumed "
                    f"with another role's credentials ({caller}); ask for {CHAINED_ROLE_MAX} or less"
                )

    response, cached = _exchange(fetcher, files, mfa, lock, "AssumeRole", arn, refuse_long_chains, read_code)
    return _result(response, cached, files.warnings)


def assume_roles(
    options: Mapping[str, Any],
    role_arns: Sequence[str],
    lock: LockFactory = no_lock,
    read_code: CodeReader | None = None,
) -> list[ExchangeResult]:
    """Many roles with one code: one MFA session, then each role with the session's credentials.

    MFA session credentials satisfy aws:MultiFactorAuthPresent in the roles' trust policies, so the code is
    spent once (and the session cached per user and device) however many roles and accounts follow.
    """
    if len(role_arns) <= 1:
        only = role_arns[0] if role_arns else options.get("role_arn")
        return [assume_role({**options, "role_arn": only}, lock, read_code)]
    for arn in role_arns:  # every role's options are checked before the code is spent
        role_request({**options, "role_arn": arn})
    role_options = dict(options)
    session_warnings: list[str] = []
    mfa = session_request({key: value for key, value in options.items() if key != "duration_seconds"})[1]
    if mfa.serial:
        session = get_session_token({**options, "duration_seconds": None}, lock, read_code, identify=False)
        role_options.update(
            access_key=session.credentials.access_key,
            secret_key=session.credentials.secret_key,
            session_token=session.credentials.session_token,
            profile=None,
            mfa_serial_number=None,
            mfa_token=None,
            mfa_token_command=None,
        )
        session_warnings = session.warnings
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_ROLES, len(role_arns))) as pool:
        results = list(pool.map(lambda arn: assume_role({**role_options, "role_arn": arn}, lock), role_arns))
    # The session's warnings (a cache that could not be written, say) are told once, with the first role.
    results[0].warnings[:0] = [warning for warning in session_warnings if warning not in results[0].warnings]
    return results
