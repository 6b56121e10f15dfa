"""Worlds: an IAM user with access keys and an MFA device, its buckets, and roles in other accounts.

Everything is created straight in moto's backends (no HTTP), so a world of 100,000 buckets is built
in about a second. Each world gets fresh random account ids, so tests sharing one emulator never see
each other's users, buckets or STS calls.
"""

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from moto.iam.models import iam_backends
from moto.s3.models import s3_backends

from tests.emulator import mfa
from tests.emulator.principals import PARTITION

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

#: Actions a user whose policy requires MFA may still call with long-term keys alone.
WITHOUT_MFA = ["sts:GetSessionToken", "sts:GetCallerIdentity", "sts:AssumeRole", "iam:ListMFADevices", "iam:GetUser"]

USER_POLICIES: dict[str, dict[str, Any] | None] = {
    # AWS's "require MFA" pattern: everything with MFA; without it, only what it takes to get MFA credentials.
    "require-mfa": {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "WithoutMfa", "Effect": "Allow", "Action": WITHOUT_MFA, "Resource": "*"},
            {
                "Sid": "AllWithMfa",
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            },
            {
                "Sid": "DenyAllElseWithoutMfa",
                "Effect": "Deny",
                "NotAction": WITHOUT_MFA,
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
    },
    "allow-all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "none": None,
}

ROLE_PERMISSIONS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "sts:AssumeRole"], "Resource": "*"}],
}


@dataclass(frozen=True)
class RoleSpec:
    name: str
    requires_mfa: bool = True
    max_session_duration: int = 3600
    bucket_count: int = 2
    external_id: str | None = None
    #: None: a new account of its own.
    account_id: str | None = None
    #: Extra principals the trust policy names (e.g. another role's ARN, for role chaining).
    trusted: tuple[str, ...] = ()
    #: Whether the role may list buckets.
    can_list_buckets: bool = True
    #: Seconds since the caller's MFA within which the trust policy lets it in (aws:MultiFactorAuthAge), if limited.
    max_mfa_age: int | None = None


DEFAULT_ROLES = (RoleSpec("admin", requires_mfa=True), RoleSpec("reader", requires_mfa=False))


@dataclass(frozen=True)
class RoleInfo:
    name: str
    arn: str
    account_id: str
    requires_mfa: bool
    max_session_duration: int
    buckets: tuple[str, ...]
    external_id: str | None


