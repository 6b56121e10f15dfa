# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's compiled code, kept between the processes of a run as Python keeps a module's bytecode.

For the collection's own use. ansible-core's collection loader compiles a collection's modules from source in
every process that imports them, and Ansible evaluates a lookup in vars in a freshly forked worker for every
host and task: compiling the modules a cache hit needs costs a worker more than the rest of the hit. The
lookups import this module before anything else of the collection; from then on, the process loads each of
the collection's modules through Ansible's own finder and loader as before, and Ansible's loader is handed the
code an earlier process compiled, when it was compiled from the same source, at the same path, by the same
Python and ansible-core.

The code is kept in the user's runtime directory (see _private_files.runtime_dir), one file per module, read
only when it is a regular file of ours, and written atomically with mode 0600; anything else, and any failure,
and the module is compiled as Ansible compiles it. Nothing is written when Python is told not to write
bytecode (PYTHONDONTWRITEBYTECODE, python -B).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import sys
from types import CodeType
from typing import Any, Callable

# Loaded as Ansible loads it, before the finder is installed: the finder needs it to trust its directory.
from ansible_collections.mfa.aws.plugins.module_utils._private_files import (
    ensure_private_dir,
    open_private,
    runtime_dir,
    write_private_file,
)

#: The collection's own modules: only their loading is touched.
_PREFIX = __name__.rsplit(".plugin_utils.", 1)[0] + "."
#: Ansible's collection loaders, the only ones whose compiling is taken over.
_ANSIBLE_LOADERS = "ansible.utils.collection_loader."
#: A module's code is far smaller; anything larger in the directory is not ours.
_MAX_BYTES = 4 * 1024 * 1024
_DIRECTORY = "compiled"


class CodeCache:
    """Compiled code by module, in one private directory."""

    def __init__(self, directory: str) -> None:
        from ansible.release import __version__

        self.directory = directory
        # What the code depends on besides its source and path: Python's bytecode (its tag; the magic number is
        # checked in the file too), asserts and docstrings (-O), and how ansible-core compiles (its release).
        self._compiler = "\0".join((sys.implementation.cache_tag or "", str(sys.flags.optimize), __version__))

    def path(self, fullname: str, filename: str) -> str:
        identity = "\0".join((fullname, filename, self._compiler))
        return os.path.join(self.directory, hashlib.sha256(identity.encode()).hexdigest()[:32] + ".code")

    @staticmethod
    def _header(source: bytes) -> bytes:
        return importlib.util.MAGIC_NUMBER + importlib.util.source_hash(source)

    def get(self, path: str, source: bytes) -> CodeType | None:
        """The code kept at `path` if it was compiled from exactly this source, else None."""
        try:
            descriptor = open_private(path, os.O_RDONLY)
        except OSError:
            return None
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
        header = self._header(source)
        if len(data) > _MAX_BYTES or not data.startswith(header):
            return None
        code = marshal.loads(data[len(header) :])
        return code if isinstance(code, CodeType) else None

    def put(self, path: str, source: bytes, code: CodeType) -> None:
        data = self._header(source) + marshal.dumps(code)
        # A text file's writer, given the bytes underneath: written whole, then renamed over the old one.
        write_private_file(path, lambda handle: handle.buffer.write(data))


class _Finder:
    """Finds the collection's modules through the other finders, and hands their loader the kept code."""

    def __init__(self) -> None:
        self._cache: CodeCache | None = None
        self._unusable = False

    def _code_cache(self) -> CodeCache | None:
        if self._cache is None and not self._unusable:
            try:
                directory = os.path.join(runtime_dir(), _DIRECTORY)
                ensure_private_dir(directory, "runtime directory")
                self._cache = CodeCache(directory)
            except Exception:  # no private directory: compiled as Ansible compiles, every time
                self._unusable = True
        return self._cache

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if not fullname.startswith(_PREFIX):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if (
            type(loader).__module__.startswith(_ANSIBLE_LOADERS)
            and callable(getattr(loader, "get_code", None))
            and callable(getattr(loader, "get_source", None))
            and (spec.origin or "").endswith(".py")
        ):
            loader.get_code = self._keeping(fullname, spec.origin, loader.get_code, loader.get_source)
        return spec

    def _keeping(
        self, fullname: str, filename: str, compiled: Callable[[str], Any], source_of: Callable[[str], Any]
    ) -> Callable[[str], Any]:
        def get_code(name: str) -> Any:
            cache = path = None
            with contextlib.suppress(Exception):  # no source to key it by, no directory: compiled as usual
                source = source_of(name)
                if isinstance(source, str):
                    source = source.encode("utf-8")
                if isinstance(source, bytes):
                    cache = self._code_cache()
                    path = cache.path(fullname, filename) if cache is not None else None
            if cache is None or path is None:
                return compiled(name)
            with contextlib.suppress(Exception):  # damaged or foreign: compiled again, below
                code = cache.get(path, source)
                if code is not None:
                    return code
            code = compiled(name)
            if not sys.dont_write_bytecode and isinstance(code, CodeType):
                with contextlib.suppress(Exception):  # a full disk: only the next process's time is lost
                    cache.put(path, source, code)
            return code

        return get_code


def install() -> None:
    """Put the finder first on sys.meta_path, once per process."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


install()
