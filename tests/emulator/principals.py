"""Who is calling: IAM users' long-term keys (kept by moto) and the temporary credentials the emulator issues."""

import secrets
import string
import threading
from dataclasses import dataclass, field
from typing import Any

from moto.iam.models import iam_backends

PARTITION = "aws"
_KEY_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


@dataclass
class Principal:
    kind: str  # "user" or "root" (long-term keys), "session" (GetSessionToken) or "role" (AssumeRole)
    access_key_id: str
    secret_access_key: str
    account_id: str
    arn: str
    user_id: str
    user_name: str | None = None
    role_arn: str | None = None
    session_token: str | None = None
    #: Emulator-clock epoch seconds; None for long-term keys.
    expiration: float | None = None
    #: None: the request context has no aws:MultiFactorAuthPresent key (long-term keys).
    mfa_present: bool | None = None
    mfa_authenticated_at: float | None = None
    session_policies: list[dict[str, Any]] = field(default_factory=list)
    source_identity: str | None = None

    @property
    def temporary(self) -> bool:
        return self.kind in ("session", "role")

    def expired(self, now: float) -> bool:
        return self.expiration is not None and now >= self.expiration


def new_temporary_keys() -> tuple[str, str, str]:
    """An access key id, secret key and session token shaped like STS's."""
    chooser = secrets.SystemRandom()
    access_key = "ASIA" + "".join(chooser.choices(_KEY_ALPHABET, k=16))
    secret = "".join(chooser.choices(_SECRET_ALPHABET, k=40))
    token = "IQoJb3JpZ2luX2Vj" + secrets.token_urlsafe(240)
    return access_key, secret, token


class Principals:
    """Temporary credentials issued here, and a view of moto's IAM users' access keys."""

    def __init__(self) -> None:
        self._issued: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def issue(self, principal: Principal) -> None:
        with self._lock:
            self._issued[principal.access_key_id] = principal

    def issued_secret_keys(self) -> list[str]:
        with self._lock:
            return [principal.secret_access_key for principal in self._issued.values()]

    def find(self, access_key_id: str) -> Principal | None:
        with self._lock:
            issued = self._issued.get(access_key_id)
        if issued is not None:
            return issued
        return self._long_term(access_key_id)

    @staticmethod
    def _long_term(access_key_id: str) -> Principal | None:
        for account_id, partitions in list(iam_backends.items()):
            key = partitions[PARTITION].access_keys.get(access_key_id)
            if key is None or key.status != "Active" or key.user_name is None:
                continue
            user = partitions[PARTITION].users.get(key.user_name)
            if user is None:
                continue
            return Principal(
                kind="user",
                access_key_id=access_key_id,
                secret_access_key=key.secret_access_key,
                account_id=account_id,
                arn=user.arn,
                user_id=user.id,
                user_name=user.name,
            )
        return None
