"""The ansible-core releases mfa.aws supports: each one is tested on a Python its controller runs on.

This is the one list: `make test-matrix` walks it, `make test` takes the default and the two ends,
meta/runtime.yml's requires_ansible starts at the oldest, and the README's table is checked against it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Release:
    #: The ansible-core minor release, as users name it ("2.16").
    core: str
    #: The patch release the matrix installs: a pin, so a venv built today is the venv built tomorrow.
    pin: str
    #: The controller Python the release is tested on (the oldest one it supports here).
    python: str

    @property
    def requirement(self) -> str:
        return f"ansible-core=={self.pin}"


RELEASES: tuple[Release, ...] = (
    Release("2.16", "2.16.19", "3.11"),
    Release("2.17", "2.17.14", "3.11"),
    Release("2.18", "2.18.19", "3.11"),
    Release("2.19", "2.19.14", "3.11"),
    # 2.20 and 2.21 need Python 3.12 or newer on the controller.
    Release("2.20", "2.20.10", "3.12"),
    Release("2.21", "2.21.5", "3.13"),
)

#: The release requirements-dev.txt installs, on which `make test` runs the full suite.
DEFAULT = "2.19"

OLDEST, NEWEST = RELEASES[0], RELEASES[-1]


def release(core: str) -> Release:
    for candidate in RELEASES:
        if candidate.core == core:
            return candidate
    raise KeyError(f"ansible-core {core} is not in the matrix: one of {', '.join(r.core for r in RELEASES)}")


def support_table() -> str:
    """The README's table of supported releases, as Markdown."""
    rows = ["| ansible-core | Tested release | Controller Python | Tests |", "|---|---|---|---|"]
    for each in RELEASES:
        runs = "full suite, ansible-test sanity" if each.core == DEFAULT else "smoke suite"
        if each in (OLDEST, NEWEST):
            runs += ", ansible-test sanity"
        rows.append(f"| {each.core} | {each.pin} | {each.python} | {runs} |")
    return "\n".join(rows)


def requires_ansible() -> str:
    """meta/runtime.yml's range: from the oldest release tested to the one after the newest."""
    major, minor = NEWEST.core.split(".")
    return f">={OLDEST.core}.0,<{major}.{int(minor) + 1}.0"
