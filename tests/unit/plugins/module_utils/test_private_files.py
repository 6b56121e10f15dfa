"""Private directories and files, on a real file system: what is ours is used, what isn't is refused and left alone.

The tests run as root, for whom permission checks never fail: "another user" is made with os.chown to
NOBODY, and every refusal here comes from ownership and mode logic, not from EACCES.
"""

import errno
import json
import os
from datetime import UTC, datetime

import pytest

from ansible_collections.mfa.aws.plugins.module_utils import _private_files
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import (
    ensure_private_dir,
    open_private,
    read_private_json,
    runtime_dir,
    write_private_json,
)
from tests.harness.files import NOBODY, as_user, mode

# Every test here works in a home directory of its own (tests/unit/conftest.py).
pytestmark = pytest.mark.usefixtures("home")


def made(path, permissions=0o700, owner=None):
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, permissions)
    if owner is not None:
        os.chown(path, owner, owner)
    return path


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.fixture
def owner_dropping_umask():
    """A umask that takes the owner's own write and execute bits: mkdir(0700) alone makes 0400."""
    previous = os.umask(0o377)
    yield
    os.umask(previous)


# ensure_private_dir: creating


def test_missing_parents_and_the_directory_are_made_0700_whatever_the_umask(home, open_umask):
    target = home / ".aws" / "cli" / "cache"
    assert ensure_private_dir(str(target), "cache_dir") == []
    assert [mode(path) for path in (home / ".aws", home / ".aws" / "cli", target)] == [0o700] * 3


def test_made_directories_are_exactly_0700_under_a_umask_that_drops_owner_bits(home, owner_dropping_umask):
    target = home / ".aws" / "cli" / "cache"
    assert ensure_private_dir(str(target), "cache_dir") == []
    assert [mode(path) for path in (home / ".aws", home / ".aws" / "cli", target)] == [0o700] * 3


def test_a_tilde_path_is_made_in_the_home_directory(home):
    ensure_private_dir("~/cache")
    assert mode(home / "cache") == 0o700


def test_a_directory_made_meanwhile_by_another_user_is_refused(home, monkeypatch):
    target = home / "cache"
    real_mkdir = os.mkdir

    def another_user_first(path, *args):
        # Another user wins the race for the name between our check and our mkdir.
        if str(path) == str(target):
            real_mkdir(target)
            os.chmod(target, 0o777)
            os.chown(target, NOBODY, NOBODY)
        real_mkdir(path, *args)

    monkeypatch.setattr(_private_files.os, "mkdir", another_user_first)
    with pytest.raises(MfaAwsError, match=r"^cache_dir: .*/cache belongs to another user \(uid 65534\)"):
        ensure_private_dir(str(target), "cache_dir")
    assert mode(target) == 0o777


def test_a_directory_that_cannot_be_made_is_one_line(home):
    with pytest.raises(MfaAwsError, match=r"^cache_dir: .* can't be used: File name too long$"):
        ensure_private_dir(str(home / ("x" * 300)), "cache_dir")


# ensure_private_dir: the directory itself


def test_our_private_directory_is_used_as_it_is(home):
    target = made(home / "cache", 0o700)
    assert ensure_private_dir(str(target)) == []
    assert mode(target) == 0o700


def test_our_directory_open_to_others_is_tightened_with_a_warning(home):
    target = made(home / "cache", 0o755)
    warnings = ensure_private_dir(str(target), "cache_dir")
    assert warnings == [f"cache_dir {target} was readable by others (mode 755); it is now 700"]
    assert mode(target) == 0o700


def test_our_sticky_directory_that_others_cannot_write_is_not_shared_and_is_tightened(home):
    target = made(home / "cache", 0o1711)
    warnings = ensure_private_dir(str(target), "cache_dir")
    assert warnings == [f"cache_dir {target} was readable by others (mode 1711); it is now 700"]
    assert mode(target) == 0o700


