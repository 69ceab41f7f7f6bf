"""config.yaml is validated at load: each problem is one line naming the file, the key and what was expected."""

from __future__ import annotations

import pytest
import yaml

from conftest import REPO
from onrecord.core.config import load_config, parse_duration
from onrecord.core.errors import ConfigError


def write(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_repository_config_is_valid_and_uses_the_spec_party_ids(config):
    ids = {p.id for p in config.parties}
    assert {"russia", "ukraine", "usa", "eu", "un", "icrc"} <= ids
    assert {t.id for t in config.topics} >= {"prisoner-exchange", "peace-talks"}
    peskov = next(s for p in config.parties if p.id == "russia" for s in p.speakers if s.name == "Dmitry Peskov")
    assert "Kremlin" in (peskov.role or "")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("crawl:\n  timeot: 3\n", "crawl.timeot: unknown key"),
        ("crawl:\n  timeout: -1\n", "crawl.timeout: "),
        (
            "sources:\n  - {id: a, name: A, url: 'http://x', interval: soon}\n",
            "sources[0].interval: expected a duration",
        ),
        ("sources:\n  - {id: a, name: A, url: 'ftp://x'}\n", "sources[0].url: expected an http(s) URL"),
        ("sources:\n  - {id: a, url: 'http://x'}\n", "sources[0].name: required key is missing"),
        ("sources:\n  - {id: a, name: A, url: 'http://x', kind: magazine}\n", "sources[0].kind: "),
        ("digest:\n  smtp:\n    security: maybe\n", "digest.smtp.security: "),
        (
            "parties:\n  - {id: x, name: X}\nsources:\n  - {id: a, name: A, url: 'http://x', speaks_for: y}\n",
            "unknown party 'y'",
        ),
        (
            "sources:\n  - {id: a, name: A, url: 'http://x'}\n  - {id: a, name: B, url: 'http://y'}\n",
            "duplicate id 'a'",
        ),
        ("- just\n- a list\n", "expected a mapping"),
        ("crawl: [unclosed\n", "invalid YAML at line"),
    ],
)
def test_invalid_config_names_file_key_and_expectation(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path) + ":")
    assert expected in message
    assert "\n" not in message


def test_missing_config_file_says_so(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_omitted_keys_take_defaults(tmp_path):
    config = load_config(write(tmp_path, "storage:\n  path: x.db\n"))
    assert config.storage.path == "x.db"
    assert config.crawl.obey_robots is True
    assert config.sources == []


@pytest.mark.parametrize("value, seconds", [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), (15, 15)])
def test_durations(value, seconds):
    assert parse_duration(value) == seconds


def test_cli_reports_config_error_in_one_line_with_exit_2(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, "crawl:\n  timeot: 3\n")
    proc = subprocess.run(
        [sys.executable, "-m", "onrecord", "timeline", "--config", str(path), "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"onrecord: error: {path}: crawl.timeot: unknown key"


def test_readme_carries_the_current_config_reference():
    """The README's reference table is the one generated from the config models (every key, default, meaning)."""
    from onrecord.core.config_reference import with_reference

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme == with_reference(readme), "run: python -m onrecord.core.config_reference --write README.md"


def test_every_key_of_config_yaml_is_in_the_reference():
    from onrecord.core.config_reference import config_reference

    reference = config_reference()
    data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    missing = [
        f"{section}.{key}"
        for section, body in data.items()
        if isinstance(body, dict)
        for key in body
        if f"`{section}.{key}" not in reference
    ]
    assert not missing, f"undocumented config keys: {missing}"


def test_every_command_is_in_the_readme():
    from onrecord.cli import cli

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [name for name in cli.commands if f"`onrecord {name}" not in readme] == []
