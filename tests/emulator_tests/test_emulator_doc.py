"""docs/emulator.md runs as written after `make demo`: its marked blocks, in page order, in one shell.

The page's commands run the tools of `.venv-demo`; here they run those of the venv running the tests, which
holds the same ones (requirements-dev.txt includes requirements-demo.txt), and the page's /tmp/ paths move to
the test's own directory so that two runs never share a state file. Those are the only changes. What the page
shows a command printing must appear in what it prints, in order (`...` skips lines; ports and 6-digit codes
vary); a command the page shows failing with AWS's error must fail, and every other one must succeed.
"""

import importlib.metadata
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.doc_snippets import Command, block, commands, names
from tests.harness.paths import BIN_DIR, REPO_ROOT
from tests.installer import expanded

DOC = REPO_ROOT / "docs" / "emulator.md"
DEMO_REQUIREMENTS = REPO_ROOT / "requirements-demo.txt"
DEMO_BIN = ".venv-demo/bin/"
SERVE_BLOCK, PYTHON_BLOCK = "emulator-serve", "emulator-python"
#: Where the page saves its Python example.
SCRIPT = "/tmp/try_emulator.py"
VOLATILE = ((re.compile(r"127\.0\.0\.1:[0-9]+"), "127.0.0.1:PORT"), (re.compile(r"\b[0-9]{6}\b"), "NNNNNN"))


def as_run(text: str, workdir: Path) -> str:
    # The page's own /tmp paths first: the checkout itself may live under /tmp, as CI's clone may.
    return text.replace("/tmp/", f"{workdir}/").replace(DEMO_BIN, f"{BIN_DIR}/")


def normal(line: str) -> str:
    for pattern, stand_in in VOLATILE:
        line = pattern.sub(stand_in, line)
    return line.strip()


def assert_shows(command: Command, printed: str) -> None:
    """The lines the page shows for `command` appear, in order, among those it printed."""
    remaining = iter(normal(line) for line in printed.splitlines())
    for expected in command.output:
        if expected.strip() in ("", "..."):
            continue
        wanted = normal(expected)
        assert any(line == wanted for line in remaining), (
            f"docs/emulator.md shows `{command.text}` printing {expected!r}, which it did not:\n{printed}"
        )


def shell_environment(workdir: Path) -> dict[str, str]:
    """A user's shell: their PATH and a UTF-8 locale, a HOME of the test's own, and no AWS settings."""
    home = workdir / "home"
    home.mkdir(parents=True)
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The page's `serve` command, running in the background as the page has it: its state file and output."""
    (serve,) = commands(DOC, SERVE_BLOCK)
    state_file = Path(as_run("/tmp/aws-emulator.json", tmp_path))
    assert str(state_file) in as_run(serve.text, tmp_path)
    process = subprocess.Popen(
        ["/bin/sh", "-c", f"exec {as_run(serve.text, tmp_path)}"],
        cwd=REPO_ROOT,
        env=shell_environment(tmp_path / "serve"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not state_file.is_file():
            assert process.poll() is None, f"serve exited with {process.returncode}: {process.stdout.read()}"
            assert time.monotonic() < deadline, "serve wrote no state file within 120 s"
            time.sleep(0.1)
        yield state_file, serve.text
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output
    # It removes its state file when it stops, as the page says.
    assert not state_file.exists()
    assert_shows(serve, output)


def run_in_one_shell(steps: list[Command], workdir: Path) -> list[tuple[Command, str, int]]:
    """Runs the commands one after another in one /bin/sh, from the repository root: each one's output and status."""
    script = ["exec 2>&1"]
    for index, command in enumerate(steps):
        script += [
            f"printf '\\n@@@ {index} start\\n'",
            as_run(command.text, workdir),
            f"printf '\\n@@@ {index} rc=%s\\n' $?",
        ]
    done = subprocess.run(
        ["/bin/sh", "-c", "\n".join(script)],
        cwd=REPO_ROOT,
        env=shell_environment(workdir),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    results = []
    for index, command in enumerate(steps):
        match = re.search(rf"\n@@@ {index} start\n(.*?)\n@@@ {index} rc=([0-9]+)\n", done.stdout, re.DOTALL)
        assert match, f"`{command.text}` did not finish; the shell printed:\n{done.stdout[-4000:]}"
        results.append((command, match[1], int(match[2])))
    return results


def test_the_page_runs_as_written(served: tuple[Path, str], tmp_path: Path) -> None:
    blocks = names(DOC)
    assert blocks[0] == SERVE_BLOCK, "the page starts the emulator first"
    Path(as_run(SCRIPT, tmp_path)).write_text(block(DOC, PYTHON_BLOCK, "python"), encoding="utf-8")
    steps = [command for name in blocks if name not in (SERVE_BLOCK, PYTHON_BLOCK) for command in commands(DOC, name)]
    assert any(SCRIPT in command.text for command in steps), f"the page never runs {SCRIPT}"

    secret = json.loads(served[0].read_text(encoding="utf-8"))["world"]["secret_access_key"]
    for command, printed, status in run_in_one_shell(steps, tmp_path):
        refused = any("An error occurred" in line for line in command.output)
        assert (status != 0) if refused else (status == 0), f"`{command.text}` exited with {status}:\n{printed}"
        assert_shows(command, printed)
        # No command shows the demo user's secret key: `env`'s output goes to the shell, not the screen.
        assert secret not in printed


def scripts_by_distribution() -> dict[str, set[str]]:
    """The names each installed distribution puts in bin/, from its RECORD.

    Read as text: the `ansible` package's RECORD lists tens of thousands of files, and making a path object
    of each, once per tool, took seconds.
    """
    found: dict[str, set[str]] = {}
    for distribution in importlib.metadata.distributions():
        record = distribution.read_text("RECORD") or ""
        scripts = {
            path.rpartition("/")[2]
            for path in (line.rpartition(",")[0].rpartition(",")[0] for line in record.splitlines())
            if "/bin/" in f"/{path}"
        }
        found.setdefault(distribution.metadata["Name"].lower(), set()).update(scripts)
    return found


def test_what_the_page_runs_from_venv_demo_is_what_make_demo_installs() -> None:
    """The page's `.venv-demo/bin/...` tools come from packages that requirements-demo.txt names."""
    wanted = {
        re.split(r"[\s<>=!~;,\[]", line, maxsplit=1)[0].lower() for line in expanded(DEMO_REQUIREMENTS).splitlines()
    }
    page = DOC.read_text(encoding="utf-8")
    venvs = {
        path
        for name in names(DOC)
        if name != PYTHON_BLOCK
        for c in commands(DOC, name)
        for path in re.findall(r"([^\s$(=\"]*)/bin/", c.text)
    }
    assert venvs == {DEMO_BIN.removesuffix("/bin/")}, (
        f"the page runs tools from {venvs}; `make demo` makes only .venv-demo"
    )
    tools = set(re.findall(re.escape(DEMO_BIN) + r"([A-Za-z0-9_.-]+)", page)) - {"python"}
    assert tools >= {"ansible-galaxy", "ansible-playbook", "aws"}, tools
    installed_by = scripts_by_distribution()
    for tool in sorted(tools):
        providers = {name for name, scripts in installed_by.items() if tool in scripts}
        assert providers & wanted, (
            f"{DEMO_BIN}{tool} comes from {providers or 'nothing installed'}, not requirements-demo.txt"
        )
    # The Python example imports boto3 and the emulator, whose needs are in requirements-demo.txt too.
    assert {"boto3", "moto", "pyotp"} <= wanted
