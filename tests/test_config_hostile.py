"""Hostile or careless config files: short one-line errors, URLs and intervals checked, alias bombs refused."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from onrecord.core.config import MAX_ERROR_CHARS, ConfigError, config_from_dict, load_config


def source(**changes) -> dict:
    return {"sources": [{"id": "s", "name": "S", "url": "https://example.org/feed.xml", **changes}]}


@pytest.mark.parametrize(
    "url",
    [
        "http://",
        "https://example.org:99999/feed",
        "https://exa mple.org/feed",
        "https://example.org/a b",
        "ftp://example.org/feed",
        "https://example.org:0/",
        "https://example.org/\x00",
        "http://[::1/feed",
    ],
)
def test_bad_source_urls_are_refused_in_one_short_line(url):
    with pytest.raises(ConfigError, match=r"sources\[0\]\.url") as err:
        config_from_dict(source(url=url))
    assert "\n" not in str(err.value) and len(str(err.value)) <= MAX_ERROR_CHARS + 40


@pytest.mark.parametrize("url", ["https://example.org/feed.xml", "http://127.0.0.1:8765/feed", "https://[::1]:8080/x"])
def test_good_source_urls_pass(url):
    assert config_from_dict(source(url=url)).sources[0].url == url


@pytest.mark.parametrize("interval", ["0m", "3s", "59s", "0.5m"])
def test_intervals_below_the_floor_are_refused(interval):
    with pytest.raises(ConfigError, match=r"sources\[0\]\.interval: .* shorter than scheduler\.min_interval"):
        config_from_dict(source(interval=interval))


def test_the_floor_is_lowered_explicitly():
    config = config_from_dict({**source(interval="3s"), "scheduler": {"min_interval": "1s"}})
    assert config.sources[0].interval_seconds == 3


def test_a_huge_value_is_not_echoed_back():
    with pytest.raises(ConfigError) as err:
        config_from_dict({"project": {"name": "x" * 40_000, "unknown": 1}})
    assert len(str(err.value)) <= MAX_ERROR_CHARS + 40
    with pytest.raises(ConfigError) as err:
        config_from_dict(source(url="https://example.org/" + "a b" * 20_000))
    assert len(str(err.value)) <= MAX_ERROR_CHARS + 40


BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)]
    + ["project: {name: *i}"]
)


def test_a_yaml_alias_bomb_is_refused_in_one_line(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="alias") as err:
        load_config(path)
    assert len(str(err.value)) <= MAX_ERROR_CHARS
    # and through the CLI: one line on stderr, exit code 2
    result = subprocess.run(
        [sys.executable, "-m", "onrecord", "status", "--config", str(path), "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and "alias" in result.stderr