def test_our_shared_sticky_directory_is_refused_and_left_shared(home):
    target = made(home / "drop", 0o1777)
    with pytest.raises(MfaAwsError, match=r"is a shared directory \(mode 1777\)"):
        ensure_private_dir(str(target), "cache_dir")
    assert mode(target) == 0o1777


@pytest.mark.parametrize("permissions", [0o700, 0o777])
def test_another_users_directory_is_refused_and_never_chmodded(home, permissions):
    target = made(home / "cache", permissions, NOBODY)
    with pytest.raises(MfaAwsError, match=r"^cache_dir: .* belongs to another user \(uid 65534\), who could read"):
        ensure_private_dir(str(target), "cache_dir")
    assert mode(target) == permissions


def test_a_file_in_the_directorys_place_is_refused(home):
    (home / "cache").write_text("")
    with pytest.raises(MfaAwsError, match=r"^cache_dir: .*/cache is not a directory$"):
        ensure_private_dir(str(home / "cache"), "cache_dir")


def test_a_symlink_of_ours_to_a_directory_of_ours_is_followed(home):
    target = made(home / "real", 0o755)
    (home / "link").symlink_to(target)
    assert ensure_private_dir(str(home / "link"))
    assert mode(target) == 0o700


def test_a_symlink_to_another_users_directory_is_refused(home):
    target = made(home / "theirs", 0o777, NOBODY)
    (home / "link").symlink_to(target)
    with pytest.raises(MfaAwsError, match=r"is a symlink to .*/theirs, which belongs to another user"):
        ensure_private_dir(str(home / "link"))
    assert mode(target) == 0o777


def test_another_users_symlink_is_refused_even_to_our_directory(home):
    target = made(home / "real", 0o700)
    (home / "link").symlink_to(target)
    os.lchown(home / "link", NOBODY, NOBODY)
    with pytest.raises(MfaAwsError, match=r"is a symlink of another user \(uid 65534\)"):
        ensure_private_dir(str(home / "link"))


def test_a_symlink_into_an_unsafe_place_is_refused(home, tmp_path):
    unsafe = made(tmp_path / "open", 0o777)
    target = made(unsafe / "cache", 0o700)
    (home / "link").symlink_to(target)
    with pytest.raises(MfaAwsError, match=r"open is writable by others \(mode 777\)"):
        ensure_private_dir(str(home / "link"))


# ensure_private_dir: the directories above


def test_a_parent_of_another_user_is_refused_and_nothing_is_made_in_it(home):
    parent = made(home / "theirs", 0o755, NOBODY)
    with pytest.raises(MfaAwsError, match=r"theirs belongs to another user \(uid 65534\), who could replace"):
        ensure_private_dir(str(parent / "cache"))
    assert not (parent / "cache").exists()


def test_a_parent_writable_by_others_is_refused_and_not_chmodded(home):
    parent = made(home / "open", 0o775)
    with pytest.raises(MfaAwsError, match=r"open is writable by others \(mode 775\).*chmod go-w"):
        ensure_private_dir(str(parent / "cache"))
    assert mode(parent) == 0o775
    assert not (parent / "cache").exists()


@pytest.mark.parametrize("exists", [True, False], ids=["existing", "to-be-made"])
def test_a_grandparent_writable_by_others_is_refused_not_only_the_parent(home, exists):
    # Whoever can write to the grandparent can rename the parent away and put one of theirs in its place.
    parent = made(made(home / "open", 0o777) / "private", 0o700)
    target = made(parent / "cache", 0o700) if exists else parent / "cache"
    with pytest.raises(MfaAwsError, match=r"^cache_dir: .*/open is writable by others \(mode 777\)"):
        ensure_private_dir(str(target), "cache_dir")
    assert exists or not target.exists()


def test_an_existing_directory_under_a_parent_writable_by_others_is_refused(home):
    target = made(made(home / "open", 0o777) / "cache", 0o700)
    with pytest.raises(MfaAwsError, match=r"open is writable by others"):
        ensure_private_dir(str(target))


