"""The layering of the one namespace: each layer imports only the layers below it.

    onrecord.core  <  onrecord.storage  <  onrecord.nlp  <  onrecord.crawlers  <  the app (the rest of onrecord)

Read from the source with `ast`, so a forbidden import fails here even inside a function body.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {
    "onrecord.crawlers": ROOT / "crawlers",
    "onrecord.nlp": ROOT / "nlp",
    "onrecord.storage": ROOT / "storage",
    "onrecord": ROOT / "onrecord",
}
LAYERS = ["onrecord.core", "onrecord.storage", "onrecord.nlp", "onrecord.crawlers", "onrecord"]
OLD_NAMES = ("nlp", "storage", "crawlers")


def layer_of(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if module == layer or module.startswith(layer + "."):
            return i
    raise AssertionError(module)


def modules() -> list[tuple[str, Path]]:
    out = []
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            if (
                package == "onrecord"
                and name.startswith("onrecord.")
                and name.split(".")[1] in ("config", "errors", "records", "config_reference")
            ):
                continue  # the deprecated one-release aliases of onrecord.core.*
            out.append((name, path))
    return out


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_the_tree_is_read():
    names = {name for name, _ in modules()}
    assert {
        "onrecord.core.config",
        "onrecord.storage.timeline",
        "onrecord.nlp.extractor",
        "onrecord.crawlers.run",
        "onrecord.cli",
    } <= names


def test_each_layer_imports_only_the_layers_below_it():
    wrong = []
    for name, path in modules():
        for line, imported in imports(path):
            top = imported.split(".")[0]
            if top in OLD_NAMES:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports the old top-level name {imported}")
            elif top == "onrecord" and imported != "onrecord" and layer_of(imported) > layer_of(name):
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({name}) imports the higher layer {imported}")
    assert not wrong, "\n".join(wrong)


def test_a_forbidden_import_is_caught(tmp_path):
    """The check itself can fail: a storage module importing the app is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from onrecord.cli import main\n")
    ((_, imported),) = imports(bad)
    assert layer_of(imported) > layer_of("onrecord.storage.bad")


@pytest.mark.parametrize(
    "old,new,sub",
    [
        ("storage", "onrecord.storage", "timeline"),
        ("nlp", "onrecord.nlp", "extractor"),
        ("crawlers", "onrecord.crawlers", "urls"),
    ],
)
def test_old_names_still_import_with_a_warning(tmp_path, old, new, sub):
    """Outside the checkout (where the folders themselves would shadow it), the installed alias is used: the old
    name warns and gives the very same module object."""
    code = (
        f"import warnings; warnings.simplefilter('error', DeprecationWarning)\n"
        f"try:\n    import {old}.{sub}\nexcept DeprecationWarning as w:\n    print('warned:', w)\n"
        f"warnings.simplefilter('ignore')\nimport {old}.{sub}, {new}.{sub}\n"
        f"print({old}.{sub} is {new}.{sub})\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert f"warned: the top-level package '{old}' is deprecated" in out.stdout
    assert out.stdout.strip().endswith("True")
