"""write_profile on real files: concurrent writers under the controller lock, symlinks, damaged files worded safely."""

import configparser
import multiprocessing
import os
import stat

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._credentials_file import check_target, write_profile
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.plugin_utils._lock import device_lock
from tests.harness.files import NOBODY, as_user

CREDENTIALS = {
    "access_key": "ASIAEXAMPLEEXAMPLE00",
    "secret_key": "temporary-secret",
    "session_token": "temporary-token",
    "expiration": "2026-01-01T12:00:00+00:00",
}


# Every test here works in a home directory of its own (tests/unit/conftest.py).
pytestmark = pytest.mark.usefixtures("home")


def sections(path):
    parser = configparser.RawConfigParser()
    parser.read(path)
    return sorted(parser.sections())


def _write_one(path, profile):
    for _round in range(5):
        write_profile(path, profile, {**CREDENTIALS, "session_token": f"token-{os.getpid()}-{_round}"}, lock=device_lock)


def test_forked_writers_under_the_controller_lock_keep_every_profile(home):
    path = str(home / ".aws" / "credentials")
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_write_one, args=(path, f"mfa-{number}")) for number in range(10)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert [writer.exitcode for writer in writers] == [0] * 10
    assert sections(path) == sorted(f"mfa-{number}" for number in range(10))


def test_the_lock_is_named_after_the_file_a_symlink_leads_to(home):
    (home / "real").write_text("")
    (home / "link").symlink_to(home / "real")
    names = []

    def recording_lock(name):
        names.append(name)
        return device_lock(name)

    write_profile(str(home / "real"), "a", CREDENTIALS, lock=recording_lock)
    write_profile(str(home / "link"), "b", CREDENTIALS, lock=recording_lock)
    assert len(names) == 2 and names[0] == names[1]
    assert names[0].startswith("mfa-aws-credentials-")


def test_a_symlinked_file_is_updated_through_the_link(home):
    (home / "dotfiles").mkdir()
    target = home / "dotfiles" / "credentials"
    target.write_text("[keep]\naws_access_key_id = AKIAKEEPME\naws_secret_access_key = secret\n")
    (home / ".aws").mkdir()
    link = home / ".aws" / "credentials"
    link.symlink_to(os.path.join("..", "dotfiles", "credentials"))
    assert write_profile(str(link), "mfa", CREDENTIALS) is True
    assert link.is_symlink()
    assert sections(target) == ["keep", "mfa"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_dangling_symlink_gets_its_target_made(home):
    (home / "credentials").symlink_to(home / "elsewhere")
    write_profile(str(home / "credentials"), "mfa", CREDENTIALS)
    assert (home / "credentials").is_symlink()
    assert sections(home / "elsewhere") == ["mfa"]


def test_a_missing_aws_directory_is_made_private_whatever_the_umask(home):
    previous = os.umask(0)
    try:
        write_profile(str(home / ".aws" / "credentials"), "mfa", CREDENTIALS)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((home / ".aws").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / ".aws" / "credentials").stat().st_mode) == 0o600


def test_long_term_keys_written_meanwhile_are_still_refused(home):
    path = home / "credentials"
    assert check_target("mfa", str(path)) == str(path)
    path.write_text("[mfa]\naws_access_key_id = AKIAKEEPME\naws_secret_access_key = secret\n")
    with pytest.raises(MfaAwsError, match="holds long-term keys"):
        write_profile(str(path), "mfa", CREDENTIALS)
    assert "AKIAKEEPME" in path.read_text()


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("[keep]\naws_secret_access_key = wJalrXUtnFEMI\nSECONDHALFofTheKey\n", " (line 3)"),
        ("aws_secret_access_key = SECONDHALFofTheKey\n", " (line 1)"),
        ("[keep]\naws_secret_access_key = a\naws_secret_access_key = SECONDHALFofTheKey\n", " (line 3)"),
        ("[keep]\n[keep]\naws_secret_access_key = SECONDHALFofTheKey\n", " (line 2)"),
    ],
    ids=["wrapped-line", "no-section", "duplicate-option", "duplicate-section"],
)
def test_a_damaged_file_is_one_line_that_quotes_nothing_from_it(home, content, where):
    path = home / "credentials"
    path.write_text(content)
    with pytest.raises(MfaAwsError) as raised:
        check_target("mfa", str(path))
    message = str(raised.value)
    assert message == (
        f"credentials_file {path} can't be read as an AWS credentials file{where}: each line must be [profile], "
        "key = value, or a comment"
    )
    assert raised.value.__suppress_context__


def test_a_file_that_is_not_utf8_is_one_line_that_quotes_nothing_from_it(home):
    path = home / "credentials"
    path.write_bytes(b"[keep]\naws_secret_access_key = \xff\xfeSECRET\n")
    with pytest.raises(MfaAwsError, match=r"^credentials_file \S+ is not UTF-8 text$"):
        check_target("mfa", str(path))


