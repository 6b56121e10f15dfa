# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Option specs, defined once: modules, their controller-side actions and the lookups all validate with them.

For the collection's own use. Each default and each rule on how options combine is declared here and
nowhere else; the core reads typed, validated values. The option texts live in plugins/doc_fragments/, one
fragment per family named as the spec dicts here are.

Options are validated by ansible-core's own ArgumentSpecValidator, imported only when there is something for
it to do: bin/mfa-aws-credentials, which botocore starts for every AWS command, would otherwise spend most of
its run importing ansible-core (see Options._as_given).
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError

if TYPE_CHECKING:
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

Spec = dict[str, dict[str, Any]]

CONNECTION_ARGUMENT_SPEC: Spec = {
    "access_key": {"type": "str", "aliases": ["aws_access_key_id", "aws_access_key"], "no_log": False},
    "secret_key": {"type": "str", "aliases": ["aws_secret_access_key", "aws_secret_key"], "no_log": True},
    "session_token": {"type": "str", "aliases": ["aws_session_token"], "no_log": True},
    "profile": {"type": "str", "aliases": ["aws_profile"]},
    "region": {"type": "str", "aliases": ["aws_region"]},
    "endpoint_url": {"type": "str", "aliases": ["aws_endpoint_url"]},
    "validate_certs": {"type": "bool", "default": True},
    "retries": {"type": "int", "default": 4},
    "read_timeout": {"type": "int", "default": 30},
}

MFA_ARGUMENT_SPEC: Spec = {
    "mfa_serial_number": {"type": "str"},
    "mfa_token": {"type": "str", "no_log": True},
    # Not a secret: what the command prints is, and that is never logged.
    "mfa_token_command": {"type": "str", "no_log": False},
}

CACHE_ARGUMENT_SPEC: Spec = {
    "cache": {"type": "bool", "default": True},
    "cache_dir": {"type": "path", "default": "~/.aws/cli/cache"},
}

CREDENTIALS_FILE_ARGUMENT_SPEC: Spec = {
    "write_profile": {"type": "str"},
    "credentials_file": {"type": "path"},
}

SESSION_ARGUMENT_SPEC: Spec = {
    **CONNECTION_ARGUMENT_SPEC,
    **MFA_ARGUMENT_SPEC,
    **CACHE_ARGUMENT_SPEC,
    **CREDENTIALS_FILE_ARGUMENT_SPEC,
    "duration_seconds": {"type": "int"},
    "fact_name": {"type": "str", "default": "aws_mfa_session"},
}

ASSUME_ROLE_ARGUMENT_SPEC: Spec = {
    **CONNECTION_ARGUMENT_SPEC,
    **MFA_ARGUMENT_SPEC,
    **CACHE_ARGUMENT_SPEC,
    **CREDENTIALS_FILE_ARGUMENT_SPEC,
    "role_arn": {"type": "str"},
    "role_session_name": {"type": "str"},
    "duration_seconds": {"type": "int"},
    "external_id": {"type": "str"},
    "policy": {"type": "raw"},
    "policy_arns": {"type": "list", "elements": "str"},
    "tags": {"type": "dict"},
    "transitive_tag_keys": {"type": "list", "elements": "str", "no_log": False},
    "source_identity": {"type": "str"},
    "session_duration_seconds": {"type": "int"},
    "fact_name": {"type": "str", "default": "aws_mfa_role"},
}

S3_BUCKET_LIST_ARGUMENT_SPEC: Spec = {
    **CONNECTION_ARGUMENT_SPEC,
    "prefix": {"type": "str"},
    "bucket_region": {"type": "str"},
    "max_buckets": {"type": "int"},
    "page_size": {"type": "int", "default": 10000},
}

# What Ansible's validator returns as given, in every supported ansible-core: a value of the Python type of its
# option's type (ansible-core 2.19's tagged str and int included; a bool is not read as an int here). A path is
# expanded, as the validator expands it.
_AS_GIVEN_TYPES = {"str": str, "path": str, "int": int, "bool": bool}
# What a given option's spec may declare for Options._as_given to read it ...
_AS_GIVEN_KEYS = frozenset({"type", "default", "aliases", "no_log"})
# ... and any other option's: anything else (fallback, required, choices ...) is left to the validator.
_SPEC_KEYS = _AS_GIVEN_KEYS | {"elements"}

