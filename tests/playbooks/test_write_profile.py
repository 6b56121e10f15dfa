"""write_profile on the controller: every fork's profile kept, a symlinked file kept a symlink, no line quoted."""

import configparser
import os
import stat

from tests.playbooks.plays import mfa, play, task

SESSION = "mfa.aws.sts_mfa_session"


def profiles(path):
    parser = configparser.RawConfigParser()
    parser.read(path)
    return parser


def test_ten_forks_writing_their_own_profiles_keep_all_ten(ansible, world):
    options = {**mfa(world), "write_profile": "mfa-{{ inventory_hostname }}"}
    result = ansible.run(play(task(SESSION, options), hosts="all"), world=world, hosts=10, forks=10).assert_ok()
    assert result.count("GetSessionToken", coded=True) == 1
    written = profiles(ansible.sandbox.aws_credentials_file)
    assert sorted(written.sections()) == [f"mfa-host{number:02d}" for number in range(1, 11)]


def test_a_symlinked_credentials_file_stays_a_symlink_and_its_target_gets_the_profile(ansible, world):
    dotfiles = ansible.sandbox.home / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "aws-credentials"
    target.write_text("[keep]\naws_access_key_id = AKIAKEEPME\naws_secret_access_key = secret\n")
    link = ansible.sandbox.aws_credentials_file
    link.symlink_to(os.path.join("..", "dotfiles", "aws-credentials"))
    options = {**mfa(world), "write_profile": "mfa"}
    result = ansible.run(play(task(SESSION, options, "session"), save=("session",)), world=world).assert_ok()
    assert result.json("localhost-session")["changed"] is True
    assert link.is_symlink()
    assert os.readlink(link) == os.path.join("..", "dotfiles", "aws-credentials")
    written = profiles(target)
    assert written.get("mfa", "aws_session_token") == result.json("localhost-session")["credentials"]["session_token"]
    assert written.get("keep", "aws_access_key_id") == "AKIAKEEPME"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [name for name in os.listdir(dotfiles) if name != "aws-credentials"] == []


def test_a_wrapped_secret_line_is_not_quoted_in_the_message(ansible, world):
    # An editor wrapped the secret key: its second half stands alone on a line, which configparser rejects.
    ansible.sandbox.aws_credentials_file.write_text(
        "[keep]\naws_access_key_id = AKIAKEEPME\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\nbPxRfiCYSECONDHALF\n"
    )
    options = {**mfa(world), "write_profile": "mfa"}
    result = ansible.run(play(task(SESSION, options)), world=world, verbosity=3)
    result.assert_failed(
        match=r"credentials_file \S+ can't be read as an AWS credentials file \(line 4\): each line must be "
        r"\[profile\], key = value, or a comment\""
    )
    assert "SECONDHALF" not in result.output
    assert "wJalrXUtnFEMI" not in result.output
    assert result.calls == []


NOBODY = 65534


def test_another_users_symlink_as_credentials_file_is_refused_before_any_call(ansible, world, tmp_path):
    config = ansible.sandbox.aws_config_file
    config.write_text("# alice's settings\n[profile admin]\nregion = eu-west-1\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    # Another local user plants the name first, pointing at a file of alice's.
    link = shared / "mfa-credentials"
    link.symlink_to(config)
    os.lchown(link, NOBODY, NOBODY)
    options = {**mfa(world), "write_profile": "mfa", "credentials_file": str(link)}
    result = ansible.run(play(task(SESSION, options)), world=world)
    result.assert_failed(match=r"is a symlink of another user \(uid 65534\)")
    assert result.calls == []
    assert config.read_text() == "# alice's settings\n[profile admin]\nregion = eu-west-1\n"


def test_the_section_of_defaults_is_refused_before_any_call(ansible, world):
    result = ansible.run(play(task(SESSION, {**mfa(world), "write_profile": "DEFAULT"})), world=world)
    result.assert_failed(match=r"write_profile: 'DEFAULT' is the INI file's section of defaults")
    assert "Traceback" not in result.output
    assert result.calls == []


def test_long_term_keys_with_an_empty_token_line_are_kept(ansible, world):
    keys = "[mfa]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = long-term\naws_session_token =\n"
    ansible.sandbox.aws_credentials_file.write_text(keys)
    result = ansible.run(play(task(SESSION, {**mfa(world), "write_profile": "mfa"})), world=world)
    result.assert_failed(match=r"write_profile: profile mfa in \S+ holds long-term keys")
    assert result.calls == []
    assert ansible.sandbox.aws_credentials_file.read_text() == keys