@dataclass
class World:
    emulator: "Emulator" = field(repr=False)
    account_id: str
    user_name: str
    user_arn: str
    user_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    mfa_serial: str | None
    mfa_seed: str | None = field(repr=False)
    region: str
    buckets: list[str]
    roles: dict[str, RoleInfo]
    root_access_key_id: str | None = None
    root_secret_access_key: str | None = field(default=None, repr=False)

    def totp(self, steps: int = 0) -> str:
        """The MFA device's code now (by the emulator's clock), or `steps` 30-second steps away."""
        if self.mfa_seed is None:
            raise ValueError(f"user {self.user_name} has no MFA device")
        return mfa.totp(self.mfa_seed, self.emulator.clock.now() + steps * mfa.STEP)

    def account_ids(self) -> set[str]:
        return {self.account_id, *(role.account_id for role in self.roles.values())}

    def calls(self, **filters: Any) -> list[Any]:
        return self.emulator.calls(account_ids=self.account_ids(), **filters)

    def listings(self) -> list[Any]:
        """The ListBuckets calls made with this world's credentials."""
        return self.emulator.listings(account_ids=self.account_ids())

    def env(self) -> dict[str, str]:
        """The user's long-term keys as the AWS SDKs read them from the environment."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
        }

    def to_dict(self) -> dict[str, Any]:
        data = {key: value for key, value in self.__dict__.items() if key != "emulator"}
        data["roles"] = {name: asdict(role) for name, role in self.roles.items()}
        return data


def new_account_id(taken: set[str]) -> str:
    while True:
        account = str(secrets.randbelow(9 * 10**11) + 10**11)
        if account not in taken and account not in iam_backends:
            taken.add(account)
            return account


def build_world(
    emulator: "Emulator",
    *,
    user_name: str = "alice",
    account_id: str | None = None,
    bucket_names: Sequence[str] | None = None,
    bucket_count: int = 3,
    bucket_regions: Sequence[str] | None = None,
    roles: Sequence[RoleSpec | Mapping[str, Any]] | None = None,
    user_policy: str = "require-mfa",
    mfa: bool = True,
    root_keys: bool = False,
    taken: set[str],
) -> World:
    if user_policy not in USER_POLICIES:
        raise ValueError(f"user_policy must be one of {sorted(USER_POLICIES)}, not {user_policy!r}")
    region = emulator.region
    account = account_id or new_account_id(taken)
    taken.add(account)
    iam = iam_backends[account][PARTITION]
    user = iam.create_user(region, user_name)
    key = iam.create_access_key(user_name)
    document = USER_POLICIES[user_policy]
    if document is not None:
        iam.put_user_policy(user_name, user_policy, json.dumps(document))
    serial = seed = None
    if mfa:
        device = iam.create_virtual_mfa_device(user_name, "/")
        serial, seed = device.serial_number, device.base32_string_seed
        iam.enable_mfa_device(user_name, serial, "123456", "654321")

    names = list(bucket_names) if bucket_names is not None else [f"{user_name}-{account}-{i:05d}" for i in range(bucket_count)]
    _create_buckets(account, names, bucket_regions or [region])

    root_key = root_secret = None
    if root_keys:
        root_key, root_secret = _create_root_keys(emulator, account)

    specs = [RoleSpec(**spec) if isinstance(spec, Mapping) else spec for spec in (roles if roles is not None else DEFAULT_ROLES)]
    infos = {spec.name: _create_role(spec, account, region, taken) for spec in specs}
    return World(
        emulator=emulator,
        account_id=account,
        user_name=user_name,
        user_arn=user.arn,
        user_id=user.id,
        access_key_id=key.access_key_id,
        secret_access_key=key.secret_access_key,
        mfa_serial=serial,
        mfa_seed=seed,
        region=region,
        buckets=names,
        roles=infos,
        root_access_key_id=root_key,
        root_secret_access_key=root_secret,
    )


def _create_root_keys(emulator: "Emulator", account: str) -> tuple[str, str]:
    """Access keys of the account's root user (AWS advises against them; some accounts still have them)."""
    from tests.emulator.principals import Principal

    key_id = "AKIA" + secrets.token_hex(8).upper()
    secret = secrets.token_urlsafe(30)[:40]
    emulator.register_principal(
        Principal(
            kind="root",
            access_key_id=key_id,
            secret_access_key=secret,
            account_id=account,
            arn=f"arn:aws:iam::{account}:root",
            user_id=account,
        )
    )
    return key_id, secret


def _create_buckets(account: str, names: Sequence[str], regions: Sequence[str]) -> None:
    backend = s3_backends[account][PARTITION]
    for index, name in enumerate(names):
        backend.create_bucket(name, regions[index % len(regions)])


def trust_policy(spec: RoleSpec, user_account: str) -> dict[str, Any]:
    condition: dict[str, Any] = {}
    if spec.requires_mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    if spec.external_id:
        condition["StringEquals"] = {"sts:ExternalId": spec.external_id}
    if spec.max_mfa_age is not None:
        condition["NumericLessThan"] = {"aws:MultiFactorAuthAge": str(spec.max_mfa_age)}
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{user_account}:root", *spec.trusted]},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _create_role(spec: RoleSpec, user_account: str, region: str, taken: set[str]) -> RoleInfo:
    account = spec.account_id or new_account_id(taken)
    taken.add(account)
    iam = iam_backends[account][PARTITION]
    role = iam.create_role(
        role_name=spec.name,
        assume_role_policy_document=json.dumps(trust_policy(spec, user_account)),
        path="/",
        permissions_boundary=None,
        description=f"emulator role {spec.name}",
        tags=[],
        max_session_duration=str(spec.max_session_duration),
    )
    if spec.can_list_buckets:
        iam.put_role_policy(spec.name, "permissions", json.dumps(ROLE_PERMISSIONS))
    names = [f"{spec.name}-{account}-{i:03d}" for i in range(spec.bucket_count)]
    _create_buckets(account, names, [region])
    return RoleInfo(
        name=spec.name,
        arn=role.arn,
        account_id=account,
        requires_mfa=spec.requires_mfa,
        max_session_duration=spec.max_session_duration,
        buckets=tuple(names),
        external_id=spec.external_id,
    )
