# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's lookups share: reading their options and wording failures.

For the collection's own use. Ansible evaluates a lookup in vars once per host per task, each time in a
forked worker; the exchange's lock-free cache hit and the controller lock make all of those one STS call
per code, and the hit cheap.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.mfa.aws.plugins.module_utils import _validation as check
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._specs import (
    MODULE_ONLY_OPTIONS,
    Options,
    unsupported_parameters,
)

_KEYWORD = "the lookup's keyword"


class LookupFailure(AnsibleLookupError):
    """The lookup's one line, said once.

    ansible-core 2.19 and later append each cause's message to an error's own ("A: A: ClientError ..."), and
    the collection's line already says what its cause said. The cause stays attached for the traceback
    that ANSIBLE_DISPLAY_TRACEBACK shows; earlier releases ignore the attribute and never appended.
    """

    _include_cause_message = False


class MfaAwsLookup(LookupBase):
    """Options come from the lookup's keywords, then variables, env and ini, as its DOCUMENTATION says;
    then the module's own spec validates them, so a lookup and its module accept exactly the same."""

    options: Options
    #: Why a keyword that names an option of the module is not one of the lookup's.
    keyword_hints: ClassVar[dict[str, str]] = {name: "only the modules take it" for name in MODULE_ONLY_OPTIONS}

    def read_options(self, variables: dict[str, Any] | None, keywords: dict[str, Any]) -> dict[str, Any]:
        self._refuse_unknown(keywords)
        self._keywords = keywords
        try:
            self.set_options(var_options=variables, direct=keywords)
            given = {name: self.get_option(name) for name in self.options.argument_spec}
        except AnsibleError as error:
            # Ansible's option checks quote the value they refuse, and the value may be a secret.
            raise LookupFailure(_without_values(str(error), keywords)) from None
        try:
            return self.options.validate(given)
        except MfaAwsError as error:
            raise LookupFailure(str(error)) from None

    def _refuse_unknown(self, keywords: dict[str, Any]) -> None:
        # Ansible's set_options reads the keywords its documentation names and drops the rest without a word
        # (2.16 to 2.21 alike), so a misspelt option would leave the one meant at its default or let the
        # environment's value win.
        names = {
            name: tuple(definition.get("aliases") or ())
            for name, definition in self.option_definitions.items()
            if not name.startswith("_")
        }
        known = {alias for name, aliases in names.items() for alias in (name, *aliases)}
        unknown = [keyword for keyword in keywords if keyword not in known]
        if unknown:
            plugin = getattr(self, "ansible_name", None) or self._load_name
            raise LookupFailure(unsupported_parameters(unknown, names, plugin, "lookup", self.keyword_hints))

    def run_exchange(self, action: Callable[[], Any]) -> Any:
        """Run the exchange: its failure becomes the lookup's error, its warnings are shown as a task's are."""
        try:
            outcome = action()
        except check.SerialMissing as error:
            raise LookupFailure(self._serial_missing(error.option)) from None
        except MfaAwsError as error:
            raise LookupFailure(str(error)) from error
        results = outcome if isinstance(outcome, list) else [outcome]
        # A cache_dir tightened, credentials not cached: said once each, as a module says them.
        for message in dict.fromkeys(warning for result in results for warning in getattr(result, "warnings", ())):
            Display().warning(message)
        return outcome

    def _serial_missing(self, option: str) -> str:
        """Said with where this lookup read the code from, and every way it takes the device: the keyword, and
        the environment and ansible.cfg its documentation names (never variables: doc_fragments/mfa.py)."""
        serial = self.option_definitions.get("mfa_serial_number", {})
        ways = ["mfa_serial_number='...' in the lookup"]
        ways += [f"the environment variable {entry['name']}" for entry in serial.get("env") or ()]
        ways += [f"{entry['key']} in ansible.cfg's [{entry['section']}]" for entry in serial.get("ini") or ()]
        given = self._origin(option)
        return check.serial_missing(
            option, ways, None if given == _KEYWORD else given, self._origin("mfa_serial_number")
        )

    def _origin(self, option: str) -> str | None:
        """Where the option's value came from, in a user's words; None where nothing set it."""
        # Keywords, the environment or ansible.cfg: no option of the lookups is read from variables.
        try:
            _value, origin = C.config.get_config_value_and_origin(
                option, plugin_type=self.plugin_type, plugin_name=self._load_name, direct=getattr(self, "_keywords", {})
            )
        except AnsibleError:
            return None
        origin = str(origin or "")
        if origin.startswith("env: "):
            return f"the environment variable {origin[5:]}"
        if origin.lower() == "direct":
            return _KEYWORD
        if origin.lower() in ("", "default"):
            return None
        return origin  # the ansible.cfg it was read from


def _without_values(message: str, keywords: dict[str, Any]) -> str:
    named = [name for name in keywords if name in message]
    if named:
        return f"option {named[0]}: has the wrong type; see ansible-doc -t lookup for what it takes"
    return "an option has the wrong type; see ansible-doc -t lookup for what each takes"