def test_a_sticky_parent_of_roots_writable_by_all_is_fine(home):
    # As /tmp: others may add names, but can't remove or rename ours.
    parent = made(home / "tmp", 0o1777, 0)
    assert ensure_private_dir(str(parent / "cache")) == []
    assert mode(parent / "cache") == 0o700
    assert mode(parent) == 0o1777


def test_a_sticky_parent_of_another_user_is_refused(home):
    parent = made(home / "tmp", 0o1777, NOBODY)
    with pytest.raises(MfaAwsError, match=r"tmp belongs to another user"):
        ensure_private_dir(str(parent / "cache"))


def test_a_parent_of_roots_that_is_not_writable_by_others_is_fine(home):
    parent = made(home / "srv", 0o755, 0)
    assert ensure_private_dir(str(parent / "cache")) == []


def test_a_parent_that_is_a_file_is_refused(home):
    (home / "file").write_text("")
    with pytest.raises(MfaAwsError, match=r"file is not a directory$"):
        ensure_private_dir(str(home / "file" / "cache"))


def test_directories_above_the_home_directory_are_not_judged(tmp_path, monkeypatch):
    # As OpenSSH: the home directory is the last one checked, whatever holds it.
    above = made(tmp_path / "shared", 0o777)
    home = made(above / "alice", 0o755)
    monkeypatch.setenv("HOME", str(home))
    assert ensure_private_dir(str(home / ".aws" / "cli" / "cache")) == []


def test_the_home_directory_itself_is_judged(tmp_path, monkeypatch):
    home = made(tmp_path / "alice", 0o777)
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(MfaAwsError, match=r"alice is writable by others"):
        ensure_private_dir(str(home / ".aws"))


# runtime_dir


def account(monkeypatch, home):
    """The password database gives this user `home` (None: it has no entry for the user)."""
    import pwd

    real = pwd.getpwuid

    def getpwuid(uid):
        if home is None:
            raise KeyError(f"getpwuid(): uid not found: {uid}")
        fields = list(real(uid))
        fields[5] = str(home)
        return pwd.struct_passwd(fields)

    monkeypatch.setattr(pwd, "getpwuid", getpwuid)


def test_the_runtime_directory_is_in_the_home_directory(home, open_umask):
    assert runtime_dir() == str(home / ".ansible" / "mfa-aws" / "run")
    assert [mode(path) for path in (home / ".ansible", home / ".ansible" / "mfa-aws")] == [0o700, 0o700]


def test_the_runtime_directory_is_the_password_databases_home_whatever_home_and_xdg_say(tmp_path, monkeypatch):
    # A desktop terminal, cron, ssh without pam_systemd and sudo -u without -H give one user different
    # environments: they must share one lock and one record of codes sent.
    account_home = made(tmp_path / "alice", 0o755)
    account(monkeypatch, account_home)
    expected = str(account_home / ".ansible" / "mfa-aws" / "run")
    for home, xdg in ((tmp_path / "elsewhere", tmp_path / "run-user"), (tmp_path / "other", None)):
        monkeypatch.setenv("HOME", str(made(home, 0o755)))
        if xdg is None:
            monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
        else:
            monkeypatch.setenv("XDG_RUNTIME_DIR", str(made(xdg, 0o700)))
        assert runtime_dir() == expected
    assert not (tmp_path / "run-user" / "mfa-aws").exists()
    assert not (tmp_path / "elsewhere" / ".ansible").exists()


@pytest.mark.parametrize("entry", ["none", "missing-directory"])
def test_without_a_home_in_the_password_database_home_serves(home, tmp_path, monkeypatch, entry):
    # A container's arbitrary uid has no entry, or one whose home was never made: $HOME is all there is.
    account(monkeypatch, None if entry == "none" else tmp_path / "nonexistent")
    assert runtime_dir() == str(home / ".ansible" / "mfa-aws" / "run")


@pytest.mark.parametrize("home_variable", [None, "", "relative/home"])
def test_no_home_at_all_is_one_line(monkeypatch, home_variable):
    # A relative HOME would put the lock and the record of codes sent wherever the process happens to start.
    account(monkeypatch, None)
    if home_variable is None:
        monkeypatch.delenv("HOME")
    else:
        monkeypatch.setenv("HOME", home_variable)
    with pytest.raises(MfaAwsError, match=r"^runtime directory: user \d+ has no home directory"):
        runtime_dir()


