"""The collection as users get it: built with ansible-galaxy from the checkout, then installed from the tarball."""

from pathlib import Path

from tests.harness.paths import REPO_ROOT
from tests.harness.runner import AnsibleRunner


def build_and_install(ansible: AnsibleRunner, workdir: Path) -> Path:
    """Build the tarball into workdir/dist, install it into workdir/installed; the installed collection's directory."""
    dist, installed = workdir / "dist", workdir / "installed"
    built = ansible.run_cli("ansible-galaxy", "collection", "build", str(REPO_ROOT), "--output-path", str(dist))
    assert built.rc == 0, built.describe("ansible-galaxy collection build failed")
    tarball = next(dist.glob("mfa-aws-*.tar.gz"))
    # --force: the checkout's own tree, on the sandbox's path, already holds mfa.aws 0.1.0.
    done = ansible.run_cli("ansible-galaxy", "collection", "install", str(tarball), "-p", str(installed), "--force")
    assert done.rc == 0, done.describe("ansible-galaxy collection install failed")
    return installed / "ansible_collections" / "mfa" / "aws"
