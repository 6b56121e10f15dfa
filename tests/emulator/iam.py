"""Reading what moto's IAM holds: users, roles, MFA devices and the policies that apply to a principal."""

from typing import Any

from moto.iam.models import iam_backends

from tests.emulator import policy
from tests.emulator.principals import PARTITION, Principal


def backend(account_id: str) -> Any:
    return iam_backends[account_id][PARTITION]


def find_role(role_arn: str) -> Any | None:
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[4].isdigit():
        return None
    try:
        return backend(parts[4]).get_role_by_arn(role_arn)
    except Exception:
        return None


def find_device(serial: str) -> Any | None:
    """The virtual MFA device with this serial (its ARN), in whichever account holds it."""
    parts = serial.split(":")
    if len(parts) < 6 or not parts[4].isdigit():
        return None
    return backend(parts[4]).virtual_mfa_devices.get(serial)


def _managed_documents(holder: Any) -> list[dict[str, Any]]:
    documents = []
    for managed in holder.managed_policies.values():
        versions = getattr(managed, "versions", [])
        default = next((v for v in versions if getattr(v, "is_default", False)), None)
        if default is not None and default.document:
            documents.append(policy.parse(default.document))
    return documents


def _holder_documents(holder: Any) -> list[dict[str, Any]]:
    return [policy.parse(doc) for doc in holder.policies.values()] + _managed_documents(holder)


#: The account's root user may do anything (no SCPs here).
ROOT_ACCESS = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def identity_documents(principal: Principal) -> list[dict[str, Any]]:
    """The identity-based policies of the user or role behind the principal."""
    if principal.kind == "root":
        return [ROOT_ACCESS]
    iam = backend(principal.account_id)
    if principal.kind in ("user", "session") and principal.user_name:
        user = iam.users.get(principal.user_name)
        if user is None:
            return []
        documents = _holder_documents(user)
        for group in iam.groups.values():
            if user in getattr(group, "users", []):
                documents += _holder_documents(group)
        return documents
    if principal.role_arn:
        role = find_role(principal.role_arn)
        return _holder_documents(role) if role is not None else []
    return []


def principal_arns(principal: Principal) -> list[str]:
    """ARNs a resource policy's Principal element may name for this caller."""
    arns = [principal.arn]
    if principal.role_arn:
        arns.append(principal.role_arn)
    return arns
