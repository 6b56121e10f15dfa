"""Bad input is refused with one line naming the option, before any call to AWS: no code is burned."""

import re

import pytest

from tests.playbooks.plays import case_task, mfa, mfa_role, play, save_cases, task

ROLE = "arn:aws:iam::123456789012:role/Admin"

CASES = [
    ("mfa.aws.sts_mfa_session", {"mfa_token": "12345"}, "mfa_token: must be exactly the 6 digits your MFA device shows; got 5 digits"),
    ("mfa.aws.sts_mfa_session", {"mfa_token": "12345a"}, "mfa_token: must be exactly the 6 digits"),
    ("mfa.aws.sts_mfa_session", {"mfa_serial_number": "alice"}, "mfa_serial_number: must be 9-256 characters"),
    ("mfa.aws.sts_mfa_session", {"duration_seconds": 600}, "duration_seconds: must be from 900 to 129600 seconds, got 600"),
    ("mfa.aws.sts_mfa_session", {"duration_seconds": 129601}, "duration_seconds: must be from 900 to 129600 seconds"),
    ("mfa.aws.sts_mfa_session", {"mfa_serial_number": None}, "mfa_token: was given without mfa_serial_number: set the "
     r"MFA device's ARN \(arn:aws:iam::ACCOUNT:mfa/NAME\) as mfa_serial_number$"),
    ("mfa.aws.sts_mfa_session", {"access_key": "AKIAEXAMPLE123456789"}, "access_key was given without secret_key"),
    ("mfa.aws.sts_mfa_session", {"profile": "p", "access_key": "A", "secret_key": "B"}, "profile and access_key were both given"),
    ("mfa.aws.sts_mfa_session", {"endpoint_url": "127.0.0.1:5000"}, "endpoint_url: must start with https://"),
    ("mfa.aws.sts_mfa_session", {"fact_name": "1st"}, "fact_name: must be a valid variable name"),
    ("mfa.aws.sts_mfa_session", {"mfa_code": "123456"}, "Unsupported parameters"),
    ("mfa.aws.sts_mfa_assume_role", {"role_arn": "Admin"}, "role_arn: must be a role ARN such as arn:aws:iam::123456789012:role/NAME"),
    ("mfa.aws.sts_mfa_assume_role", {"role_arn": None}, "role_arn: required, unless profile names a role profile"),
    ("mfa.aws.sts_mfa_assume_role", {"role_session_name": "x"}, "role_session_name: must be 2-64 characters"),
    ("mfa.aws.sts_mfa_assume_role", {"duration_seconds": 43201}, "duration_seconds: must be from 900 to 43200 seconds, got 43201"),
    ("mfa.aws.sts_mfa_assume_role", {"external_id": "a b"}, "external_id: must be 2-1224 characters"),
    ("mfa.aws.sts_mfa_assume_role", {"policy": "{\"Version\": "}, "policy: is not valid JSON"),
    ("mfa.aws.sts_mfa_assume_role", {"policy": ["not", "a", "document"]}, "policy: must be a JSON object"),
    ("mfa.aws.sts_mfa_assume_role", {"policy_arns": ["arn:aws:iam::aws:role/x"]}, "policy_arns: 'arn:aws:iam::aws:role/x' is not"),
    ("mfa.aws.sts_mfa_assume_role", {"tags": {"a": "b"}, "transitive_tag_keys": ["c"]}, "transitive_tag_keys: names keys that are not in tags: c"),
    ("mfa.aws.sts_mfa_assume_role", {"source_identity": "aws:me"}, "source_identity: must be 2-256 characters"),
]


@pytest.fixture(scope="module")
def refusals(module_ansible, emulator):
    """Every case of CASES as a task of one play (a refusal does not end it), run once for all of them."""
    world = emulator.build_world()
    tasks = []
    for index, (module, options, _message) in enumerate(CASES):
        arguments = {**mfa(world), **({"role_arn": ROLE} if "assume_role" in module else {}), **options}
        arguments = {key: value for key, value in arguments.items() if value is not None}
        tasks.append(case_task(module, arguments, index))
    return module_ansible.run(play(*tasks, save_cases(len(CASES))), world=world)


def test_no_refusal_makes_a_call_or_shows_a_traceback(refusals):
    assert refusals.recap["localhost"]["ignored"] == len(CASES), refusals.describe("not every case was refused")
    assert refusals.calls == []
    assert "Traceback" not in refusals.output


@pytest.mark.parametrize(("index", "message"), [(index, case[2]) for index, case in enumerate(CASES)],
                         ids=[f"{c[0].split('.')[-1]}-{c[2][:28]}" for c in CASES])
def test_refused_before_any_call(refusals, index, message):
    outcome = refusals.json("localhost-cases")[index]
    assert outcome.get("failed") is True, outcome
    assert re.search(message, outcome["msg"]), outcome["msg"]
    assert "\n" not in outcome["msg"]


S3_CASES = [
    ({"page_size": 0}, "page_size: must be from 1 to 10000, got 0"),
    ({"max_buckets": 0}, "max_buckets: must be at least 1"),
    ({"bucket_region": "the-moon"}, "bucket_region: 'the-moon' is not a region code"),
    ({"prefix": "x" * 64}, "prefix: bucket names are at most 63 characters"),
]