#: Options of the STS modules that mean nothing to a lookup.
MODULE_ONLY_OPTIONS = ("fact_name", "write_profile", "credentials_file")

# Names users bring from elsewhere for what an option holds, which difflib cannot tell: the extra variable
# the collection's own examples pass (-e mfa_code) and STS's parameter name (TokenCode).
_KNOWN_AS = {"mfa_code": "mfa_token", "token_code": "mfa_token"}


def unsupported_parameters(
    unknown: Iterable[str],
    names: Mapping[str, tuple[str, ...]],
    plugin: str,
    kind: str,
    hints: Mapping[str, str] | None = None,
) -> str:
    """One line refusing options the plugin does not take, each with the option it most likely meant.

    Worded as AnsibleModule words it ("Unsupported parameters for (NAME) module: ...") so it reads as any
    plugin's; `names` maps each option to its aliases, `hints` says why a known name is not taken here.
    """
    import difflib

    spelled = {alias: name for name, aliases in names.items() for alias in (name, *aliases)}
    worded = []
    for given in sorted(set(unknown)):
        if hints and given in hints:
            worded.append(f"{given} ({hints[given]})")
            continue
        close = difflib.get_close_matches(given.lower(), list(spelled), n=1)
        meant = _KNOWN_AS.get(given.lower()) or (spelled[close[0]] if close else None)
        worded.append(f"{given} (did you mean {meant}?)" if meant in names else given)
    supported = ", ".join(sorted(names))
    aliases = ", ".join(sorted(alias for each in names.values() for alias in each))
    if aliases:
        supported += f" ({aliases})"
    return (
        f"Unsupported parameters for ({plugin}) {kind}: {', '.join(worded)}. Supported parameters include: {supported}."
    )


