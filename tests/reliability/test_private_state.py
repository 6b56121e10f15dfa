"""What the controller keeps between forks and runs is trusted only if it is the user's own.

A cache_dir of another user, a shared directory, a symlink planted as the lock file, loose parents: each
is refused in one line, before any call, and left as it was found. Some of these need the cache to open
its directory and files through module_utils/_private_files.py; those are marked until it does.
"""

import hashlib
import os
import shutil

from tests.harness.files import NOBODY, mode
from tests.playbooks.plays import mfa, play, task
from tests.reliability.support import SESSION, assert_clean_success, assert_one_clean_line


def lock_path(ansible, world):
    """The device's lock file, as the exchange names it, in the user's runtime directory."""
    name = hashlib.sha256(world.mfa_serial.encode()).hexdigest()[:20]
    return ansible.sandbox.ansible_home / "mfa-aws" / "run" / f"mfa-aws-{name}.lock"


def test_a_symlink_planted_as_the_lock_file_is_refused_and_not_followed(ansible, world, tmp_path):
    lock = lock_path(ansible, world)
    lock.parent.mkdir(parents=True, mode=0o700)
    planted = tmp_path / "root-would-create-this"
    lock.symlink_to(planted)
    result = ansible.run(play(task(SESSION, mfa(world))), world=world)
    assert_one_clean_line(result, r"the controller's lock \S+ can't be opened \(.*\); nothing was sent to AWS")
    assert result.calls == []
    assert not planted.exists()
    assert lock.is_symlink()


def test_the_lock_is_kept_out_of_cache_dir(ansible, world, tmp_path):
    cache_dir = tmp_path / "cache"
    assert_clean_success(ansible.run(play(task(SESSION, {**mfa(world), "cache_dir": str(cache_dir)})), world=world))
    assert not [name for name in os.listdir(cache_dir) if name.endswith(".lock")]
    assert mode(lock_path(ansible, world)) == 0o600
    assert mode(lock_path(ansible, world).parent) == 0o700


def test_credentials_planted_in_another_users_cache_dir_are_not_used(ansible, world, tmp_path):
    own = tmp_path / "own"
    assert_clean_success(ansible.run(play(task(SESSION, {**mfa(world), "cache_dir": str(own)})), world=world))
    # Another user offers a cache_dir holding a session entry of their choosing.
    theirs = tmp_path / "theirs"
    shutil.copytree(own, theirs)
    for path in (theirs, *theirs.iterdir()):
        os.chown(path, NOBODY, NOBODY)
    theirs.chmod(0o777)
    reuse = {"mfa_serial_number": world.mfa_serial, "cache_dir": str(theirs)}
    result = ansible.run(play(task(SESSION, reuse)), world=world)
    assert_one_clean_line(result, r"cache_dir: \S+ belongs to another user \(uid 65534\)")
    assert result.calls == []
    assert mode(theirs) == 0o777
    assert os.stat(theirs).st_uid == NOBODY


def test_a_shared_sticky_directory_given_as_cache_dir_is_refused_and_stays_shared(ansible, world, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    result = ansible.run(play(task(SESSION, {**mfa(world), "cache_dir": str(shared)})), world=world)
    assert_one_clean_line(result, r"cache_dir: \S+ is a shared directory \(mode 1777\)")
    assert result.calls == []
    assert mode(shared) == 0o1777


def test_parents_made_for_cache_dir_are_private_under_umask_000(ansible, world):
    cache_dir = ansible.sandbox.home / "fresh" / "cli" / "cache"
    previous = os.umask(0)  # ansible-playbook inherits it
    try:
        result = ansible.run(play(task(SESSION, {**mfa(world), "cache_dir": str(cache_dir)})), world=world)
    finally:
        os.umask(previous)
    assert_clean_success(result)
    assert [mode(path) for path in (cache_dir.parent.parent, cache_dir.parent, cache_dir)] == [0o700] * 3


def test_an_unwritable_cache_dir_still_spends_a_code_once(ansible, world, unwritable_cache_dir):
    """The code is sent once; the hosts that can't share its credentials say why, in one line."""
    cache_dir, _full = unwritable_cache_dir
    options = {**mfa(world), "cache_dir": str(cache_dir)}
    result = ansible.run(play(task(SESSION, options), hosts="all"), world=world, hosts=4, forks=4)
    assert result.count("GetSessionToken", coded=True) == 1
    assert result.count() == result.count("GetSessionToken") + result.count("GetCallerIdentity")
    recap = result.recap
    assert sorted(recap[host]["failed"] for host in ("host01", "host02", "host03", "host04")) == [0, 1, 1, 1]
    assert result.output.count("fatal: ") == 3
    assert result.output.count("the MFA session it bought is not in this cache_dir") >= 3


def test_cache_false_works_with_an_unwritable_cache_dir(ansible, world, unwritable_cache_dir):
    cache_dir, _full = unwritable_cache_dir
    options = {**mfa(world), "cache": False, "cache_dir": str(cache_dir)}
    assert_clean_success(ansible.run(play(task(SESSION, options)), world=world))


def test_two_cache_dirs_never_send_one_code_twice(ansible, world, tmp_path):
    code = world.totp()
    first = task(SESSION, {**mfa(world, code), "cache_dir": str(tmp_path / "a")})
    second = task(SESSION, {**mfa(world, code), "cache_dir": str(tmp_path / "b")})
    result = ansible.run(play(first, second), world=world)
    assert_one_clean_line(
        result,
        "GetSessionToken was not called: the MFA code given \\(mfa_token\\) was sent to AWS at .* the MFA session it "
        "bought is not in this cache_dir \\(another cache_dir holds it",
    )
    assert result.count("GetSessionToken", coded=True) == 1


def test_one_user_has_one_lock_and_one_record_whatever_home_and_xdg_runtime_dir_say(ansible, world, tmp_path):
    """A desktop terminal, cron, ssh without pam_systemd, sudo -u without -H: one user, one record of codes."""
    code = world.totp()
    first = ansible.run(play(task(SESSION, {**mfa(world, code), "cache_dir": str(tmp_path / "a")})), world=world)
    assert_clean_success(first)
    (tmp_path / "xdg").mkdir(mode=0o700)
    (tmp_path / "other-home").mkdir(mode=0o700)
    elsewhere = {"XDG_RUNTIME_DIR": str(tmp_path / "xdg"), "HOME": str(tmp_path / "other-home")}
    second = task(SESSION, {**mfa(world, code), "cache_dir": str(tmp_path / "b")})
    result = ansible.run(play(second), world=world, env=elsewhere)
    assert_one_clean_line(
        result, "GetSessionToken was not called: the MFA code given \\(mfa_token\\) was sent to AWS at .* UTC"
    )
    assert result.count("GetSessionToken", coded=True) == 0
    assert not list((tmp_path / "xdg").iterdir()) and not list((tmp_path / "other-home").iterdir())
