"""Run the whole pipeline on the bundled demo: serve it on loopback, crawl, extract, build the timeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from onrecord.core.config import Config, SourceConfig
from onrecord.core.errors import OnrecordError
from onrecord.demo.server import SITE_DIR, DemoServer
from onrecord.storage.db import open_store, row_counts
from onrecord.storage.sources import sync_config

SOURCES_FILE = Path(__file__).resolve().parent / "sources.yaml"


def demo_sources(base_url: str, sources_file: Path = SOURCES_FILE) -> list[SourceConfig]:
    """The demo's sources, pointed at a server running at `base_url`."""
    raw = sources_file.read_text(encoding="utf-8").replace("{{BASE}}", base_url)
    return [SourceConfig.model_validate(item) for item in yaml.safe_load(raw)]


def demo_config(config: Config, base_url: str) -> Config:
    """The user's config with the demo's sources and loopback-friendly crawl settings (no delays)."""
    crawl = config.crawl.model_copy(update={"download_delay": 0.0, "autothrottle": False, "concurrent_per_domain": 8})
    return config.with_sources(demo_sources(base_url)).model_copy(update={"crawl": crawl})


@dataclass
class DemoResult:
    base_url: str
    crawl: dict
    extract: dict
    events: int
    counts: dict[str, int] = field(default_factory=dict)


DEFAULT_PORT = 8765  # fixed, so that article URLs (and so their ids) are the same on every run


def run_demo(
    config: Config, progress: Callable[[str], None] = print, site_dir: Path = SITE_DIR, port: int = DEFAULT_PORT
) -> DemoResult:
    """Crawl the demo site from loopback into config.storage.path, extract claims, and update the timeline."""
    from onrecord.crawlers.run import crawl
    from onrecord.nlp.run import extract_pending
    from onrecord.storage.timeline import update_events

    try:
        server = DemoServer(site_dir, port=port)
    except OSError as exc:
        raise OnrecordError(
            f"demo server: cannot listen on 127.0.0.1:{port} ({exc.strerror}); pass --port with a free port"
        ) from None
    with server:
        progress(f"demo site serving at {server.base_url}")
        cfg = demo_config(config, server.base_url)
        db = open_store(cfg.storage.path)
        sync_config(db, cfg)
        progress("crawling the demo outlets ...")
        summary = crawl(cfg, progress=progress, force=True)
    progress("extracting claims ...")
    extracted = extract_pending(cfg, db, progress=progress)
    progress("building the timeline ...")
    events = update_events(db, cfg)
    return DemoResult(
        base_url=server.base_url, crawl=summary.to_dict(), extract=extracted, events=events, counts=row_counts(db)
    )
