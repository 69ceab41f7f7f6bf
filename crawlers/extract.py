"""HTML -> article fields (text, title, date, language, cited agency), or the reason it is not an article.

Pure: it gets the page text and its URL and never fetches anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from statistics import median

import lxml.html
import trafilatura
from lxml import etree

from onrecord.crawlers.agencies import cited_agency
from onrecord.crawlers.dates import page_date
from onrecord.crawlers.publishers import parse_fields
from onrecord.nlp.language import detect_language

# Phrases of paywall and subscription stubs, lower case (en, ru, uk).
PAYWALL_MARKERS = (
    "subscribe to continue reading",
    "subscribe to read",
    "this article is for subscribers",
    "to continue reading, subscribe",
    "already a subscriber",
    "this content is available to subscribers",
    "доступно только подписчикам",
    "оформите подписку",
    "чтобы продолжить чтение",
    "доступно лише передплатникам",
    "оформіть передплату",
)
_VIDEO = re.compile(r"<video\b|youtube\.com/embed|player\.vimeo\.com|<iframe[^>]+(?:video|player)", re.I)
_HTML_LANG = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2})", re.I)
_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]")
# A text shorter than min_article_words is still an article (a short official readout) when it has at
# least this many words, at least one sentence this long, and is not mostly the text of links.
SHORT_ARTICLE_WORDS = 25
SENTENCE_WORDS = 8
FEED_LONGER = 1.2  # the feed's text replaces the page's when it has more than this many times its words
INDEX_LINKS = 20  # a page of this many links and no prose is a listing
LEAD_SELECTOR = ".entry-summary, .p-summary, [itemprop~=description]"
LEAD_WORDS = (5, 120)  # a lead outside these bounds is a teaser box or a whole page, not a standfirst
_FURNITURE = {"nav", "header", "footer", "aside", "head", "form"}


@dataclass(frozen=True)
class Extraction:
    title: str
    text: str
    published: str | None
    language: str
    via: str | None
    page_date: str | None = None  # the date the page states in its metadata (crawlers/dates.py)
    text_source: str = "page"  # where the text came from: the page, or the feed entry (crawlers/work.py)


@dataclass(frozen=True)
class NotArticle:
    reason: str


_ANCHOR = re.compile(r"<a\b[^>]*>(.*?)</a>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def _looks_like_index(text: str, html: str) -> bool:
    """A list of headlines: many short lines, most of them the text of a link, and no real paragraph."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 12 or median(len(line) for line in lines) >= 70 or max(len(line) for line in lines) >= 200:
        return False
    anchors = {" ".join(_TAG.sub(" ", m).split()) for m in _ANCHOR.findall(html)}
    linked = sum(1 for line in lines if " ".join(line.split()) in anchors)
    return linked >= 0.6 * len(lines)