@pytest.fixture(scope="module")
def s3_refusals(module_ansible, emulator):
    world = emulator.build_world()
    tasks = [case_task("mfa.aws.s3_bucket_list", options, index) for index, (options, _message) in enumerate(S3_CASES)]
    return module_ansible.run(play(*tasks, save_cases(len(S3_CASES))), world=world)


def test_no_s3_refusal_lists_anything(s3_refusals):
    assert s3_refusals.recap["localhost"]["ignored"] == len(S3_CASES), s3_refusals.describe("not every case failed")
    assert s3_refusals.listings == [] and "Traceback" not in s3_refusals.output


@pytest.mark.parametrize(("index", "message"), [(index, case[1]) for index, case in enumerate(S3_CASES)],
                         ids=[case[1].split(":")[0] for case in S3_CASES])
def test_s3_options_are_checked_before_listing(s3_refusals, index, message):
    outcome = s3_refusals.json("localhost-cases")[index]
    assert outcome.get("failed") is True and re.search(message, outcome["msg"]), outcome


def test_the_code_is_still_good_after_a_refused_request(ansible, world):
    # One character past the longest source identity AWS takes, then the longest (256 since botocore 1.44's model).
    code = world.totp()
    request = {**mfa(world, code), "role_arn": mfa_role(world).arn}
    bad = play(task("mfa.aws.sts_mfa_assume_role", {**request, "source_identity": "a" * 257}))
    ansible.run(bad, world=world).assert_failed(match="source_identity: must be 2-256 characters")
    good = play(task("mfa.aws.sts_mfa_assume_role", {**request, "source_identity": "a" * 256}))
    result = ansible.run(good, world=world).assert_ok()
    # The code buys the MFA session, whose credentials assume the role with the source identity.
    calls = [(call.action, call.coded, call.outcome) for call in result.calls]
    assert calls == [("GetSessionToken", True, "ok"), ("AssumeRole", False, "ok")]


def test_the_lookup_refuses_a_bad_code_before_any_call(ansible, world):
    lookup = (
        "    - name: Use the lookup\n"
        "      ansible.builtin.debug:\n"
        f"        msg: \"{{{{ lookup('mfa.aws.mfa_session', mfa_serial_number='{world.mfa_serial}', mfa_token='12') }}}}\"\n"
    )
    result = ansible.run(play(lookup), world=world)
    result.assert_failed(match="mfa_token: must be exactly the 6 digits your MFA device shows; got 2 digits")
    assert result.calls == []


def test_a_misspelt_module_option_names_the_option_meant(ansible, world):
    options = {**mfa(world), "durration_seconds": 900}
    result = ansible.run(play(task("mfa.aws.sts_mfa_session", options)), world=world)
    result.assert_failed(
        match=r"Unsupported parameters for \(mfa\.aws\.sts_mfa_session\) module: durration_seconds "
        r"\(did you mean duration_seconds\?\)\. Supported parameters include: "
    )
    assert result.calls == []


LOOKUP_WAYS = (
    "set the MFA device's ARN (arn:aws:iam::ACCOUNT:mfa/NAME) as mfa_serial_number='...' in the lookup, "
    "the environment variable MFA_AWS_SERIAL_NUMBER or mfa_serial_number in ansible.cfg's [mfa_aws]"
)


@pytest.mark.parametrize(
    ("keywords", "env", "ini", "said"),
    [
        # An empty variable reads as no serial at all: the line says which one was empty.
        ("mfa_token=code", {"MFA_AWS_SERIAL_NUMBER": ""}, "",
         "mfa_token: was given without mfa_serial_number, which is empty (from the environment variable "
         "MFA_AWS_SERIAL_NUMBER): "),
        ("mfa_serial_number=serial, mfa_token=code", {}, "",
         "mfa_token: was given without mfa_serial_number, which is empty (from the lookup's keyword): "),
        ("", {"MFA_AWS_TOKEN": "CODE"}, "",
         "mfa_token: was given (from the environment variable MFA_AWS_TOKEN) without mfa_serial_number: "),
        # ansible.cfg is named by its path, as Ansible names it.
        ("", {}, "mfa_token_command = true\n",
         "mfa_token_command: was given (from {cfg}) without mfa_serial_number: "),
        ("mfa_token=code", {}, "mfa_serial_number =\n",
         "mfa_token: was given without mfa_serial_number, which is empty (from {cfg}): "),
    ],
    ids=["empty-environment", "empty-keyword", "code-from-environment", "command-from-ansible.cfg", "empty-in-ansible.cfg"],
)
def test_a_lookups_code_without_its_device_says_every_way_to_set_it(ansible, world, keywords, env, ini, said):
    code = world.totp()
    env = {name: code if value == "CODE" else value for name, value in env.items()}
    if ini:
        with ansible.sandbox.ansible_cfg.open("a", encoding="utf-8") as config:
            config.write(f"\n[mfa_aws]\n{ini}")
    steps = play(
        "    - name: The lookup without a device\n"
        "      ansible.builtin.set_fact:\n"
        f"        creds: \"{{{{ lookup('mfa.aws.mfa_session', {keywords}) }}}}\"\n"
    )
    result = ansible.run(steps, world=world, env=env, extra_vars={"code": code, "serial": ""})
    result.assert_failed(match=re.escape(said.format(cfg=ansible.sandbox.ansible_cfg) + LOOKUP_WAYS))
    assert result.calls == []
