"""The deployment layout in deploy/ (README, "Running on several machines"): Docker does not run here, so the
compose file is parsed and every command in it (and in the systemd units) is run with --help by the installed
CLIs; the units are checked by `systemd-analyze verify` where it exists, else parsed."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from onrecord.core.config import load_config

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent  # the venv's onrecord and dask
SERVICES = {"redis", "dask-scheduler", "dask-worker", "daemon", "fetcher", "datasette"}
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def runs_with_help(command: list[str]) -> str:
    """Run the command with --help added; it must parse (exit 0) and know every option it is given."""
    program = BIN / command[0]
    assert program.exists(), f"{command[0]} is not installed in the venv"
    done = subprocess.run([str(program), *command[1:], "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{shlex.join(command)} --help: {done.stderr}"
    for word in command[1:]:
        if word.startswith("--"):
            assert word.split("=")[0] in done.stdout, f"{shlex.join(command)}: no option {word}"
    return done.stdout


def test_compose_has_every_service_with_a_real_command():
    services = compose()["services"]
    assert set(services) == SERVICES
    assert services["redis"]["image"].startswith("redis:")
    assert services["redis"]["command"][0] == "redis-server"
    for name, service in services.items():
        if name == "redis":
            continue
        assert service["image"] == "onrecord:latest", name
        assert service["command"][0] in ("onrecord", "dask"), name
        runs_with_help(service["command"])
    assert services["fetcher"]["command"][1:] == ["crawl", "--fetcher"]
    assert services["daemon"]["command"][1:] == ["run"]


def test_only_the_stores_machine_mounts_the_store():
    services = compose()["services"]
    with_store = {name for name, s in services.items() if any("store:" in v for v in s.get("volumes", []))}
    assert with_store == {"daemon", "datasette"}  # fetchers and Dask workers send their results, never write it


def test_the_documented_config_keys_validate(tmp_path):
    """The keys compose.yaml's comment tells to set, on the shipped config, load as a valid config."""
    header = (DEPLOY / "compose.yaml").read_text(encoding="utf-8").split("name: onrecord")[0]
    settings = dict(
        line.lstrip("# ").split(": ", 1) for line in header.splitlines() if line.startswith("#   ") and ": " in line
    )
    assert set(settings) == {"storage.path", "crawl.frontier", "nlp.cluster"}
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    for dotted, value in settings.items():
        section, key = dotted.split(".")
        config[section][key] = value.strip()
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    loaded = load_config(path)
    assert loaded.crawl.frontier == "redis://redis:6379/0"
    assert loaded.nlp.cluster == "tcp://dask-scheduler:8786"


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_unit_runs_a_real_command(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(unit.read_text(encoding="utf-8"))
    assert {"Unit", "Service", "Install"} <= set(parser.sections())
    command = shlex.split(parser["Service"]["ExecStart"])
    assert command[0].startswith("/opt/onrecord/.venv/bin/")
    words = [w.replace("${ONRECORD_DASK_SCHEDULER}", "tcp://127.0.0.1:8786").replace("%H-%i", "h-1") for w in command]
    runs_with_help([Path(words[0]).name, *words[1:]])


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed (units parsed)")
def test_systemd_units_verify(tmp_path):
    """systemd's own check, on copies pointing at this checkout's venv (templates as instance 1)."""
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name.replace("@.", "@1.")
        copy.write_text(unit.read_text(encoding="utf-8").replace("/opt/onrecord/.venv", str(BIN.parent)))
        copies.append(str(copy))
    done = subprocess.run(["systemd-analyze", "verify", *copies], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