# Another user's symlinks, the section of defaults, and long-term keys with an empty token line


def shared_dir(tmp_path):
    """A directory such as /tmp: sticky, writable by everyone, owned by root."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    return shared


def planted(link, target):
    """A symlink made by another user (the tests run as root, so it is made, then given away)."""
    link.symlink_to(target)
    os.lchown(link, NOBODY, NOBODY)
    return link


def test_another_users_symlink_in_a_shared_directory_is_refused_and_its_target_untouched(home, tmp_path):
    config = home / ".aws" / "config"
    config.parent.mkdir()
    config.write_text("# my settings\n[profile admin]\nregion = eu-west-1\n")
    link = planted(shared_dir(tmp_path) / "credentials", config)
    with pytest.raises(MfaAwsError, match=r"is a symlink of another user \(uid 65534\)"):
        check_target("mfa", str(link))
    with pytest.raises(MfaAwsError, match=r"is a symlink of another user \(uid 65534\)"):
        write_profile(str(link), "mfa", CREDENTIALS)
    assert config.read_text() == "# my settings\n[profile admin]\nregion = eu-west-1\n"


def test_another_users_symlink_on_the_way_to_the_file_is_refused(home, tmp_path):
    (home / ".aws").mkdir()
    directory = planted(shared_dir(tmp_path) / "dir", home / ".aws")
    with pytest.raises(MfaAwsError, match=r"is a symlink of another user"):
        check_target("mfa", str(directory / "config"))
    assert not (home / ".aws" / "config").exists()


def test_another_users_file_is_refused(home, tmp_path):
    theirs = shared_dir(tmp_path) / "credentials"
    theirs.write_text("")
    os.chown(theirs, NOBODY, NOBODY)
    with pytest.raises(MfaAwsError, match=r"belongs to another user \(uid 65534\)"):
        check_target("mfa", str(theirs))


def test_a_symlink_of_ones_own_in_a_shared_directory_still_works(home, tmp_path):
    target = home / "dotfiles-credentials"
    link = shared_dir(tmp_path) / "credentials"
    link.symlink_to(target)
    assert check_target("mfa", str(link)) == str(link)
    assert write_profile(str(link), "mfa", CREDENTIALS) is True
    assert link.is_symlink() and sections(target) == ["mfa"]


def test_the_section_of_defaults_is_refused_before_any_call(home):
    with pytest.raises(MfaAwsError, match=r"^write_profile: 'DEFAULT' is the INI file's section of defaults"):
        check_target("DEFAULT", str(home / "credentials"))


@pytest.mark.parametrize(
    "section",
    [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = long-term\naws_session_token =\n",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = long-term\naws_security_token = \n",
        "aws_secret_access_key = long-term\n",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = long-term\naws_session_token = x\n",
    ],
)
def test_long_term_keys_are_never_overwritten(home, section):
    path = home / "credentials"
    path.write_text(f"[mfa]\n{section}")
    with pytest.raises(MfaAwsError, match=r"holds long-term keys"):
        check_target("mfa", str(path))
    with pytest.raises(MfaAwsError, match=r"holds long-term keys"):
        write_profile(str(path), "mfa", CREDENTIALS)
    assert path.read_text() == f"[mfa]\n{section}"


def test_a_profile_of_temporary_keys_is_rewritten(home):
    path = home / "credentials"
    path.write_text("[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = old\n")
    assert check_target("mfa", str(path)) == str(path)
    assert write_profile(str(path), "mfa", CREDENTIALS) is True


def test_forty_links_are_followed_and_one_more_is_a_loop(home):
    # As the kernel counts (ELOOP past 40): a chain that long is a loop, not a path to a file.
    from ansible_collections.mfa.aws.plugins.module_utils._credentials_file import resolve

    target = home / ".aws" / "credentials"
    target.parent.mkdir(mode=0o700)
    target.write_text("")
    previous = target
    for index in range(41):
        link = home / f"link{index:02d}"
        link.symlink_to(previous)
        previous = link
    assert resolve(str(home / "link39")) == str(target)
    with pytest.raises(MfaAwsError, match=r"link40: too many levels of symbolic links$"):
        resolve(str(home / "link40"))


def test_a_credentials_file_that_cant_be_read_is_one_line(home):
    from ansible_collections.mfa.aws.plugins.module_utils._credentials_file import _read

    (home / "credentials").mkdir()
    with pytest.raises(MfaAwsError, match=r"^credentials_file .*/credentials can't be read: Is a directory$"):
        _read(str(home / "credentials"))


@pytest.mark.skipif(os.geteuid() != 0, reason="makes files as another user: needs root")
def test_a_user_other_than_root_follows_roots_symlink_to_their_own_file(reachable):
    # Root may replace anything anyway: an administrator's link to the user's file is as trusted as their own.
    own = reachable / "nobody"
    own.mkdir(mode=0o700)
    (own / "credentials").write_text("")
    os.chown(own, NOBODY, NOBODY)
    os.chown(own / "credentials", NOBODY, NOBODY)
    link = reachable / "credentials"
    link.symlink_to(own / "credentials")
    outcome = as_user(NOBODY, lambda: check_target("mfa", str(link)))
    assert outcome == {"returned": str(link)}


@pytest.mark.parametrize("name", ["bad name", "a]b", "x" * 65, "new\nline", "semi;colon"])
def test_a_profile_name_botocore_could_not_read_back_is_refused_in_one_line(home, name):
    with pytest.raises(MfaAwsError, match=r"^write_profile: .* is not a usable profile name \(1-64 letters") as raised:
        check_target(name, str(home / "credentials"))
    assert "\n" not in str(raised.value)


def test_a_directory_symlink_on_the_way_is_followed_to_the_file(home):
    from ansible_collections.mfa.aws.plugins.module_utils._credentials_file import resolve

    (home / ".aws").mkdir(mode=0o700)
    (home / "dotaws").symlink_to(home / ".aws")
    assert resolve(str(home / "dotaws" / "credentials")) == str(home / ".aws" / "credentials")


def test_a_directory_in_the_files_place_is_refused(home):
    (home / "credentials").mkdir()
    with pytest.raises(MfaAwsError, match=r"^credentials_file \S+: \S+/credentials is not a regular file$"):
        check_target("mfa", str(home / "credentials"))


def test_a_file_in_a_directory_others_can_write_is_refused(home):
    # Anyone could replace the file between our check and our write, or plant a symlink in its place.
    loose = home / "loose"
    loose.mkdir()
    loose.chmod(0o777)
    with pytest.raises(MfaAwsError, match=r"^credentials_file \S+: .*loose is writable by others"):
        check_target("mfa", str(loose / "credentials"))


def test_the_same_credentials_again_change_nothing_and_check_mode_writes_nothing(home):
    path = home / "credentials"
    assert write_profile(str(path), "mfa", CREDENTIALS, check_mode=True) is True
    assert not path.exists()
    assert write_profile(str(path), "mfa", CREDENTIALS) is True
    written = path.read_text()
    assert write_profile(str(path), "mfa", CREDENTIALS) is False
    renewed = {**CREDENTIALS, "session_token": "renewed-token"}
    assert write_profile(str(path), "mfa", renewed, check_mode=True) is True
    assert path.read_text() == written


def test_a_link_repointed_while_the_credentials_were_bought_is_refused(home):
    # What was checked before the call is checked again under the lock: a link that now leads elsewhere is not
    # followed to a file nobody checked.
    import contextlib

    (home / "first").write_text("")
    (home / "second").write_text("# untouched\n")
    link = home / "credentials"
    link.symlink_to(home / "first")

    @contextlib.contextmanager
    def repointing_lock(name):
        link.unlink()
        link.symlink_to(home / "second")
        yield

    with pytest.raises(MfaAwsError, match=r"^credentials_file \S+ changed while the credentials were bought; run again$"):
        write_profile(str(link), "mfa", CREDENTIALS, lock=repointing_lock)
    assert (home / "second").read_text() == "# untouched\n" and (home / "first").read_text() == ""


def test_a_file_that_cant_be_written_is_one_line(home, monkeypatch):
    import errno

    from ansible_collections.mfa.aws.plugins.module_utils import _credentials_file

    def full_disk(path, write):
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(_credentials_file, "write_private_file", full_disk)
    with pytest.raises(MfaAwsError, match=r"^credentials_file \S+ can't be written: No space left on device$"):
        write_profile(str(home / "credentials"), "mfa", CREDENTIALS)


def test_a_path_resolves_to_one_spelling_of_the_file(home):
    # The lock is named after the resolved path: one file must resolve to one string, however it is reached.
    from ansible_collections.mfa.aws.plugins.module_utils._credentials_file import resolve

    (home / ".aws").mkdir(mode=0o700)
    (home / ".aws" / "real").write_text("")
    (home / ".aws" / "credentials").symlink_to("./real")
    (home / "aws").symlink_to(str(home / ".aws") + "//")
    assert resolve(str(home / ".aws" / "credentials")) == str(home / ".aws" / "real")
    assert resolve(str(home / "aws" / "credentials")) == str(home / ".aws" / "real")
    # A file (and directories) not made yet: the path as it will be, also through a link into them.
    assert resolve(str(home / "new" / "dir" / "credentials")) == str(home / "new" / "dir" / "credentials")
    (home / "dangling").symlink_to("new/dir/credentials")
    assert resolve(str(home / "dangling")) == str(home / "new" / "dir" / "credentials")


def test_a_file_where_a_directory_should_be_is_one_line(home):
    from ansible_collections.mfa.aws.plugins.module_utils._credentials_file import resolve

    (home / "file").write_text("")
    with pytest.raises(MfaAwsError, match=r"^credentials_file \S+/file/credentials can't be read: Not a directory$"):
        resolve(str(home / "file" / "credentials"))
