"""What crosses into the crawler process is plain data; each kind of source has its link extractor; the fetch
outcomes are listed once and described everywhere they are shown."""

from __future__ import annotations

import pickle
import re
import typing
from pathlib import Path

import yaml

from onrecord.core.config import Config, SourceConfig
from onrecord.core.records import FETCH_OUTCOMES
from onrecord.crawlers.links import LINK_EXTRACTORS
from onrecord.crawlers.settings import scrapy_settings

PLAIN = (str, int, float, bool, type(None))
ROOT = Path(__file__).resolve().parents[1]


def non_plain(value: object, path: str = "") -> list[str]:
    """Paths of the values that are not JSON-like plain data (str, number, bool, None, list, dict of str)."""
    if isinstance(value, PLAIN):
        return []
    if isinstance(value, (list, tuple)):
        return [p for i, item in enumerate(value) for p in non_plain(item, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [f"{path}.{k!r} (key)" for k in value if not isinstance(k, str)] + [
            p for k, item in value.items() for p in non_plain(item, f"{path}.{k}")
        ]
    return [f"{path}: {type(value).__name__}"]


def test_scrapy_settings_hold_only_plain_picklable_data(config, tmp_path):
    settings = scrapy_settings(config, str(tmp_path / "store.db"), force=True)
    assert non_plain(settings) == []
    assert pickle.loads(pickle.dumps(settings)) == settings


def test_the_crawler_process_rebuilds_the_same_config_from_the_settings(config, tmp_path):
    settings = scrapy_settings(config, str(tmp_path / "store.db"))
    assert Config.model_validate(settings["ONRECORD_CONFIG"]) == config
    assert settings["ONRECORD_DB_PATH"] == str(tmp_path / "store.db")


def test_every_kind_of_source_has_a_link_extractor():
    kinds = typing.get_args(SourceConfig.model_fields["kind"].annotation)
    assert set(LINK_EXTRACTORS) == set(kinds)


def test_the_fetches_outcome_column_describes_every_fetch_outcome():
    metadata = yaml.safe_load((ROOT / "onrecord" / "datasette" / "metadata.yaml").read_text(encoding="utf-8"))
    described = metadata["tables"]["fetches"]["columns"]["outcome"]
    missing = [o for o in FETCH_OUTCOMES if o not in re.findall(r"[\w-]+", described)]
    assert missing == []


def test_every_crawl_reads_robots_txt_with_the_middleware_that_gives_each_waiting_request_its_rules(config, tmp_path):
    """Scrapy's own middleware lets the third and later requests waiting for a host's robots.txt through unchecked
    (crawlers/robots.py; shown by the backfill's robots test). A crawl pass, a frontier fetcher and a backfill all
    build on these settings, so none of them may run Scrapy's."""
    from onrecord.crawlers.robots import WaitingRobotsTxtMiddleware

    middlewares = scrapy_settings(config, str(tmp_path / "s.db"))["DOWNLOADER_MIDDLEWARES"]
    assert middlewares["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None
    ours = "onrecord.crawlers.robots.WaitingRobotsTxtMiddleware"
    assert (
        ours in middlewares and ours == f"{WaitingRobotsTxtMiddleware.__module__}.{WaitingRobotsTxtMiddleware.__name__}"
    )
