"""Extraction on a Dask cluster: throughput with 1 and 2 workers, efficiency per worker, what stays serial.

Usage: .venv/bin/python benchmarks/extract_cluster.py [--corpus PATH] [--articles N] [--workers 1,2]
       [--config config.yaml] [--no-profile]

For each worker count, a real cluster is started as it would be deployed: `dask scheduler` and
`dask worker --nworkers N --nthreads 1` as child processes on loopback. A fresh store holding the corpus's
articles is extracted by `extract_on_cluster` from this process (the one reader and writer of the store). The
workers' readers are loaded before the clock starts (a small batch per worker). Printed per run: articles/s,
the efficiency per worker against the 1-worker run (rate_N / (N × rate_1)), peak RSS of each worker process
and of this process, and this process's serial work: reading the store and sending texts, writing claims, and
its whole CPU time, per article. The single-process `extract_pending` rate over the same store is printed as a
reference. Then the projection to N machines: the workers scale out, this process does not, so the rate is at
most 1 / (its serial seconds per article). Figures only; nothing asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from onrecord.core.config import load_config  # noqa: E402
from onrecord.core.records import Article  # noqa: E402
from onrecord.nlp.extractor import Extractor  # noqa: E402
from onrecord.nlp.jsonl import read_articles  # noqa: E402
from onrecord.nlp.run import extract_pending  # noqa: E402
from onrecord.storage.articles import save_article  # noqa: E402
from onrecord.storage.db import open_store, write_transaction  # noqa: E402
from onrecord.storage.sources import sync_config  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "ua-ru-press-releases" / "press_releases.jsonl"
DASK = str(Path(sys.executable).with_name("dask"))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_store(path: Path, config, articles: list[Article]) -> None:
    db = open_store(path)
    sync_config(db, config)
    with write_transaction(db):
        for article in articles:
            save_article(db, article)
    db.conn.close()


class Cluster:
    """`dask scheduler` and `dask worker` child processes on loopback, stopped on exit."""

    def __init__(self, workers: int, folder: Path, profile: bool) -> None:
        self.workers, self.file = workers, folder / f"scheduler-{workers}.json"
        self.procs: list[subprocess.Popen] = []
        # Dask's statistical profiler samples each worker's stack every 10 ms (Dask's default); --no-profile: off
        self.env = {**os.environ, "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": str(profile)}

    def __enter__(self):
        from distributed import Client

        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        scheduler = [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
        self.procs.append(subprocess.Popen([*scheduler, "--scheduler-file", str(self.file)], **quiet))
        while not self.file.exists():
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written whole before the scheduler answers
        worker = [DASK, "worker", "--scheduler-file", str(self.file), "--nworkers", str(self.workers)]
        options = ["--nthreads", "1", "--no-dashboard", "--memory-limit", "0"]
        self.procs.append(subprocess.Popen([*worker, *options], env=self.env, **quiet))
        self.client = Client(scheduler_file=str(self.file), set_as_default=False)
        self.client.wait_for_workers(self.workers, timeout=120)
        return self.client

    def __exit__(self, *exc) -> None:
        self.client.close()
        for proc in reversed(self.procs):
            proc.terminate()
            proc.wait(timeout=60)


def process_cpu() -> float:
    """CPU seconds of the process this runs in (the scheduler's, through client.run_on_scheduler)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def warm(dask_worker, plugin_name: str, texts: dict[str, str]) -> float:
    """Load this worker's reader for every language of the corpus (an article each) before the clock starts."""
    plugin = dask_worker.plugins[plugin_name]
    started = time.perf_counter()
    warmers = [
        Article.create(url=f"http://warm.example/{lang}", source="warm", title="", text=text, language=lang)
        for lang, text in texts.items()
    ]
    list(plugin.extractor.extract(warmers))
    return time.perf_counter() - started


def cluster_run(
    workers: int, template: Path, folder: Path, config, version: str, texts: dict[str, str], profile: bool
) -> dict:
    from onrecord.extract_cluster import extract_on_cluster, install_reader
    from onrecord.extract_worker import describe

    store = folder / f"cluster-{workers}.db"
    shutil.copy(template, store)
    with Cluster(workers, folder, profile) as client:
        name = install_reader(client, config, version)
        loading = client.run(warm, plugin_name=name, texts=texts)
        db = open_store(store)
        busy: list[float] = []
        before = client.run(describe, plugin_name=name)
        scheduler_cpu = client.run_on_scheduler(process_cpu)
        cpu = time.process_time()
        counts = extract_on_cluster(client, config, db, version, on_result=lambda key, r: busy.append(r.seconds))
        counts["client_cpu_seconds"] = time.process_time() - cpu
        counts["scheduler_cpu_seconds"] = client.run_on_scheduler(process_cpu) - scheduler_cpu
        counts["worker_busy_seconds"] = sum(busy)
        counts["load_seconds"] = max(loading.values())
        after = client.run(describe, plugin_name=name)
        counts["worker_rss_mb"] = sorted(s["peak_rss_mb"] for s in after.values())
        counts["worker_cpu_seconds"] = sum(after[w]["cpu_seconds"] - before[w]["cpu_seconds"] for w in after)
        db.conn.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--articles", type=int, default=1796, help="Articles read from the corpus (all: 1,796).")
    parser.add_argument("--workers", default="1,2", help="Worker counts to run, one process and thread each.")
    parser.add_argument("--config", default=str(REPO / "config.yaml"))
    parser.add_argument(
        "--no-profile", dest="profile", action="store_false", help="Dask's profiler off in the workers (default on)."
    )
    args = parser.parse_args()

    config = load_config(args.config)
    articles = []
    for article in read_articles(args.corpus, on_error=lambda line: print(line, file=sys.stderr)):
        articles.append(article)
        if len(articles) >= args.articles:
            break
    chars = sum(len(a.text) for a in articles)
    print(f"corpus: {len(articles)} articles, {chars / 1e6:.1f} M characters ({args.corpus})")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; "
          f"Dask's profiler in the workers {'on' if args.profile else 'off'}")  # fmt: skip
    version = Extractor(config).version
    texts = {a.language: a.text for a in reversed(articles) if a.language}

    folder = Path(tempfile.mkdtemp(prefix="onrecord-cluster-bench-"))
    try:
        template = folder / "template.db"
        make_store(template, config, articles)

        shutil.copy(template, folder / "single.db")
        db = open_store(folder / "single.db")
        extractor = Extractor(config)
        list(extractor.extract(Article.create(url="http://w/" + k, source="w", title="", text=t, language=k)
                               for k, t in texts.items()))  # fmt: skip
        started = time.perf_counter()
        single = extract_pending(config, db, extractor=extractor)
        single_seconds = time.perf_counter() - started
        db.conn.close()
        single_rate = single["articles"] / single_seconds
        print(f"single process (extract_pending): {single_rate:7.1f} articles/s ({single_seconds:.1f} s, "
              f"{single['claims']} claims, peak RSS {peak_rss_mb():.0f} MB)")  # fmt: skip

        results = {}
        print(f"{'workers':>7} {'articles/s':>10} {'seconds':>8} {'efficiency':>10} {'busy eff.':>9} {'CPU eff.':>8} "
              f"{'claims':>7} {'worker RSS MB':>16} {'load s':>6}")  # fmt: skip
        for count in [int(v) for v in args.workers.split(",") if v.strip()]:
            r = cluster_run(count, template, folder, config, version, texts, args.profile)
            r["rate"] = r["articles"] / r["seconds"]
            results[count] = r
            base = results.get(1)
            efficiency = r["rate"] / (count * base["rate"]) if base else float("nan")
            # by the workers' own busy time: what the extraction itself scaled, whatever else ran on the machine
            busy_eff = (base["worker_busy_seconds"] / r["worker_busy_seconds"]) if base else float("nan")
            cpu_eff = (base["worker_cpu_seconds"] / r["worker_cpu_seconds"]) if base else float("nan")
            rss = "/".join(f"{v:.0f}" for v in r["worker_rss_mb"])
            print(f"{count:>7} {r['rate']:>10.1f} {r['seconds']:>8.1f} {efficiency:>10.2f} {busy_eff:>9.2f} "
                  f"{cpu_eff:>8.2f} {r['claims']:>7} {rss:>16} {r['load_seconds']:>6.1f}")  # fmt: skip
            if r["claims"] != single["claims"] or r["articles"] != single["articles"]:
                print(f"  differs from the single-process run: {r['articles']} articles, {r['claims']} claims")
        serial(results, single_rate)
        print(f"load average {os.getloadavg()[0]:.1f} at the end; this process's peak RSS {peak_rss_mb():.0f} MB")
        print(json.dumps({
            "articles": len(articles), "single_articles_per_s": round(single_rate, 1),
            **{f"workers_{n}_articles_per_s": round(r["rate"], 1) for n, r in results.items()},
            **{f"workers_{n}_peak_rss_mb": [round(v) for v in r["worker_rss_mb"]] for n, r in results.items()},
            "efficiency_2": round(results[2]["rate"] / (2 * results[1]["rate"]), 3) if 2 in results else None,
        }))  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def serial(results: dict[int, dict], single_rate: float) -> None:
    """What does not scale out: this process reads the store, sends the texts and writes every claim; the one
    scheduler places every batch. The projection takes CPU time, not wall time (on a loaded machine a process
    waits for a core far longer than it computes): what a worker core spends per article (the 1-worker run)
    against what this process spends per article."""
    most = results[max(results)]
    n = most["articles"] or 1
    read_ms, write_ms = most["read_seconds"] / n * 1000, most["write_seconds"] / n * 1000
    cpu_ms = most["client_cpu_seconds"] / n * 1000
    scheduler_share = most["scheduler_cpu_seconds"] / most["seconds"]
    print(f"serial ({max(results)} workers), this process: reading the store + sending texts {read_ms:.2f} ms/article, "
          f"writing claims {write_ms:.2f} ms/article = {most['write_seconds'] / most['seconds']:.1%} of the run "
          f"(wall); its whole CPU time {cpu_ms:.2f} ms/article (reading, writing, the Dask client); the scheduler "
          f"used {scheduler_share:.1%} of a core ({most['batches']} batches)")  # fmt: skip
    first = results[min(results)]
    worker_ms = first["worker_cpu_seconds"] / min(results) / (first["articles"] or 1) * 1000
    per_core = 1000 / worker_ms
    ceiling = 1000 / cpu_ms
    print(f"projection to N machines: a worker core reads ~{per_core:.0f} articles/s ({worker_ms:.2f} ms CPU per "
          f"article); this process caps the whole at ~{ceiling:.0f} articles/s (1 / its CPU ms per article): "
          f"~{ceiling / per_core:.0f} worker cores keep it busy")  # fmt: skip
    for workers in (1, 2, 4, 8, 16, 32, 64):
        print(f"  {workers:>3} worker cores: ~{min(workers * per_core, ceiling):7.0f} articles/s")
    print(
        f"(wall-clock rate per worker here: {min(r['rate'] / w for w, r in results.items()):.0f} articles/s; "
        f"single process {single_rate:.0f})"
    )


if __name__ == "__main__":
    main()
