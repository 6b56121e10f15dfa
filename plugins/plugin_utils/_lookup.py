# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's lookups share: reading their options and wording failures.

For the collection's own use. Ansible evaluates a lookup in vars once per host per task, each time in a
forked worker; the exchange's cache and the controller lock make all of those one STS call per code.
"""

from __future__ import annotations

from typing import Any, Callable

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError


#: Options of the STS modules that mean nothing to a lookup.
MODULE_ONLY_OPTIONS = ("fact_name", "write_profile", "credentials_file")


class MfaAwsLookup(LookupBase):
    """Options come from the lookup's keywords, then variables, env and ini, as its DOCUMENTATION says."""

    option_names: tuple[str, ...] = ()

    def read_options(self, variables: dict[str, Any] | None, keywords: dict[str, Any]) -> dict[str, Any]:
        self.set_options(var_options=variables, direct=keywords)
        return {name: self.get_option(name) for name in self.option_names}

    @staticmethod
    def worded(action: Callable[[], Any]) -> Any:
        """Run the exchange: its failure becomes the lookup's error, its warnings are shown as a task's are."""
        try:
            outcome = action()
        except MfaAwsError as error:
            raise AnsibleLookupError(str(error)) from None
        results = outcome if isinstance(outcome, list) else [outcome]
        # A cache_dir tightened, credentials not cached: said once each, as a module says them.
        for message in dict.fromkeys(warning for result in results for warning in getattr(result, "warnings", ())):
            Display().warning(message)
        return outcome
