"""The language of an article's text, detected by lingua (lingua-language-detector).

The crawler calls it on every extracted text, and file mode on articles that come without a `language`.
Candidates are the languages the wires speak plus their neighbours, so that a Belarusian, Bulgarian or
Polish text is not taken for Ukrainian or Russian, and a German or French one not for English: an article
in a language without a pipeline in `nlp.languages` is then stored but not read for claims.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

CANDIDATES = (
    Language.ENGLISH,
    Language.RUSSIAN,
    Language.UKRAINIAN,
    Language.BELARUSIAN,
    Language.BULGARIAN,
    Language.POLISH,
    Language.GERMAN,
    Language.FRENCH,
    Language.SPANISH,
)
SAMPLE_CHARS = 800  # detection reads this much of the text, links and markup removed (1,500 decided the same)
LONG_SAMPLE = 120  # from this length lingua's low-accuracy mode is as good as its full models, and 3x faster
MIN_LETTERS = 12  # below this, the declared (page or source) language stands
_NOISE = re.compile(r"\(?\bhttps?://\S+|\bwww\.\S+|[*_#`>\[\]|]")  # links and Markdown read as another language
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=2)
def _detector(low_accuracy: bool) -> LanguageDetector:
    builder = LanguageDetectorBuilder.from_languages(*CANDIDATES)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


def detect_language(text: str, declared: str | None = None, default: str = "en") -> str:
    """ISO 639-1 code of the text's language ('en', 'ru', 'uk', ...); the declared language (a page's
    `lang`, normalised: 'ru-RU' -> 'ru') or else `default` when the text is too short or lingua is unsure."""
    sample = " ".join(_NOISE.sub(" ", text[: SAMPLE_CHARS * 2]).split())[:SAMPLE_CHARS]
    fallback = (declared or "").split("-")[0].split("_")[0].lower() or default
    if len(_LETTER.findall(sample, 0, 200)) < MIN_LETTERS:
        return fallback
    found = _detector(len(sample) >= LONG_SAMPLE).detect_language_of(sample)
    return found.iso_code_639_1.name.lower() if found is not None else fallback
