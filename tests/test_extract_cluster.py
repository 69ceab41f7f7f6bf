"""`onrecord extract --cluster`: a real Dask cluster on loopback (a scheduler and two worker processes) reads the
store's articles; its claims must be the single-process run's, row for row, even when a worker is killed
mid-run. The articles are real pages: the bundled demo site and the source fixtures, through the crawl's own
HTML extraction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, free_port
from onrecord.core.config import Config, load_config
from onrecord.core.errors import ConfigError, OnrecordError
from onrecord.core.records import Article
from onrecord.crawlers.extract import extract_article
from onrecord.nlp.extractor import Extractor
from onrecord.nlp.run import extract_pending
from onrecord.storage.articles import save_article
from onrecord.storage.claims import CLAIM_COLUMNS
from onrecord.storage.db import open_store, write_transaction
from onrecord.storage.sources import sync_config

ONRECORD = str(Path(sys.executable).with_name("onrecord"))


def _pages() -> list[Article]:
    pages = sorted(REPO.glob("onrecord/demo/site/**/*.html")) + sorted(REPO.glob("tests/fixtures/sources/*/*.html"))
    articles = []
    for page in pages:
        url = f"https://pages.example/{page.relative_to(REPO)}"
        found = extract_article(page.read_bytes().decode("utf-8", "replace"), url)
        if hasattr(found, "text"):
            articles.append(
                Article.create(
                    url=url,
                    source=page.parent.name,
                    title=found.title,
                    text=found.text,
                    published=found.published,
                    language=found.language,
                )
            )
    return articles


def _store(path: Path, config: Config, articles: list[Article]):
    db = open_store(path)
    sync_config(db, config)
    with write_transaction(db):
        for article in articles:
            save_article(db, article)
    return db


def _rows(db) -> tuple[list[tuple], list[tuple]]:
    """Every claim (all its columns) and every extraction mark but its time."""
    columns = ", ".join(f'"{c}"' for c in CLAIM_COLUMNS)
    claims = db.execute(f"SELECT {columns} FROM claims ORDER BY id").fetchall()
    marks = db.execute("SELECT article_id, extractor_version, claims FROM extractions ORDER BY article_id").fetchall()
    return claims, marks


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    found = _pages()
    assert len(found) >= 40 and {a.language for a in found} >= {"en", "ru"}
    return found


@pytest.fixture(scope="module")
def single(tmp_path_factory, config, articles):
    """The single-process run over the same articles: what the cluster must give."""
    db = _store(tmp_path_factory.mktemp("single") / "store.db", config, articles)
    counts = extract_pending(config, db)
    assert counts["claims"] > 50 and counts["errors"] == 0
    yield _rows(db)
    db.conn.close()


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
    ):
        yield client


def _version(config: Config) -> str:
    return Extractor(config).version


@pytest.mark.slow
def test_cluster_claims_are_the_single_process_claims(tmp_path, config, articles, single, cluster):
    from onrecord.extract_cluster import extract_on_cluster, plugin_name
    from onrecord.extract_worker import describe

    db = _store(tmp_path / "store.db", config, articles)
    version = _version(config)
    readers: dict[str, str] = {}
    lines: list[str] = []
    counts = extract_on_cluster(
        cluster,
        config,
        db,
        version,
        progress=lines.append,
        batch_size=4,
        on_result=lambda key, result: readers.setdefault(key, result.worker),
    )
    assert _rows(db) == single
    assert counts["articles"] == len(articles) and counts["errors"] == 0
    assert counts["claims"] == len(single[0])
    assert counts["batches"] == len(readers) == -(-len(articles) // 4)
    assert len(set(readers.values())) == 2, "both workers read batches"
    assert lines[0].startswith(f"extract: {len(articles)} articles on tcp://127.0.0.1:") and "2 workers" in lines[0]
    assert lines[-1] == f"extract: {len(articles)}/{len(articles)} articles, {len(single[0])} claims"
    # one reader per worker process, however many batches it read
    states = cluster.run(describe, plugin_name=plugin_name(config, version))
    assert sorted(s["readers_built"] for s in states.values()) == [1, 1]
    assert sum(s["batches"] for s in states.values()) == counts["batches"]
    assert len({s["pid"] for s in states.values()} | {os.getpid()}) == 3
    # nothing pending: a second run reads nothing and writes nothing
    again = extract_on_cluster(cluster, config, db, version, batch_size=4)
    assert (again["articles"], again["batches"]) == (0, 0)
    assert _rows(db) == single
    db.conn.close()


@pytest.mark.slow
def test_the_command_on_a_cluster(tmp_path, config, articles, single, cluster):
    """`onrecord extract --cluster ADDRESS` as a user runs it: progress on stderr, the same claims, the timeline."""
    path = tmp_path / "store.db"
    _store(path, config, articles).conn.close()
    address = cluster.scheduler_info()["address"]
    done = subprocess.run(
        [ONRECORD, "extract", "--config", str(REPO / "config.yaml"), "--db", str(path), "--cluster", address],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == f"extracted {len(articles)} articles: {len(single[0])} claims, 0 errors"
    assert f"extract: {len(articles)} articles on {address}: 2 workers, 2 threads" in done.stderr
    assert f"extract: {len(articles)}/{len(articles)} articles" in done.stderr
    assert "claims folded into events" in done.stderr
    db = open_store(path)
    assert _rows(db) == single
    db.conn.close()


@pytest.mark.slow
def test_the_daemons_extraction_runs_on_the_cluster_of_nlp_cluster(tmp_path, config, articles, single, cluster):
    """The daemon's extract job (onrecord run) with nlp.cluster set reads on the cluster, as deploy/ lays it out: the
    same claims as one process, read by the cluster's worker processes (each built its reader)."""
    from onrecord.extract_cluster import plugin_name
    from onrecord.extract_worker import describe
    from onrecord.scheduler.tasks import extract

    address = cluster.scheduler_info()["address"]
    on_cluster = config.model_copy(update={"nlp": config.nlp.model_copy(update={"cluster": address})})
    db = _store(tmp_path / "store.db", on_cluster, articles)
    result = extract(on_cluster, db)
    assert (result["articles"], result["claims"], result["errors"]) == (len(articles), len(single[0]), 0)
    assert result["batches"] >= 1 and result["events"] > 0
    assert _rows(db) == single
    states = cluster.run(describe, plugin_name=plugin_name(config, _version(config)))
    assert sum(s["batches"] for s in states.values()) >= result["batches"]
    db.conn.close()