def test_no_usable_runtime_directory_is_one_line(home):
    made(home / ".ansible", 0o700, NOBODY)
    with pytest.raises(MfaAwsError, match=r"^runtime directory: .*\.ansible belongs to another user"):
        runtime_dir()


# open_private


def test_a_new_file_is_made_0600_whatever_the_umask(tmp_path, open_umask):
    descriptor = open_private(str(tmp_path / "lock"), os.O_RDWR | os.O_CREAT)
    try:
        assert not os.get_inheritable(descriptor)
        assert os.get_blocking(descriptor)
    finally:
        os.close(descriptor)
    assert mode(tmp_path / "lock") == 0o600


def test_a_symlink_is_never_followed_even_when_dangling(tmp_path):
    (tmp_path / "lock").symlink_to(tmp_path / "planted")
    with pytest.raises(OSError) as raised:
        open_private(str(tmp_path / "lock"), os.O_RDWR | os.O_CREAT)
    assert raised.value.errno == errno.ELOOP
    assert not (tmp_path / "planted").exists()


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "lock")
    with pytest.raises(OSError, match="not a regular file"):
        open_private(str(tmp_path / "lock"), os.O_RDONLY)


def test_a_refused_file_leaves_no_descriptor_open(tmp_path):
    # A lookup runs in every forked worker and the program for every AWS command: a leak per refusal adds up.
    os.mkfifo(tmp_path / "lock")
    (tmp_path / "theirs").write_text("")
    os.chown(tmp_path / "theirs", NOBODY, NOBODY)
    before = sorted(os.listdir("/proc/self/fd"))
    for name in ("lock", "theirs"):
        with pytest.raises(OSError):
            open_private(str(tmp_path / name), os.O_RDONLY)
    assert sorted(os.listdir("/proc/self/fd")) == before


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(OSError, match="not a regular file"):
        open_private(str(tmp_path), os.O_RDONLY)


def test_another_users_file_is_refused(tmp_path):
    (tmp_path / "lock").write_text("")
    os.chown(tmp_path / "lock", NOBODY, NOBODY)
    with pytest.raises(OSError, match="owned by another user"):
        open_private(str(tmp_path / "lock"), os.O_RDWR | os.O_CREAT)


# read_private_json


def test_a_json_file_of_ours_is_read(tmp_path):
    (tmp_path / "entry.json").write_text('{"a": [1, 2]}')
    assert read_private_json(str(tmp_path / "entry.json"), 100) == {"a": [1, 2]}


def test_a_file_of_exactly_the_limit_is_read(tmp_path):
    (tmp_path / "entry.json").write_text(json.dumps("x" * 98))
    assert read_private_json(str(tmp_path / "entry.json"), 100) == "x" * 98


@pytest.mark.parametrize(
    "content",
    [
        json.dumps("x" * 99).encode(),  # one byte over the limit
        b"{not json",
        b'"\xff\xfe"',
        b"[" * 99,  # truncated
    ],
    ids=["too-big", "not-json", "not-utf8", "truncated"],
)
def test_damaged_content_is_a_miss(tmp_path, content):
    (tmp_path / "entry.json").write_bytes(content)
    assert read_private_json(str(tmp_path / "entry.json"), 100) is None


def test_nesting_too_deep_for_the_parser_is_a_miss(tmp_path):
    (tmp_path / "entry.json").write_text("[" * 200_000 + "]" * 200_000)
    assert read_private_json(str(tmp_path / "entry.json"), 1_000_000) is None


def test_a_missing_file_is_a_miss(tmp_path):
    assert read_private_json(str(tmp_path / "absent.json"), 100) is None


def test_a_symlink_to_good_json_is_a_miss(tmp_path):
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "entry.json").symlink_to(tmp_path / "real.json")
    assert read_private_json(str(tmp_path / "entry.json"), 100) is None


