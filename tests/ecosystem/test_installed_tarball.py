"""The built tarball, installed the way users install it, runs the seed scenario on its own."""

from pathlib import Path

from tests.harness import REPO_ROOT


def test_the_installed_tarball_runs_the_session_seed(ansible, world, tmp_path: Path) -> None:
    dist, installed = tmp_path / "dist", tmp_path / "installed"
    built = ansible.run_cli("ansible-galaxy", "collection", "build", str(REPO_ROOT), "--output-path", str(dist))
    assert built.rc == 0, built.describe("ansible-galaxy collection build failed")
    tarball = next(dist.glob("mfa-aws-*.tar.gz"))
    # --force: the checkout's own tree, on the sandbox's path, already holds mfa.aws 0.1.0.
    done = ansible.run_cli("ansible-galaxy", "collection", "install", str(tarball), "-p", str(installed), "--force")
    assert done.rc == 0, done.describe("ansible-galaxy collection install failed")
    copy = installed / "ansible_collections" / "mfa" / "aws"
    assert not copy.is_symlink() and (copy / "MANIFEST.json").is_file()

    result = ansible.run(
        copy / "playbooks" / "session_list_buckets.yml",
        world=world,
        extra_vars={"mfa_code": world.totp(), "mfa_serial": world.mfa_serial},
        # Only the installed copy: the checkout's tree is not on the path.
        env={"ANSIBLE_COLLECTIONS_PATH": str(installed)},
    ).assert_ok()
    names = sorted(world.buckets)
    assert f"Buckets ({len(names)}): {', '.join(names)}" in result.stdout
    assert result.count("GetSessionToken", coded=True) == 1