@pytest.mark.slow
def test_a_worker_killed_mid_batch_costs_nothing(tmp_path, config, articles, single, cluster):
    """SIGKILL to a worker process while it holds a batch: the scheduler gives the batch to another worker, its
    claims are written once, and the store ends as the single-process run's."""
    from onrecord.extract_cluster import extract_on_cluster

    db = _store(tmp_path / "store.db", config, articles)
    pids = cluster.run(os.getpid)
    held: dict[str, set] = {}  # the killed worker's address -> the batches it held when killed
    readers: dict[str, str] = {}

    def kill_one(line: str) -> None:
        if held or "/" not in line.split()[1]:  # after a batch was written: "extract: 6/61 articles, …"
            return
        for address, keys in cluster.processing().items():
            if keys:
                held[address] = set(keys)
                os.kill(pids[address], signal.SIGKILL)
                return

    counts = extract_on_cluster(
        cluster,
        config,
        db,
        _version(config),
        progress=kill_one,
        batch_size=6,  # about a second of work each: the signal lands mid-batch, not between two
        on_result=lambda key, result: readers.setdefault(key, result.worker),
    )
    assert held, "no worker held a batch when one was to be killed"
    (victim, keys) = next(iter(held.items()))
    # read elsewhere (a batch the worker finished in the instant before the signal may still name it)
    assert any(readers[key] != victim for key in keys), "the killed worker's batches were read again elsewhere"
    assert len(readers) == counts["batches"] == -(-len(articles) // 6), "each batch's result came back once"
    assert counts["articles"] == len(articles) and counts["errors"] == 0
    assert _rows(db) == single
    db.conn.close()


@pytest.mark.slow
def test_a_lost_scheduler_ends_the_run_in_one_line_and_keeps_what_was_written(tmp_path, config, articles, single):
    """`dask scheduler` and `dask worker` as deployed (child processes); the scheduler is killed after the first
    batch is written: the run stops with one OnrecordError, the written articles stay done, and a local run
    finishes the rest into the single-process rows."""
    from onrecord.extract_cluster import connect, extract_on_cluster

    dask = str(Path(sys.executable).with_name("dask"))
    port = free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet
    )
    worker = subprocess.Popen([dask, "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1", "--no-dashboard"], **quiet)
    db = _store(tmp_path / "store.db", config, articles)
    written: list[str] = []

    def kill_scheduler(line: str) -> None:
        if "/" in line.split()[1] and not written:  # "extract: 4/61 articles, …"
            written.append(line)
            scheduler.kill()
            scheduler.wait()

    try:
        with connect(f"tcp://127.0.0.1:{port}", timeout=3) as client:  # also how long it waits for a lost one
            client.wait_for_workers(1, timeout=60)
            with pytest.raises(OnrecordError, match=r"^extract --cluster: lost the Dask scheduler at tcp://127"):
                extract_on_cluster(client, config, db, _version(config), progress=kill_scheduler, batch_size=4)
    finally:
        for process in (worker, scheduler):
            process.kill()
            process.wait()
    done = db.execute("SELECT count(*) FROM extractions").fetchone()[0]
    assert 4 <= done < len(articles), written
    rest = extract_pending(config, db)
    assert rest["articles"] == len(articles) - done
    assert _rows(db) == single
    db.conn.close()


