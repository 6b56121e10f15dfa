"""An AWX job, as AWX hands it to ansible-runner: a private data directory, then `ansible_runner.run`.

The credential type, the survey and the playbook are read from docs/awx.md, so the page users copy from
is the page that is tested. The job runs in a child process whose environment is the test sandbox's
(ansible-runner copies its own process's environment into the job). As AWX does (awx/main/tasks/jobs.py),
the survey's answer goes in env/extravars and the credential's injected variables in the `envvars`
argument, which reaches the child on stdin, never on a command line.
"""

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tests.harness import AnsibleRunner
from tests.harness.inventory import render_inventory
from tests.harness.paths import PYTHON, REPO_ROOT

AWX_DOC = REPO_ROOT / "docs" / "awx.md"
IDENT = "1"
PLAYBOOK = "mfa_buckets.yml"

_BLOCK = r"<!-- {name} -->\s*```(?:yaml|json)\n(?P<body>.*?)\n```"

# What AWX itself calls: ansible_runner.run with the job's private data directory. fact_cache_type is
# "jsonfile" with fact storage on and "" with it off (awx/main/tasks/jobs.py); ansible-runner's own
# default would be "jsonfile".
_RUN_JOB = """
import json, sys
import ansible_runner
options = json.load(sys.stdin)
result = ansible_runner.run(quiet=True, **options)
print(json.dumps({"status": result.status, "rc": result.rc}))
"""


def doc_block(name: str) -> Any:
    """The YAML or JSON block of docs/awx.md that follows `<!-- name -->`, parsed."""
    match = re.search(_BLOCK.format(name=re.escape(name)), AWX_DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert match, f"docs/awx.md has no ```yaml or ```json block after <!-- {name} -->"
    return yaml.safe_load(match["body"])


def injected_env(inputs: dict[str, str]) -> dict[str, str]:
    """The credential type's injectors.env rendered with a credential's inputs, as AWX renders them."""
    fields = {field["id"] for field in doc_block("awx-credential-inputs")["fields"]}
    assert set(inputs) == fields, f"the credential's inputs {sorted(inputs)} are not the type's {sorted(fields)}"
    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    templates = doc_block("awx-credential-injectors")["env"]
    return {name: environment.from_string(template).render(**inputs) for name, template in templates.items()}


def survey_variable() -> str:
    (question,) = doc_block("awx-survey")["spec"]
    return question["variable"]


@dataclass(frozen=True)
class Job:
    private_data_dir: Path
    status: str
    rc: int
    stdout: str

    @property
    def artifacts(self) -> Path:
        return self.private_data_dir / "artifacts" / IDENT

    def events(self) -> list[dict[str, Any]]:
        paths = sorted((self.artifacts / "job_events").glob("*.json"))
        return [json.loads(path.read_text(encoding="utf-8")) for path in paths]

    def artifact_texts(self) -> dict[Path, str]:
        """Every file ansible-runner left in the artifacts directory (fact cache, events, stdout ...)."""
        return {
            path: path.read_text(encoding="utf-8", errors="replace")
            for path in sorted(self.artifacts.rglob("*"))
            if path.is_file()
        }


def run_job(
    ansible: AnsibleRunner,
    *,
    credential: dict[str, str],
    extra_vars: dict[str, str],
    hosts: int,
    fact_storage: bool,
    endpoint_url: str,
    region: str,
    timeout: float = 300,
) -> Job:
    private = ansible.sandbox.root / "awx-job"
    (private / "env").mkdir(parents=True)
    (private / "inventory").mkdir()
    (private / "project").mkdir()
    (private / "project" / PLAYBOOK).write_text(yaml.safe_dump(doc_block("awx-playbook"), sort_keys=False))
    (private / "inventory" / "hosts.yml").write_text(render_inventory(hosts), encoding="utf-8")
    (private / "env" / "extravars").write_text(yaml.safe_dump(extra_vars), encoding="utf-8")
    # AWX's own settings of the job's environment for a cloud endpoint are out of scope: the endpoint
    # and region stand for the AWS the execution node reaches.
    envvars = {**injected_env(credential), "AWS_ENDPOINT_URL": endpoint_url, "AWS_DEFAULT_REGION": region}
    options = {
        "envvars": envvars,
        "private_data_dir": str(private),
        "ident": IDENT,
        "playbook": PLAYBOOK,
        "fact_cache_type": "jsonfile" if fact_storage else "",
        "settings": {"job_timeout": int(timeout)},
    }
    process = subprocess.run(
        [str(PYTHON), "-c", _RUN_JOB],
        env=ansible.environment(),
        input=json.dumps(options),
        capture_output=True,
        text=True,
        timeout=timeout + 60,
        check=False,
    )
    assert process.returncode == 0, f"ansible_runner.run raised:\n{process.stdout}\n{process.stderr}"
    outcome = json.loads(process.stdout.strip().splitlines()[-1])
    stdout = (private / "artifacts" / IDENT / "stdout").read_text(encoding="utf-8", errors="replace")
    return Job(private_data_dir=private, status=outcome["status"], rc=outcome["rc"], stdout=stdout)