class Options:
    """A spec with its rules on how options combine, and the one validation every front end runs."""

    def __init__(
        self,
        argument_spec: Spec,
        required_together: tuple[tuple[str, ...], ...] = (),
        mutually_exclusive: tuple[tuple[str, ...], ...] = (),
        required_by: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.argument_spec = argument_spec
        self.required_together, self.mutually_exclusive = required_together, mutually_exclusive
        self.required_by = dict(required_by or {})
        self._validator: ArgumentSpecValidator | None = None
        # Whether _as_given may read this spec: nothing in it acts on options left out (a fallback, required), and
        # every default is of a type it knows.
        self._readable = all(
            set(spec) <= _SPEC_KEYS and ("default" not in spec or spec.get("type", "str") in _AS_GIVEN_TYPES)
            for spec in argument_spec.values()
        )

    def module_kwargs(self) -> dict[str, Any]:
        """What AnsibleModule takes, for the modules' own (remote) runs."""
        return {"argument_spec": self.argument_spec, **self._rules()}

    def _rules(self) -> dict[str, Any]:
        return {
            "required_together": [list(group) for group in self.required_together],
            "mutually_exclusive": [list(group) for group in self.mutually_exclusive],
            "required_by": {name: list(needed) for name, needed in self.required_by.items()},
        }

    def without(self, names: tuple[str, ...]) -> Options:
        """The same spec less some options (what a lookup does not take)."""
        spec = {name: value for name, value in self.argument_spec.items() if name not in names}
        return Options(spec, self.required_together, self.mutually_exclusive, self.required_by)

    def validate(self, options: Mapping[str, Any], plugin: str = "") -> dict[str, Any]:
        """Types converted, defaults filled in, rules checked: one line per failure, never a secret's value.

        Options set to None count as not given, as a lookup's unset options are; so do empty strings, which
        is what a templated option gives when its variable is empty.
        """
        # Before anything else, and also when set to nothing: a misspelt option would otherwise leave the
        # one meant at its default without a word.
        names = {name: tuple(spec.get("aliases") or ()) for name, spec in self.argument_spec.items()}
        unknown = set(options) - {alias for name, aliases in names.items() for alias in (name, *aliases)}
        if unknown:
            raise MfaAwsError(unsupported_parameters(unknown, names, plugin or "mfa.aws", "module"))
        given = {name: value for name, value in options.items() if value is not None and value != ""}
        for name, value in given.items():
            # Ansible's int conversion raises OverflowError on these, which would be a traceback.
            if isinstance(value, float) and not math.isfinite(value):
                raise MfaAwsError(f"{name}: must be a finite number")
        as_given = self._as_given(given)
        if as_given is not None:
            return as_given
        if self._validator is None:  # made once per process: it copies the whole spec
            from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

            self._validator = ArgumentSpecValidator(self.argument_spec, **self._rules())
        result = self._validator.validate(given)
        if result.error_messages:
            from ansible.module_utils.common.parameters import remove_values

            message = "; ".join(self._worded(error, given, plugin) for error in result.errors)
            raise MfaAwsError(remove_values(message, result._no_log_values))
        return result.validated_parameters

    def _as_given(self, given: Mapping[str, Any]) -> dict[str, Any] | None:
        """What ArgumentSpecValidator returns for options it has nothing to convert and no rule to check, without
        importing ansible-core: the spec's defaults, and the values given. None: the validator decides.

        That is: each option given under its own name, as a value of its type (a str, an int, a bool),
        and none that a rule on how options combine could refuse (at most one of each mutually exclusive group,
        none of a group required together or of required_by). tests/unit/plugins/module_utils/test_specs.py
        holds this against the validator itself, as _botocore_rules.py is held against botocore.
        """
        if not self._readable:
            return None
        for name, value in given.items():
            spec = self.argument_spec.get(name)
            if spec is None or not set(spec) <= _AS_GIVEN_KEYS:
                return None
            wanted = _AS_GIVEN_TYPES.get(spec.get("type", "str"))
            if wanted is None or not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
                return None
        if any(name in given for group in self.required_together for name in group):
            return None
        if any(name in given for name in self.required_by):
            return None
        if any(sum(name in given for name in group) > 1 for group in self.mutually_exclusive):
            return None
        validated = {}
        for name, spec in self.argument_spec.items():
            value = given.get(name, spec.get("default"))
            if value is not None and spec.get("type") == "path":
                value = os.path.expanduser(os.path.expandvars(value))
            validated[name] = value
        return validated

    def _worded(self, error: Exception, given: Mapping[str, Any], plugin: str) -> str:
        # Said the way this collection says it (what was given, what to do), not in the validator's words.
        from ansible.module_utils.errors import MutuallyExclusiveError, RequiredByError, RequiredTogetherError

        if isinstance(error, RequiredTogetherError):
            for group in self.required_together:
                present = [name for name in group if name in given]
                if present and len(present) < len(group):
                    missing = [name for name in group if name not in given]
                    return (
                        f"{present[0]} was given without {' and '.join(missing)}: set both, or neither to use a profile"
                    )
        if isinstance(error, RequiredByError):
            for name, needed in self.required_by.items():
                missing = [other for other in needed if other not in given]
                if name in given and missing:
                    return f"{name} was given without {' and '.join(missing)}: set all of them"
        if isinstance(error, MutuallyExclusiveError):
            for group in self.mutually_exclusive:
                present = [name for name in group if name in given]
                if len(present) > 1:
                    return f"{' and '.join(present)} were both given: use one way to name the credentials"
        return " ".join(str(error).split())


_CONNECTION_RULES: dict[str, Any] = {
    "required_together": (("access_key", "secret_key"),),
    "mutually_exclusive": (("profile", "access_key"),),
    "required_by": {"session_token": ("access_key", "secret_key")},
}

SESSION_OPTIONS = Options(SESSION_ARGUMENT_SPEC, **_CONNECTION_RULES)
ASSUME_ROLE_OPTIONS = Options(ASSUME_ROLE_ARGUMENT_SPEC, **_CONNECTION_RULES)
S3_BUCKET_LIST_OPTIONS = Options(S3_BUCKET_LIST_ARGUMENT_SPEC, **_CONNECTION_RULES)
