"""For the tests' playbooks only: write a value as JSON to a file on the controller, with no module run.

`ansible.builtin.copy` with `content` would do, but it runs two modules (stat, then copy) in a new Python
each time, about a second of CPU per host: most of what a small test playbook costs. This runs in the worker.
Options: `value` (any JSON value; a string is written as it is, so `"{{ x | to_json }}"` works too) and `dest`.
"""

import json
import os

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    # Writes on the controller: a host behind a persistent connection (network_cli) needs none started for it.
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        value, dest = self._task.args["value"], self._task.args["dest"]
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        temporary = f"{dest}.{os.getpid()}.tmp"
        with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, dest)
        result["changed"] = True
        return result