def _linked_share(text: str, html: str) -> float:
    """The share of the text's words that are the text of a link on the page (1.0: nothing but links)."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if not lines:
        return 1.0
    anchors = {" ".join(_TAG.sub(" ", m).split()) for m in _ANCHOR.findall(html)}
    total = sum(len(_WORD.findall(line)) for line in lines) or 1
    return sum(len(_WORD.findall(line)) for line in lines if line in anchors) / total


def _has_prose(text: str) -> bool:
    """At least one sentence: a run of SENTENCE_WORDS words or more ending in a full stop (or ! ?)."""
    return any(len(_WORD.findall(s)) >= SENTENCE_WORDS for s in _SENTENCE.findall(text))


def _not_article(html: str, text: str, pagetype: str | None, min_words: int) -> str | None:
    """Why the page is not an article, or None. A short text is refused for what the page is (a video,
    a list of links, a stub), not for being short: an official readout of 40 words is an article."""
    words = len(_WORD.findall(text))
    lowered = text.lower()
    if any(marker in lowered for marker in PAYWALL_MARKERS) and words < 3 * max(min_words, 50):
        return f"paywall stub ({words} words of text)"
    if words < min_words:
        if (pagetype or "").startswith("video") or _VIDEO.search(html):
            return f"video-only page ({words} words of text)"
        links = len(_ANCHOR.findall(html))
        linked = _linked_share(text, html)
        if linked >= 0.5:
            return f"index page ({links} links; {linked:.0%} of its {words} words of text are link text)"
        if words < SHORT_ARTICLE_WORDS or not _has_prose(text):
            if links >= INDEX_LINKS:
                return f"index page ({links} links and no prose: {words} words of text)"
            return f"too little text for an article ({words} words, at least {min_words} expected)"
    if _looks_like_index(text, html):
        return "index page (a list of headlines, not an article)"
    return None


def extract_article(
    html: str,
    url: str,
    *,
    default_language: str = "en",
    min_words: int = 60,
    own_agency: str | None = None,
    need_metadata: bool = True,
    parser: str | None = None,
) -> Extraction | NotArticle:
    """Extract the main text and metadata of a news page with trafilatura.

    Comments are left out and precision is favoured: on the article-extraction benchmark this raises
    token F1 from about 0.948 (trafilatura's defaults) to about 0.965 (benchmarks/extraction_quality.py).
    Title and date are read from the page only when `need_metadata` (the feed did not give them).
    A publisher `parser` (crawlers/publishers/) overrides the fields it finds.
    """
    if not html.strip():
        return NotArticle("empty body")
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        include_comments=False,
        favor_precision=True,
        with_metadata=need_metadata,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    assert not isinstance(doc, dict)  # a Document or None unless as_dict=True
    fields = _publisher_fields(parser, html, url)
    text = fields.get("text") or with_lead(html, (doc.text if doc is not None else "") or "")
    reason = _not_article(html, text, getattr(doc, "pagetype", None), min_words)
    if reason:
        return NotArticle(reason)
    lang_match = _HTML_LANG.search(html[:3000])
    language = detect_language(text, declared=lang_match.group(1) if lang_match else None, default=default_language)
    title = fields.get("title") or (doc.title if doc is not None else None) or ""
    published = fields.get("published") or ((doc.date or None) if doc is not None and need_metadata else None)
    return Extraction(
        title=" ".join(title.split()),
        text=text,
        published=published,
        language=language,
        via=cited_agency(text, own_agency),
        page_date=page_date(html),
    )


def prefer_feed_text(
    result: Extraction | NotArticle, feed_text: str, default_language: str = "en", own_agency: str | None = None
) -> Extraction | NotArticle:
    """The page's extraction, or the feed entry's text where the page gave none or less.

    The page stays first: its text is kept unless it was refused (or not had at all) or the feed's text is
    longer by more than FEED_LONGER (the extraction lost part of the article)."""
    feed_words = len(_WORD.findall(feed_text))
    if feed_words < SHORT_ARTICLE_WORDS:
        return result
    if isinstance(result, Extraction) and feed_words <= FEED_LONGER * len(_WORD.findall(result.text)):
        return result
    language = detect_language(feed_text, declared=None, default=default_language)
    if isinstance(result, Extraction):
        return replace(
            result, text=feed_text, language=language, via=cited_agency(feed_text, own_agency), text_source="feed"
        )
    return Extraction(
        title="",
        text=feed_text,
        published=None,
        language=language,
        via=cited_agency(feed_text, own_agency),
        text_source="feed",
    )


def _lead_text(html: str) -> str | None:
    """The page's marked-up lead (standfirst): the first element in the body marked as the entry's summary
    (microformats `entry-summary`/`p-summary`, schema.org `itemprop=description`) outside navigation."""
    try:
        tree = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    for node in tree.cssselect(LEAD_SELECTOR):
        if node.tag in ("meta", "link") or any(a.tag in _FURNITURE for a in node.iterancestors()):
            continue
        lead = " ".join(node.text_content().split())
        if LEAD_WORDS[0] <= len(_WORD.findall(lead)) <= LEAD_WORDS[1]:
            return lead
    return None


def with_lead(html: str, text: str) -> str:
    """The extracted text with the page's lead put first when the extraction left it out.

    Article bodies marked `itemprop=articleBody` often leave the lead (the sentence that says who did
    what) in a summary element above them, which the extractor does not take as part of the body."""
    if not text:
        return text
    lead = _lead_text(html)
    if not lead or _squash(lead) in _squash(text):
        return text
    return f"{lead}\n{text}"


def _squash(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _publisher_fields(parser: str | None, html: str, url: str) -> dict[str, str]:
    if not parser:
        return {}
    try:
        return parse_fields(parser, html, url)
    except (etree.ParserError, ValueError):  # a page lxml cannot read: the generic fields stand
        return {}
