"""Just enough IAM policy evaluation for MFA rules: Allow/Deny, Action/NotAction, Resource, Principal,
and the condition operators MFA policies use (Bool, Numeric*, String*, Arn*, each with IfExists).

What it does not evaluate (NotPrincipal, other operators, ForAnyValue/ForAllValues) it refuses with
NotEvaluated rather than guess: a guess would let a test pass that AWS would fail.
"""

import fnmatch
import json
from collections.abc import Iterable, Mapping
from typing import Any

Context = Mapping[str, str]

#: Operators that hold when the key does not match; on a key absent from the request they hold too (AWS's
#: rule for every negated operator, IfExists or not).
NEGATED = frozenset(
    {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals", "ArnNotEquals", "ArnNotLike"}
)
OPERATORS = NEGATED | {
    "Bool",
    "Null",
    "NumericEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "ArnEquals",
    "ArnLike",
}


class NotEvaluated(ValueError):
    """A policy uses something the emulator does not evaluate."""


def parse(document: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(document, Mapping):
        return dict(document)
    from urllib.parse import unquote

    text = document if document.lstrip().startswith("{") else unquote(document)
    return json.loads(text)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _matches(patterns: Iterable[str], value: str, *, case_sensitive: bool = False) -> bool:
    for pattern in patterns:
        if case_sensitive and fnmatch.fnmatchcase(value, pattern):
            return True
        if not case_sensitive and fnmatch.fnmatchcase(value.lower(), pattern.lower()):
            return True
    return False


def _condition_holds(operator: str, key: str, wanted: list[Any], context: Context) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if base not in OPERATORS or (base == "Null" and if_exists):
        raise NotEvaluated(f"the emulator does not evaluate the condition operator {operator}")
    if key not in context:
        if base == "Null":
            return any(str(w).lower() == "true" for w in wanted)
        return if_exists or base in NEGATED
    actual = context[key]
    if base == "Null":
        return any(str(w).lower() == "false" for w in wanted)
    if base == "Bool":
        return any(str(w).lower() == actual.lower() for w in wanted)
    if base.startswith("Numeric"):
        number = float(actual)
        comparisons = {
            "NumericEquals": lambda w: number == w,
            "NumericNotEquals": lambda w: number != w,
            "NumericLessThan": lambda w: number < w,
            "NumericLessThanEquals": lambda w: number <= w,
            "NumericGreaterThan": lambda w: number > w,
            "NumericGreaterThanEquals": lambda w: number >= w,
        }
        return any(comparisons[base](float(w)) for w in wanted)
    if base == "StringEquals":
        return actual in [str(w) for w in wanted]
    if base == "StringNotEquals":
        return actual not in [str(w) for w in wanted]
    if base == "StringLike":
        return _matches([str(w) for w in wanted], actual, case_sensitive=True)
    if base == "StringNotLike":
        return not _matches([str(w) for w in wanted], actual, case_sensitive=True)
    if base == "StringEqualsIgnoreCase":
        return actual.lower() in [str(w).lower() for w in wanted]
    if base == "StringNotEqualsIgnoreCase":
        return actual.lower() not in [str(w).lower() for w in wanted]
    if base in ("ArnEquals", "ArnLike"):
        return _matches([str(w) for w in wanted], actual, case_sensitive=True)
    return not _matches([str(w) for w in wanted], actual, case_sensitive=True)  # ArnNotEquals, ArnNotLike


def _conditions_hold(conditions: Mapping[str, Mapping[str, Any]], context: Context) -> bool:
    return all(
        _condition_holds(operator, key, _as_list(wanted), context)
        for operator, keys in conditions.items()
        for key, wanted in keys.items()
    )


def _principal_matches(statement: Mapping[str, Any], principal_arns: Iterable[str], account_id: str) -> bool:
    if "NotPrincipal" in statement:
        # Matching it needs AWS's rules for which ARNs a session answers to; refused rather than half done.
        raise NotEvaluated("the emulator does not evaluate NotPrincipal; name the principals in Principal")
    if "Principal" not in statement:
        return True
    principal = statement["Principal"]
    if principal == "*":
        return True
    candidates = set(principal_arns)
    for entry in _as_list(principal.get("AWS")):
        if entry == "*" or entry in candidates or entry in (account_id, f"arn:aws:iam::{account_id}:root"):
            return True
    return False


def _statement_applies(statement: Mapping[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement and not _matches(_as_list(statement["Action"]), action):
        return False
    if "NotAction" in statement and _matches(_as_list(statement["NotAction"]), action):
        return False
    if "Resource" in statement and not _matches(_as_list(statement["Resource"]), resource, case_sensitive=True):
        return False
    return not ("NotResource" in statement and _matches(_as_list(statement["NotResource"]), resource))


def decide(
    documents: Iterable[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Context,
    *,
    principal_arns: Iterable[str] = (),
    principal_account: str = "",
) -> str:
    """"Deny" (explicit), "Allow" or "NoMatch" (implicit deny) for one request against policy documents."""
    principal_arns = list(principal_arns)
    allowed = False
    for document in documents:
        for statement in _as_list(document.get("Statement")):
            if not _statement_applies(statement, action, resource):
                continue
            if not _principal_matches(statement, principal_arns, principal_account):
                continue
            if not _conditions_hold(statement.get("Condition", {}), context):
                continue
            if statement.get("Effect") == "Deny":
                return "Deny"
            allowed = allowed or statement.get("Effect") == "Allow"
    return "Allow" if allowed else "NoMatch"
