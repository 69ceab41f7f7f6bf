"""The text a feed entry carries (Atom content, RSS content:encoded, a long summary) as plain paragraphs.

Pure: it gets what feedparser parsed and never fetches anything. The page stays the first choice; this text
is kept for when the page cannot be fetched, is refused, or yields less (crawlers/pipelines.py).
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

# A summary shorter than this is a teaser, not the article; content of any length is the article's text.
SUMMARY_MIN_WORDS = 60
_BLOCKS = {"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "pre", "section"}
_SKIP = {"script", "style", "img", "figure", "figcaption", "iframe", "video", "audio", "noscript"}
_WORD = re.compile(r"\w+")


def html_to_paragraphs(fragment: str) -> str:
    """An HTML fragment -> its text, one block element per line, whitespace normalised; '' when none."""
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment:
        return " ".join(fragment.split())
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for node in list(root.iter(*_SKIP)):
        parent = node.getparent()
        if parent is not None:
            node.drop_tree()
    parts: list[str] = []
    line: list[str] = []

    def walk(node: Any) -> None:
        if not isinstance(node.tag, str):  # comments, processing instructions
            if node.tail:
                line.append(node.tail)
            return
        block = node.tag in _BLOCKS
        if block:
            flush()
        if node.text:
            line.append(node.text)
        for child in node:
            walk(child)
        if block:
            flush()
        if node.tail:
            line.append(node.tail)

    def flush() -> None:
        text = " ".join("".join(line).split())
        line.clear()
        if text:
            parts.append(text)

    walk(root)
    flush()
    return "\n".join(parts)


def entry_text(entry: Any) -> str | None:
    """The article text a feedparser entry carries, or None when it carries only a title or a teaser."""
    for content in entry.get("content") or []:
        value = content.get("value") if isinstance(content, dict) else None
        text = html_to_paragraphs(value) if isinstance(value, str) else ""
        if text:
            return text
    summary = entry.get("summary")
    text = html_to_paragraphs(summary) if isinstance(summary, str) else ""
    return text if len(_WORD.findall(text)) >= SUMMARY_MIN_WORDS else None


def word_count(text: str | None) -> int:
    return len(_WORD.findall(text or ""))
