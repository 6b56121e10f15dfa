"""The commands and code a page shows, read from its marked blocks: what the tests run and the demo prints is
what the page says.

A block is marked by an HTML comment on the line before its opening fence, as docs/awx.md marks its own:

    <!-- emulator-serve -->
    ```console
    $ .venv-demo/bin/python -m tests.emulator serve --state-file /tmp/aws-emulator.json
    AWS emulator listening on http://127.0.0.1:40377 (region eu-west-1)
    ```

In a console block a line starting with `$ ` is a command (continued on the next line after a trailing
backslash); the lines after it, up to the next command, are what it prints. Stdlib only: the demo reads it
from .venv-demo.
"""

import re
from dataclasses import dataclass
from pathlib import Path

_BLOCK = r"<!-- {name} -->\s*```(?P<language>[a-z]+)\n(?P<body>.*?)\n```"


@dataclass(frozen=True)
class Command:
    #: As typed, continuation lines included ("...\\\n    -e ...").
    text: str
    #: The lines the page shows it printing.
    output: tuple[str, ...]


def block(page: Path, name: str, language: str) -> str:
    """The body of the ```language block after `<!-- name -->` on the page."""
    match = re.search(_BLOCK.format(name=re.escape(name)), page.read_text(encoding="utf-8"), re.DOTALL)
    if not match or match["language"] != language:
        raise LookupError(f"{page.name} has no ```{language} block after <!-- {name} -->")
    return match["body"]


def commands(page: Path, name: str) -> list[Command]:
    """The commands of the console block after `<!-- name -->`, each with the output the page shows."""
    found: list[tuple[list[str], list[str]]] = []
    continued = False
    for line in block(page, name, "console").splitlines():
        if continued:
            found[-1][0].append(line)
        elif line.startswith("$ "):
            found.append(([line[2:]], []))
        elif found:
            found[-1][1].append(line)
        else:
            raise LookupError(f"{page.name}'s block <!-- {name} --> shows output before any command: {line!r}")
        continued = line.endswith("\\")
    return [Command("\n".join(text), tuple(output)) for text, output in found]


def names(page: Path) -> list[str]:
    """Every marked block's name, in page order."""
    return re.findall(r"<!-- ([a-z0-9-]+) -->\s*```", page.read_text(encoding="utf-8"))
