"""The files that decide what the extractor reads, for its version (nlp.extractor.Extractor.version).

They are found, not listed: the modules of onrecord.nlp that nlp/extractor.py imports, directly or through each
other (imports inside functions included, since the engines load their readers lazily), and the grammar files
in nlp/patterns/ those modules read. Corpus tools, training and scoring are not imported by the reading path,
so editing them leaves the version alone; the learned reader's weights are hashed by the reader itself.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

PACKAGE = "onrecord.nlp"
ROOT_MODULE = "extractor"
DATA_FOLDER = "patterns"  # the grammar files: nlp/patterns/<lang>.yaml, en_attribution.yaml
NLP_DIR = Path(__file__).resolve().parent


def _module_file(root: Path, dotted: str) -> Path | None:
    """The file of onrecord.nlp.<dotted> under `root`, None when there is none (a name imported from a module)."""
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """The onrecord.nlp modules a file imports (relative to the package: "claims", "learned.reader")."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name.startswith(PACKAGE + "."):
                found.add(name[len(PACKAGE) + 1 :])
    return found


def reading_files(root: Path = NLP_DIR) -> list[Path]:
    """The modules reachable by import from the extractor, their packages' __init__ files, and the grammar files."""
    seen: set[Path] = {root / "__init__.py"} if (root / "__init__.py").is_file() else set()
    todo = [ROOT_MODULE]
    while todo:
        dotted = todo.pop()
        parts = dotted.split(".")
        for depth in range(1, len(parts) + 1):  # a module's packages run their __init__ too
            path = _module_file(root, ".".join(parts[:depth]))
            if path is not None and path not in seen:
                seen.add(path)
                todo.extend(_imports(path))
    data = sorted((root / DATA_FOLDER).glob("*.yaml"))
    return sorted(seen) + data


def code_digest(root: Path = NLP_DIR) -> str:
    """A hash of the reading files' paths and contents."""
    digest = hashlib.sha256()
    for path in reading_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()
