"""The configuration reference of the README, generated from the config models' descriptions.

`python -m onrecord.config_reference` prints it; a test checks the README carries the current text.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from onrecord.config import Config

LIST_SECTIONS = ("parties", "topics", "claim_types", "sources")


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
        if isinstance(value, BaseModel):
            return "(section)"
    else:
        value = field.default
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
                rows += _rows(nested, key + ("[]" if name in LIST_SECTIONS else ""))
            continue
        rows.append(f"| `{key}` | {_default(field)} | {field.description or ''} |")
    return rows


def config_reference() -> str:
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for section, field in Config.model_fields.items():
        model = _model_of(field.annotation)
        lines.append(f"| `{section}` | | {(model.__doc__ or '').strip().splitlines()[0] if model and model.__doc__ else ''} |")
        lines += _rows(model, section + ("[]" if section in LIST_SECTIONS else "")) if model else []
    return "\n".join(lines)


if __name__ == "__main__":
    print(config_reference())
