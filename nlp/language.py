"""The language of an article's text: by script and letters for en/ru/uk, else the page's or source's default."""

from __future__ import annotations

import re

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")
_UKRAINIAN_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_RUSSIAN_ONLY = re.compile(r"[ыэъёЫЭЪЁ]")


def detect_language(text: str, declared: str | None = None, default: str = "en") -> str:
    """'uk', 'ru' or 'en' from the text when the script makes it clear; else the declared or default language.

    Ukrainian and Russian share most letters; each has letters the other lacks (і ї є ґ / ы э ъ ё),
    which in a few hundred words decide reliably.
    """
    sample = text[:5000]
    cyrillic, latin = len(_CYRILLIC.findall(sample)), len(_LATIN.findall(sample))
    declared = (declared or "").split("-")[0].split("_")[0].lower() or None
    if cyrillic > latin:
        uk, ru = len(_UKRAINIAN_ONLY.findall(sample)), len(_RUSSIAN_ONLY.findall(sample))
        if uk > ru:
            return "uk"
        if ru > uk:
            return "ru"
        return declared if declared in ("ru", "uk") else (default if default in ("ru", "uk") else "ru")
    if latin and declared in (None, "ru", "uk"):
        return "en" if default in ("ru", "uk") else default
    return declared or default
