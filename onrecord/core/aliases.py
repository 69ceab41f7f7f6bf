"""Old import names kept for one release: `import storage`, `from nlp.extractor import …` still work, with a
DeprecationWarning, by aliasing every module under the old name to the same module object under the new one
(`storage.timeline` *is* `onrecord.storage.timeline`, never a second copy)."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from types import ModuleType


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The target module ran when it was imported under its own name."""


class _AliasFinder(importlib.abc.MetaPathFinder):
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(self.old + "."):
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(self.new + fullname[len(self.old) :]))


def alias(old: str, new: str) -> ModuleType:
    """Make the package `old` (and every module under it) a deprecated name of `new`; return `new`."""
    warnings.warn(
        f"the top-level package {old!r} is deprecated and goes in the next release; import {new!r} instead",
        DeprecationWarning,
        stacklevel=3,
    )
    module = importlib.import_module(new)
    if not any(isinstance(f, _AliasFinder) and f.old == old for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder(old, new))
    sys.modules[old] = module
    return module
