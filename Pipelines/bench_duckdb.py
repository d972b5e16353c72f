#!/usr/bin/env python3
"""`make bench`, last part: the 1M-line night against DuckDB doing the same posting job.

usage: bench_duckdb.py [N]
Runs ../shared/bench/vs-duckdb (beside the checkout; it builds the release binary, installs
the duckdb Python package with pip when missing and checks that both sides post the same fee
lines) and prints its verdict — both times, MallSettle's peak memory and the ratio (below 1.0
MallSettle is faster) — with the time of each stage of MallSettle's best run from its run
manifest. Skipped, saying why, when the script or DuckDB is not available. Nothing is
asserted: the figures are printed.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

from bench import stage_figure


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "1000000"
    script = os.path.join("..", "shared", "bench", "vs-duckdb")
    print(f"\nthe {int(n):,}-line night against DuckDB ({script}):")
    if not os.access(script, os.X_OK):
        print(f"  skipped: {script} is not here (it comes with the shared folder beside the checkout)")
        return
    env = dict(os.environ, BENCH_KEEP="1")
    done = subprocess.run([script, n], capture_output=True, text=True, env=env)
    lines = done.stdout.strip().splitlines()
    work = next((l.split(": ", 1)[1] for l in lines if l.startswith("work folder: ")), None)
    verdict = lines[-1] if lines else done.stderr.strip()
    if done.returncode != 0 or "ratio" not in verdict:
        print(f"  skipped: {verdict or 'vs-duckdb failed'}")
    else:
        print(f"  {verdict}")
        ratio = re.search(r"ratio ([0-9.]+)", verdict)
        if ratio:
            print(f"  ratio {ratio.group(1)} (target 1.0 or below)")
        print_stages(work)
    if work and work.startswith("/tmp/"):
        shutil.rmtree(work, ignore_errors=True)


def print_stages(work):
    """The stages of the last MallSettle run in the kept work folder."""
    manifests = sorted(glob.glob(os.path.join(work or "", "reports", "runs", "*.json")))
    if not manifests:
        return
    with open(manifests[-1]) as f:
        stages = json.load(f).get("stages", [])
    print("  MallSettle's stages: " + ", ".join(stage_figure(s) for s in stages))


if __name__ == "__main__":
    main()
