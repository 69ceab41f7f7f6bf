"""The agency an article cites for its news ("... told Interfax", "— TASS", "сообщает РИА Новости")."""

from __future__ import annotations

import re

# Canonical agency name -> spellings in the languages we read. Data, not code: add a line for a new agency.
AGENCIES: dict[str, tuple[str, ...]] = {
    "Interfax": ("Interfax", "Интерфакс", "Интерфаксу", "Інтерфакс", "Інтерфаксу"),
    "Interfax-Ukraine": ("Interfax-Ukraine", "Интерфакс-Украина", "Інтерфакс-Україна"),
    "TASS": ("TASS", "ТАСС"),
    "RIA Novosti": ("RIA Novosti", "РИА Новости", "РИА Новостям", "РІА Новини"),
    "Ukrinform": ("Ukrinform", "Укринформ", "Укринформу", "Укрінформ", "Укрінформу"),
    "UNIAN": ("UNIAN", "УНИАН", "УНІАН"),
    "Reuters": ("Reuters", "Рейтер", "Reuters"),
    "AFP": ("AFP", "Agence France-Presse", "Франс Пресс"),
    "AP": ("Associated Press", "AP"),
    "RBC": ("RBC", "РБК"),
    "Suspilne": ("Suspilne", "Суспільне"),
}

# Patterns around an agency name {a}: attribution verbs and dateline dashes, English, Russian, Ukrainian.
_TEMPLATES = (
    r"\b(?:told|said to|according to|cited by|quoted by|in an interview with|reported by)\s+(?:the\s+)?{a}\b",
    r"\b{a}\s+(?:reported|reports|said|has learned|learned|cited)\b",
    r"[—–-]\s*{a}\b\s*[.,:]?",
    r"\({a}\)",
    r"\b(?:сообщает|сообщил[аи]?|передает|передаёт|заявил[аи]?|рассказал[аи]?|сообщили)\s+(?:агентству\s+|агентство\s+)?{a}",
    r"\b(?:повідомляє|повідомив|повідомила|повідомили|передає|заявив|заявила|розповів|розповіла)\s+(?:агентству\s+)?{a}",
    r"\b(?:корреспондент|кореспондент|корреспонденту|кореспондентові)\S*\s+{a}",
    r"\bпо данным\s+{a}|\bза даними\s+{a}|\bсо ссылкой на\s+{a}|\bз посиланням на\s+{a}",
)


def _compile() -> tuple[re.Pattern[str], dict[str, re.Pattern[str]]]:
    """One fast pattern finding any agency name, and per agency the slower attribution patterns."""
    names, contexts = [], {}
    for name, spellings in AGENCIES.items():
        alternatives = "|".join(re.escape(s) for s in sorted(set(spellings), key=len, reverse=True))
        names.append(alternatives)
        agency = rf"(?:{alternatives})(?![\w-])"
        pattern = "|".join(t.format(a=agency) for t in _TEMPLATES)
        contexts[name] = re.compile(pattern, re.IGNORECASE if name not in ("AP", "TASS") else 0)
    # Whole words only: a name inside a word ("ap" in "happened") is never cited, and anchoring at a word
    # start lets the scan skip most positions (ten times faster on long articles).
    return re.compile(rf"\b(?:{'|'.join(names)})(?!\w)", re.IGNORECASE), contexts


_ANY_NAME, _CONTEXTS = _compile()
_WINDOW = 80  # characters around a name that an attribution phrase spans


def cited_agency(text: str, own_agency: str | None = None) -> str | None:
    """The agency cited earliest in the text (not the outlet itself), or None.

    Names are found with one pattern; only the text around each is checked for an attribution phrase,
    which keeps this cheap on long articles.
    """
    for found in _ANY_NAME.finditer(text):
        window_start = max(0, found.start() - _WINDOW)
        window = text[window_start : found.end() + _WINDOW]
        best: tuple[int, str] | None = None
        for name, pattern in _CONTEXTS.items():
            if name == own_agency:
                continue
            match = pattern.search(window)
            if match and window_start + match.end() >= found.start() and (best is None or match.start() < best[0]):
                best = (match.start(), name)
        if best:
            return best[1]
    return None
