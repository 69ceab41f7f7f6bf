"""The configuration reference of the README, generated from the config models' descriptions.

`python -m onrecord.core.config_reference` prints it; a test checks the README carries the current text.
"""

from __future__ import annotations

from typing import Any, get_origin

from pydantic import BaseModel

from onrecord.core.config import Config

LIST_SECTIONS = ("parties", "topics", "claim_types", "sources", "watchlists")


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
        if isinstance(value, BaseModel):
            return "(section)"
    else:
        value = field.default
    if isinstance(value, dict):
        value = {k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in value.items()}
    return f"`{value!r}`" if value not in (None, {}, []) else ("`null`" if value is None else "empty")


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg)
        if found:
            return found
    return None


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        key = f"{prefix}.{name}" if prefix else name
        nested = _model_of(field.annotation)
        if nested and nested.__name__ != "LanguageConfig":
            if not prefix or name not in LIST_SECTIONS:
                is_list = name in LIST_SECTIONS or get_origin(field.annotation) is list
                if prefix and field.description:  # a nested entry says what it is, then its keys
                    rows.append(f"| `{key}` | {_default(field)} | {field.description} |")
                rows += _rows(nested, key + ("[]" if is_list else ""))
            continue
        rows.append(f"| `{key}` | {_default(field)} | {field.description or ''} |")
    return rows


def config_reference() -> str:
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for section, field in Config.model_fields.items():
        model = _model_of(field.annotation)
        lines.append(f"| `{section}` | | {field.description or ''} |")
        lines += _rows(model, section + ("[]" if section in LIST_SECTIONS else "")) if model else []
    return "\n".join(lines)


START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"


def with_reference(readme: str) -> str:
    """The README text with the block between the config-reference markers replaced by the current table."""
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{config_reference()}\n{END}{tail}"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if len(sys.argv) > 2 and sys.argv[1] == "--write":
        path = Path(sys.argv[2])
        path.write_text(with_reference(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(config_reference())
