#!/usr/bin/env python3
"""`make bench`, mall core part: times `generate` (catalog, journal and, by replay, its feeds)
and `replay` of the written journal, for ORDERS orders in all.

usage: bench_mall.py BINARY [ORDERS] [SUPPLIERS] [DAYS]
Targets on the 2-core machine (issue 4): generate + replay of a 1,000,000-order journal under
15 s and under 1.5 GiB peak memory. Nothing is asserted: the figures are printed.
"""
import os
import shutil
import subprocess
import sys
import time


def timed(args):
    """Runs one command; returns (seconds, peak RSS in MiB of exactly that process, stdout)."""
    start = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.monotonic() - start
    out = p.stdout.read().decode()
    err = p.stderr.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        sys.exit(f"{' '.join(args)} failed with exit {code}:\n{err}")
    return seconds, usage.ru_maxrss / 1024, out


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/mallsettle"
    orders = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    suppliers = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    days = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    work = os.path.join(os.environ.get("BENCH_WORK", "bench-work"), f"mall-{orders}")
    shutil.rmtree(work, ignore_errors=True)
    per_day = max(1, orders // days)
    gen_s, gen_mib, gen_out = timed([binary, "generate", "--days", str(days), "--orders-per-day", str(per_day),
                                     "--suppliers", str(suppliers), "--buyers", str(max(100, orders // 10)),
                                     "--seed", "1", "--out", work, "--quiet"])
    journal = os.path.join(work, "journal.jsonl")
    events = sum(1 for _ in open(journal, "rb"))
    size_mib = os.path.getsize(journal) / 2**20
    rep_s, rep_mib, rep_out = timed([binary, "replay", "--journal", journal, "--catalog", os.path.join(work, "catalog.json"),
                                     "--out", os.path.join(work, "replayed"), "--quiet"])
    print(f"mall core: {per_day * days:,} orders ({per_day:,}/day × {days} days), {suppliers} suppliers, "
          f"{events:,} journal events ({size_mib:,.0f} MiB)")
    print(f"  generate + replay (writes journal and feeds): {gen_s:6.2f} s  peak {gen_mib:6.0f} MiB  "
          f"({events / gen_s:,.0f} events/s)")
    print(f"  replay of the written journal:                {rep_s:6.2f} s  peak {rep_mib:6.0f} MiB  "
          f"({events / rep_s:,.0f} events/s)")
    print(f"  {gen_out.strip()}")
    same = subprocess.run(["diff", "-rq", os.path.join(work, "days"), os.path.join(work, "replayed")],
                          capture_output=True, text=True)
    print("  replayed feeds identical to the generated ones: " + ("yes" if same.returncode == 0 else "NO\n" + same.stdout[:2000]))
    print("  targets: generate + replay under 15 s and 1.5 GiB peak")


if __name__ == "__main__":
    main()
