"""Jobs run through ansible-runner as AWX runs them: keys from a custom credential's injected
environment, the code from a survey, 6 hosts, and (optionally) AWX's jsonfile fact storage."""

import json
import re

from tests.runner.awx import doc_block, run_job, survey_variable

HOSTS = 6


def credential(world):
    return {
        "access_key_id": world.access_key_id,
        "secret_access_key": world.secret_access_key,
        "mfa_serial_number": world.mfa_serial,
    }


def job(ansible, world, emulator, *, code, fact_storage=False, timeout=300):
    extra_vars = {survey_variable(): code} if code is not None else {}
    return run_job(
        ansible,
        credential=credential(world),
        extra_vars=extra_vars,
        hosts=HOSTS,
        fact_storage=fact_storage,
        endpoint_url=emulator.endpoint_url,
        region=world.region,
        timeout=timeout,
    )


def test_the_credential_type_injects_the_keys_and_the_device():
    injectors = doc_block("awx-credential-injectors")
    assert set(injectors) == {"env"}, "extra_vars or files injectors would put the keys where the job events show them"
    secret_fields = {field["id"] for field in doc_block("awx-credential-inputs")["fields"] if field.get("secret")}
    assert secret_fields == {"secret_access_key"}


def test_six_hosts_one_code_from_the_survey(ansible, world, emulator):
    before = len(world.calls())
    result = job(ansible, world, emulator, code=world.totp())
    assert (result.status, result.rc) == ("successful", 0), result.stdout
    calls = world.calls()[before:]
    assert [call.action for call in calls if call.coded] == ["GetSessionToken"]
    names = sorted(world.buckets)
    assert result.stdout.count(f"Buckets ({len(names)}): {', '.join(names)}") == HOSTS


def test_with_fact_storage_no_secret_reaches_the_artifacts(ansible, world, emulator):
    code = world.totp()
    result = job(ansible, world, emulator, code=code, fact_storage=True)
    # The playbook reads the registered result, which must keep working whatever the facts hold.
    assert (result.status, result.rc) == ("successful", 0), result.stdout
    obtained = ansible.sandbox.cached_secrets()
    assert len(obtained) == 2
    assert (result.artifacts / "fact_cache").is_dir(), "fact storage was not on"
    found = []
    for path, text in result.artifact_texts().items():
        name = str(path.relative_to(result.artifacts))
        # ansible-runner records the environment it was given in `command`, the credential's injected
        # keys among them, as it does under AWX: that file is the job engine's, not the collection's.
        secrets = obtained if name == "command" else obtained | {world.secret_access_key}
        found += [name for secret in secrets if secret in text]
        if re.search(rf"(?<![0-9]){code}(?![0-9])", text):
            found.append(f"{name} (the code)")
    assert found == [], f"secrets in the job's artifacts: {sorted(set(found))}"


def test_with_fact_storage_the_events_and_stdout_hold_no_secret(ansible, world, emulator):
    result = job(ansible, world, emulator, code=world.totp(), fact_storage=True)
    assert (result.status, result.rc) == ("successful", 0), result.stdout
    secrets = ansible.sandbox.cached_secrets() | {world.secret_access_key}
    assert len(secrets) == 3
    events = json.dumps(result.events())
    for secret in secrets:
        assert secret not in events
        assert secret not in result.stdout


def test_no_code_and_no_terminal_fails_at_once_with_one_line(ansible, world, emulator):
    # ansible-runner gives the job a pty but nobody types into it: a prompt would hang until the job
    # timeout, which ansible-runner reports as "timeout" rather than "failed".
    result = job(ansible, world, emulator, code=None, timeout=60)
    assert (result.status, result.rc) != ("successful", 0)
    assert result.status == "failed", f"the job ended as {result.status!r}:\n{result.stdout}"
    failures = [line for line in result.stdout.splitlines() if line.startswith("fatal:")]
    assert len(failures) == HOSTS, result.stdout
    assert all("needs an MFA code" in line and "-e mfa_code=" in line for line in failures), result.stdout
    assert "Traceback" not in result.stdout
    assert not any(call.coded for call in world.calls())
