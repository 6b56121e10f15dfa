"""A cache_dir that can't be written, for the tests of the cache and of the controller's private state.
(Faults injected into the emulator are cleared around every test by tests/conftest.py.)"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def mount_tmpfs(directory: Path, options: str) -> bool:
    if shutil.which("mount") is None or os.geteuid() != 0:
        return False
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], capture_output=True, check=False
        )
    except OSError:
        return False
    return done.returncode == 0


def unmount(directory: Path) -> None:
    subprocess.run(["umount", str(directory)], capture_output=True, check=False)
    if os.path.ismount(directory):
        subprocess.run(["umount", "-l", str(directory)], capture_output=True, check=False)


def fill(directory: Path) -> None:
    descriptor = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(descriptor, b"\0" * 512):
            pass
    except OSError:
        pass
    finally:
        os.close(descriptor)


@pytest.fixture(params=["full", "read-only"])
def unwritable_cache_dir(request, tmp_path):
    """A cache_dir where writes fail: a 4 KiB tmpfs filled up, or one mounted read-only.

    Both need root to mount. Without root the directory is made 0500 instead (writes fail with EACCES);
    as root without the right to mount, permissions would not stop root, so the test is skipped.
    """
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    cache_dir = mount_point / "cache"
    if request.param == "full":
        mounted = mount_tmpfs(mount_point, "size=4k,mode=0700")
        if mounted:
            cache_dir.mkdir(mode=0o700)
            fill(mount_point)
    else:
        mounted = mount_tmpfs(mount_point, "size=4k,mode=0700")
        if mounted:
            cache_dir.mkdir(mode=0o700)
            done = subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], capture_output=True, check=False)
            if done.returncode != 0:
                unmount(mount_point)
                mounted = False
    if not mounted:
        if os.geteuid() == 0:
            pytest.skip("no tmpfs could be mounted, and as root a read-only mode would not stop the writes")
        cache_dir.mkdir(mode=0o500)
    try:
        yield cache_dir, "No space left on device" if request.param == "full" and mounted else None
    finally:
        if mounted:
            unmount(mount_point)
        else:
            cache_dir.chmod(0o700)
