"""One MFA device, one lock: requests for different roles wait for each other, so one code makes one coded call.

Two processes run the exchange as the controller's plugins do (the cross-process lock, the token command), for
two roles of one device, on a cold cache, with one code. The first holds the device's lock while its token
command waits for the test; the second must wait for that same lock rather than go ahead under a lock of its own.
"""

import json
import subprocess
import textwrap

from tests.harness import PYTHON
from tests.harness.files import waiting_for_a_lock
from tests.harness.token_commands import GUARD, held_command, release, run_lines, wait_until
from tests.playbooks.plays import mfa_role
from tests.reliability.support import exchange_env

EXCHANGE = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[1])
    from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
    from ansible_collections.mfa.aws.plugins.module_utils._specs import ASSUME_ROLE_OPTIONS
    from ansible_collections.mfa.aws.plugins.module_utils._sts.exchange import run_role
    from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import Runtime
    from ansible_collections.mfa.aws.plugins.plugin_utils._lock import device_lock
    from ansible_collections.mfa.aws.plugins.plugin_utils._token_command import run_token_command

    options = ASSUME_ROLE_OPTIONS.validate(json.loads(sys.argv[2]))
    try:
        result = run_role(options, runtime=Runtime(device_lock, run_token_command, None))
    except MfaAwsError as error:
        print(json.dumps({"error": str(error)}))
    else:
        print(json.dumps({"access_key": result.as_dict()["access_key"], "cached": result.cached}))
    """
)


def start(tmp_path, collection, world, options):
    env = exchange_env(tmp_path, world)
    argv = [str(PYTHON), "-c", EXCHANGE, str(collection.root), json.dumps(options)]
    return subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_roles_of_one_device_take_one_lock_and_one_code_makes_one_coded_call(tmp_path, collection, world):
    (tmp_path / "home").mkdir(mode=0o700)
    command, runs, go = held_command(tmp_path)
    code = world.totp()
    common = {"mfa_serial_number": world.mfa_serial, "cache_dir": str(tmp_path / "cache")}
    admin, reader = mfa_role(world), world.roles["reader"]
    first = start(tmp_path, collection, world, {**common, "role_arn": admin.arn, "mfa_token_command": command})
    second = None
    try:
        wait_until(lambda: run_lines(runs) or first.poll() is not None, "the first request's token command")
        assert first.poll() is None, first.communicate()
        # The first holds the device's lock while its command waits; the second, for another role, gets there now.
        second = start(tmp_path, collection, world, {**common, "role_arn": reader.arn, "mfa_token": code})
        wait_until(lambda: waiting_for_a_lock({second.pid}) or second.poll() is not None, "the second request")
        assert second.poll() is None, f"the second request went ahead under a lock of its own: {second.communicate()}"
        release(go, code)
        answers = [json.loads(process.communicate(timeout=GUARD)[0]) for process in (first, second)]
    finally:
        if not go.exists():
            release(go, "000000")
        for process in (first, second):
            if process is not None:
                process.kill()
    assert answers[0]["access_key"].startswith("ASIA") and answers[0]["cached"] is False
    # The code bought the device's MFA session once; the second role was assumed with it, no code sent again.
    assert [(call.action, call.role_arn) for call in world.calls(coded=True)] == [("GetSessionToken", None)]
    assert answers[1]["access_key"].startswith("ASIA") and answers[1]["access_key"] != answers[0]["access_key"]
    assert sorted(call.role_arn for call in world.calls(action="AssumeRole", coded=False)) == sorted(
        [admin.arn, reader.arn]
    )
