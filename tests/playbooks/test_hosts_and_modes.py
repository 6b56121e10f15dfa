"""Many hosts, check mode and the registered values: one coded call, real credentials everywhere."""

from tests.playbooks.plays import mfa, play, task, with_credentials


def test_five_hosts_make_one_coded_call(ansible, world):
    playbook = play(task("mfa.aws.sts_mfa_session", mfa(world), register="session"), hosts="all", save=("session",))
    result = ansible.run(playbook, world=world, hosts=5, forks=5).assert_ok()
    assert result.count("GetSessionToken", coded=True) == 1
    sessions = [result.json(f"host{index:02d}-session") for index in range(1, 6)]
    assert len({session["credentials"]["access_key"] for session in sessions}) == 1
    assert sorted(session["cached"] for session in sessions) == [False, True, True, True, True]
    # The session's identity is read once too, before the other workers get the lock.
    assert result.count("GetCallerIdentity") == 1
    assert {session["identity"]["arn"] for session in sessions} == {world.user_arn}


def test_check_mode_returns_real_credentials(ansible, world):
    playbook = play(
        task("mfa.aws.sts_mfa_session", mfa(world), register="session"),
        task("mfa.aws.s3_bucket_list", with_credentials("aws_mfa_session"), register="listing"),
        save=("session", "listing"),
    )
    result = ansible.run(playbook, world=world, check=True).assert_ok()
    session, listing = result.json("localhost-session"), result.json("localhost-listing")
    assert session["credentials"]["access_key"].startswith("ASIA")
    assert session["identity"]["arn"] == world.user_arn
    assert sorted(bucket["name"] for bucket in listing["buckets"]) == sorted(world.buckets)
    assert session["changed"] is False


def test_the_result_is_hidden_from_output_but_registered_whole(ansible, world):
    playbook = play(task("mfa.aws.sts_mfa_session", mfa(world), register="session"), save=("session",))
    result = ansible.run(playbook, world=world, verbosity=1).assert_ok()
    session = result.json("localhost-session")
    credentials = session["credentials"]
    assert session["environment"] == {
        "AWS_ACCESS_KEY_ID": credentials["access_key"],
        "AWS_SECRET_ACCESS_KEY": credentials["secret_key"],
        "AWS_SESSION_TOKEN": credentials["session_token"],
    }
    assert session["ansible_facts"]["aws_mfa_session"] == credentials
    assert credentials["expiration"].endswith("+00:00")
    assert "the output has been hidden" in result.stdout
    assert credentials["secret_key"] not in result.output


def test_a_named_fact(ansible, world):
    options = {**mfa(world), "fact_name": "prod_creds"}
    lookup = "    - name: Check the fact\n      ansible.builtin.assert:\n        that: prod_creds.session_token | length > 0\n"
    ansible.run(play(task("mfa.aws.sts_mfa_session", options), lookup), world=world).assert_ok()


def test_the_modules_never_connect_to_the_hosts_they_run_for(ansible, world, tmp_path):
    # The exchange runs on the controller: a host that can't be reached over SSH, or a network device behind a
    # persistent connection, still gets its credentials, and nothing is started or made on it.
    import sysconfig

    def on(host, connection):
        lines = "".join(f"    {name}: {value}\n" for name, value in connection.items())
        steps = play(task("mfa.aws.sts_mfa_session", {**mfa(world, code)}, register="session"), hosts=host,
                     save=("session",))
        return steps.replace("  gather_facts: false\n", f"  gather_facts: false\n  vars:\n{lines}", 1)

    code = world.totp()
    unreachable = {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 1}
    device = {"ansible_connection": "ansible.netcommon.network_cli", "ansible_network_os": "cisco.ios.ios",
              "ansible_host": "127.0.0.1", "ansible_port": 1}
    # network_cli comes with the `ansible` package, in site-packages.
    env = {"ANSIBLE_COLLECTIONS_PATH": f"{ansible.collections.root}:{sysconfig.get_paths()['purelib']}"}
    # Where a persistent connection's helper would put its socket: too long a path for one, so a helper started for
    # the task would fail it. None is started.
    env["ANSIBLE_PERSISTENT_CONTROL_PATH_DIR"] = str(tmp_path / ("socket-directory-" + "x" * 100))
    result = ansible.run(on("host01", unreachable) + on("host02", device), world=world, hosts=2, env=env).assert_ok()
    assert [result.json(f"host0{index}-session")["identity"]["arn"] for index in (1, 2)] == [world.user_arn] * 2
    assert result.count("GetSessionToken", coded=True) == 1
    assert not list(ansible.sandbox.remote_tmp.glob("ansible-tmp-*"))


def test_async_is_refused_before_any_call(ansible, world):
    # The exchange runs in the controller's worker, under its lock: there is no job to leave running on a host.
    steps = play(task("mfa.aws.sts_mfa_session", mfa(world), extra="      async: 30\n      poll: 1\n"))
    result = ansible.run(steps, world=world)
    # ansible-core 2.19 and later name the action; earlier releases do not.
    result.assert_failed(match=r"This action \(mfa\.aws\.sts_mfa_session\) does not support async|async is not supported")
    assert result.calls == []
