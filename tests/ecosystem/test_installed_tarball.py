"""The built tarball, installed the way users install it, runs the seed scenario on its own."""

from pathlib import Path

from tests.harness.tarball import build_and_install


def test_the_installed_tarball_runs_the_session_seed(ansible, world, tmp_path: Path) -> None:
    copy = build_and_install(ansible, tmp_path)
    assert not copy.is_symlink() and (copy / "MANIFEST.json").is_file()

    result = ansible.run(
        copy / "playbooks" / "session_list_buckets.yml",
        world=world,
        extra_vars={"mfa_code": world.totp(), "mfa_serial": world.mfa_serial},
        # Only the installed copy: the checkout's tree is not on the path.
        env={"ANSIBLE_COLLECTIONS_PATH": str(copy.parents[2])},
    ).assert_ok()
    names = sorted(world.buckets)
    assert f"Buckets ({len(names)}): {', '.join(names)}" in result.stdout
    assert result.count("GetSessionToken", coded=True) == 1