def test_another_users_json_is_a_miss(tmp_path):
    (tmp_path / "entry.json").write_text("{}")
    os.chown(tmp_path / "entry.json", NOBODY, NOBODY)
    assert read_private_json(str(tmp_path / "entry.json"), 100) is None


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_something_other_than_a_file_is_a_miss(tmp_path, kind):
    path = tmp_path / "entry.json"
    path.mkdir() if kind == "directory" else os.mkfifo(path)
    assert read_private_json(str(path), 100) is None


# write_private_json


def test_written_json_is_0600_whatever_the_umask_and_reads_back(tmp_path, open_umask):
    moment = datetime(2026, 1, 1, 12, tzinfo=UTC)
    write_private_json(str(tmp_path / "entry.json"), {"Expiration": moment})
    assert mode(tmp_path / "entry.json") == 0o600
    assert read_private_json(str(tmp_path / "entry.json"), 1000) == {"Expiration": "2026-01-01T12:00:00+00:00"}


def test_a_write_replaces_another_users_file_and_a_planted_symlink_rather_than_using_them(tmp_path):
    (tmp_path / "elsewhere").write_text("untouched")
    (tmp_path / "entry.json").symlink_to(tmp_path / "elsewhere")
    write_private_json(str(tmp_path / "entry.json"), {"a": 1})
    assert (tmp_path / "elsewhere").read_text() == "untouched"
    assert not (tmp_path / "entry.json").is_symlink()
    assert read_private_json(str(tmp_path / "entry.json"), 100) == {"a": 1}


def test_the_temporary_file_is_synced_to_disk_before_it_replaces_the_old_one(tmp_path, monkeypatch):
    # A crash after the rename but before the data reached the disk would leave an empty or partial file.
    steps = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        # What is synced must be the whole file, not what Python still holds in its buffer.
        assert os.fstat(descriptor).st_size == len('{"a": 1}')
        steps.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        real_fsync(descriptor)

    def replace(source, target):
        steps.append(("replace", str(source)))
        real_replace(source, target)

    monkeypatch.setattr(_private_files.os, "fsync", fsync)
    monkeypatch.setattr(_private_files.os, "replace", replace)
    write_private_json(str(tmp_path / "entry.json"), {"a": 1})
    assert [step for step, _path in steps] == ["fsync", "replace"]
    assert steps[0][1] == steps[1][1]  # the file synced is the one renamed
    assert read_private_json(str(tmp_path / "entry.json"), 100) == {"a": 1}


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    directory = made(tmp_path / "cache")
    write_private_json(str(directory / "entry.json"), {"a": 1})
    with pytest.raises(TypeError):
        write_private_json(str(directory / "entry.json"), {"a": object()})
    assert os.listdir(directory) == ["entry.json"]
    assert read_private_json(str(directory / "entry.json"), 100) == {"a": 1}


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a directory as another user: needs root")
def test_a_user_other_than_root_trusts_roots_parents_as_well_as_their_own(reachable):
    # Root may replace anything anyway, so its directories (/, /home, a sticky /tmp) are trusted by every user;
    # run as root, the tests can't tell root's directories from their own.
    shared = made(reachable / "tmp", 0o1777, 0)
    own = made(shared / "nobody", 0o755, NOBODY)
    outcome = as_user(NOBODY, lambda: ensure_private_dir(str(own / "cache"), "cache_dir", str(reachable)))
    assert outcome == {"returned": []}
    assert (own / "cache").stat().st_uid == NOBODY and mode(own / "cache") == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a directory as another user: needs root")
def test_a_user_other_than_root_follows_roots_symlink_to_their_own_directory(reachable):
    # An administrator's link (say /var/cache/mfa-aws -> the user's directory) is as trusted as root's directories.
    own = made(reachable / "nobody", 0o700, NOBODY)
    link = reachable / "link"
    link.symlink_to(own)
    assert link.lstat().st_uid == 0
    assert as_user(NOBODY, lambda: ensure_private_dir(str(link), "cache_dir", str(reachable))) == {"returned": []}