def _error_line(capsys, *args: str) -> str:
    """Run the command in this process as the `onrecord` entry point does; its one error line (exit code 2)."""
    from onrecord.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("onrecord: error:") and not any("Traceback" in line for line in lines)
    return lines[-1]


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys):
    import dask

    pytest.importorskip("distributed")  # its config defaults loaded before the test changes one
    address = f"tcp://127.0.0.1:{free_port()}"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        line = _error_line(capsys, "extract", "--db", str(tmp_path / "s.db"), "--cluster", address)
    assert line.startswith(f"onrecord: error: extract --cluster {address}: cannot reach the Dask scheduler")


def test_nlp_cluster_in_config_is_used_without_the_flag(tmp_path, capsys):
    import dask

    pytest.importorskip("distributed")  # its config defaults loaded before the test changes one
    address = f"tcp://127.0.0.1:{free_port()}"
    path = tmp_path / "config.yaml"
    path.write_text(f"nlp:\n  cluster: {address}\n", encoding="utf-8")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        line = _error_line(capsys, "extract", "--config", str(path), "--db", str(tmp_path / "s.db"))
    assert line.startswith(f"onrecord: error: extract --cluster {address}: cannot reach the Dask scheduler")


def test_without_distributed_installed_the_command_says_what_to_install(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")  # imported first, so the patch restores it whole afterwards
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails as if not installed
    address = f"tcp://127.0.0.1:{free_port()}"
    line = _error_line(capsys, "extract", "--db", str(tmp_path / "s.db"), "--cluster", address)
    assert "the Dask distributed package is missing" in line and "pip install 'onrecord[scale]'" in line


def test_connect_names_the_address_it_cannot_reach():
    pytest.importorskip("distributed")
    from onrecord.extract_cluster import connect

    address = f"tcp://127.0.0.1:{free_port()}"
    expected = f"^extract --cluster {address}: cannot reach the Dask scheduler"
    with pytest.raises(OnrecordError, match=expected), connect(address, timeout=1):
        pass


@pytest.mark.parametrize(
    "value",
    ["http://10.0.0.5:8786", "tcp://10.0.0.5", "10.0.0.5:8786", "tcp://:8786", "tcp://10.0.0.5:8786/x", "tcp://h:0"],
)
def test_a_bad_cluster_address_in_config_names_the_key(tmp_path, value):
    path = tmp_path / "config.yaml"
    path.write_text(f"nlp:\n  cluster: {value!r}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "nlp.cluster" in message and "tcp://" in message and "\n" not in message


def test_cluster_addresses_that_are_accepted(tmp_path):
    path = tmp_path / "config.yaml"
    for value in ("tcp://10.0.0.5:8786", "tls://scheduler.lan:8786", "tcp://[::1]:8786"):
        path.write_text(f"nlp:\n  cluster: {value!r}\n", encoding="utf-8")
        assert load_config(path).nlp.cluster == value
    path.write_text("nlp: {}\n", encoding="utf-8")
    assert load_config(path).nlp.cluster is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--cluster", "http://x:1"], "--cluster: expected a Dask scheduler address such as 'tcp://10.0.0.5:8786'"),
        (["--cluster", "tcp://x:1", "--local"], "--cluster cannot go with --local"),
        (["--cluster", "tcp://x:1", "--input", "a.jsonl"], "--cluster cannot go with --input"),
    ],
)
def test_cluster_flag_misuse_is_a_usage_error(tmp_path, args, expected):
    from click.testing import CliRunner

    from onrecord.cli import cli

    result = CliRunner().invoke(cli, ["extract", "--db", str(tmp_path / "s.db"), *args])
    assert result.exit_code == 2 and expected in result.output


def test_local_runs_here_even_with_nlp_cluster_set(tmp_path, capsys):
    """nlp.cluster names a scheduler nobody runs; --local extracts in this process and never tries it."""
    from onrecord.cli import main

    path = tmp_path / "config.yaml"
    config_text = (REPO / "config.yaml").read_text(encoding="utf-8")
    path.write_text(config_text.replace("nlp:\n", f"nlp:\n  cluster: tcp://127.0.0.1:{free_port()}\n", 1), "utf-8")
    assert load_config(path).nlp.cluster
    main(["extract", "--config", str(path), "--db", str(tmp_path / "s.db"), "--local"])
    assert capsys.readouterr().out.strip() == "extracted 0 articles: 0 claims, 0 errors"
