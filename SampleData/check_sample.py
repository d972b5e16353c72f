#!/usr/bin/env python3
"""check_sample.py: checks SampleData/days/ (a dev script, not part of the product).

    python3 SampleData/check_sample.py

1. Regenerates the sample in memory (make_sample.generate()) and compares it with the files
   on disk (gzip files by their decompressed content), so the committed data is what the
   script makes.
2. Replays the nights with a small, independent model of SPEC.md section 3 (file hashes,
   row checks in their order, keys, the completion update, orphans, cumulative refund
   limits checked as refunds become usable) and compares what happens with the script's
   record of deliberate oddities: exactly the BAD rows are quarantined, with the intended
   reasons; the one duplicate; the re-sent file; the orphan held for two nights.
3. Checks the good data itself: tenders balance, refunds never exceed what was paid (per
   tender, goods, freight, quantity), payment_channel/buyer_id/cost_price present where
   needed, times in order, keys unique except the planned ones, size and volume.
Exit 0 when all holds, 1 otherwise.
"""

import csv
import gzip
import hashlib
import io
import json
import os
import re
import sys
from datetime import date, datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
DAYS_DIR = os.path.join(HERE, "days")
CONFIG = os.path.join(HERE, "..", "Pipelines", "mall.json")
TZ = timezone(timedelta(hours=8))
KIND_ORDER = ["orders", "refunds", "payments", "repayments", "adjustments", "payouts"]
MONEY_RE = re.compile(r"^-?[0-9]+(\.[0-9]{1,2})?$")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
MAX_MONEY = 900_000_000_000_000
ORDER_MONEY = ["unit_price", "cost_price", "discount_platform", "discount_supplier", "freight",
               "paid_points", "paid_credit", "paid_cash"]
ORDER_TS = ["ordered_at", "paid_at", "completed_at"]
ORDER_FIELDS = ["order_id", "parent_order_id", "line_no", "supplier_id", "buyer_id",
                "member_level", "sku", "category", "quantity"] + ORDER_MONEY + \
               ["payment_channel"] + ORDER_TS + ["currency"]
REFUND_MONEY = ["refund_goods", "refund_freight", "refund_points", "refund_credit", "refund_cash"]
TENDERS = ("points", "credit", "cash")
MAX_BYTES = 2 * 1024 * 1024


class RowError(Exception):
    def __init__(self, reason, column=""):
        super().__init__(reason)
        self.reason, self.column = reason, column


def money(v, col, signed=False):
    if v is None or v == "":
        return 0
    if not MONEY_RE.match(v):
        raise RowError("bad_money", col)
    neg = v.startswith("-")
    whole, _, frac = v.lstrip("-").partition(".")
    fen = int(whole) * 100 + int((frac + "00")[:2])
    if neg:
        fen = -fen
    if abs(fen) > MAX_MONEY or (fen < 0 and not signed):
        raise RowError("bad_money", col)
    return fen


def instant(v, col):
    if not TS_RE.match(v or ""):
        raise RowError("bad_timestamp", col)
    try:
        return datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise RowError("bad_timestamp", col)


def integer(v, col, lo):
    if not re.fullmatch(r"[0-9]+", v or "") or not lo <= int(v) <= 1_000_000:
        raise RowError("bad_quantity", col)
    return int(v)


def bdate(dt):
    return dt.astimezone(TZ).date()


def read_rows(name, data):
    """Yields (line number, dict or None when malformed). CSV: header is line 1."""
    if name.endswith(".gz"):
        data = gzip.decompress(data)
        name = name[:-3]
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    if name.endswith(".jsonl"):
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            obj = json.loads(line)
            yield i, {k: (str(v) if v is not None else "") for k, v in obj.items()}
        return
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    for i, r in enumerate(rows[1:], start=2):
        yield i, (dict(zip(header, r)) if len(r) == len(header) else None)


class Replay:
    def __init__(self, config):
        self.sup = {s["id"]: s for s in config["suppliers"]}
        self.hashes = {}
        self.orders = {}            # key -> parsed
        self.order_src = {}         # key -> (file, line)
        self.refunds = {}           # key -> parsed
        self.pending = []           # refunds not usable yet
        self.cum = {}               # line key -> cumulative refunded amounts
        self.held_first = {}        # refund key -> first day held
        self.quarantine = []        # (file, line, reason, day)
        self.duplicates = []        # (file, line)
        self.noop_files = []
        self.completions = 0
        self.orphan_nights = {}     # refund key -> [days held at the end of the run]
        self.accepted_refunds = []
        self.adjustments = []
        self.rows_read = 0

    # -- orders ---------------------------------------------------------------------------
    def parse_order(self, r):
        for c in ("order_id", "line_no", "supplier_id", "sku", "category", "quantity",
                  "unit_price", "ordered_at", "paid_at"):
            if not r.get(c):
                raise RowError("missing_field", c)
        s = self.sup.get(r["supplier_id"])
        if s and s["mode"] == "purchase" and not r.get("cost_price"):
            raise RowError("missing_field", "cost_price")
        for c, tender in (("payment_channel", "paid_cash"), ("buyer_id", "paid_credit")):
            v = r.get(tender, "")
            if MONEY_RE.match(v or "x") and money(v, tender) > 0 and not r.get(c):
                raise RowError("missing_field", c)
        p = {"line_no": integer(r["line_no"], "line_no", 1),
             "quantity": integer(r["quantity"], "quantity", 1)}
        for c in ("order_id", "parent_order_id"):
            if len(r.get(c, "")) > 64:
                raise RowError("too_long", c)
        for c in ORDER_MONEY:
            p[c] = money(r.get(c, ""), c)
        if p["quantity"] * p["unit_price"] > MAX_MONEY:
            raise RowError("bad_money", "unit_price")
        for c in ORDER_TS:
            p[c] = instant(r[c], c) if r.get(c) else None
        for c in ("order_id", "supplier_id", "buyer_id", "member_level", "sku", "category",
                  "payment_channel"):
            p[c] = r.get(c, "")
        p["parent_order_id"] = r.get("parent_order_id") or r["order_id"]
        p["currency"] = r.get("currency") or "CNY"
        return p

    def order(self, day, fname, line, r):
        p = self.parse_order(r)
        key = (p["order_id"], p["line_no"])
        old = self.orders.get(key)
        if old is not None:
            same = all(old[c] == p[c] for c in ORDER_FIELDS if c != "completed_at")
            if same and old["completed_at"] == p["completed_at"]:
                self.duplicates.append((fname, line))
                return
            if same and old["completed_at"] is None:
                old["completed_at"] = p["completed_at"]
                old["completed_day"] = day
                self.completions += 1
                return
            if same and p["completed_at"] is None:
                self.duplicates.append((fname, line))      # a stale copy
                return
            raise RowError("conflicting_redelivery")
        if p["supplier_id"] not in self.sup:
            raise RowError("unknown_supplier", "supplier_id")
        if p["currency"] != "CNY":
            raise RowError("bad_currency", "currency")
        goods = p["quantity"] * p["unit_price"] - p["discount_platform"] - p["discount_supplier"]
        if goods < 0:
            raise RowError("negative_goods")
        if p["paid_points"] + p["paid_credit"] + p["paid_cash"] != goods + p["freight"]:
            raise RowError("tender_mismatch")
        p["goods"] = goods
        p["day"] = day
        p["completed_day"] = day if p["completed_at"] else None
        self.orders[key] = p
        self.order_src[key] = (fname, line)

    # -- refunds --------------------------------------------------------------------------
    def refund(self, day, fname, line, r):
        for c in ("refund_id", "order_id", "line_no", "refund_type", "quantity", "refund_goods",
                  "refunded_at"):
            if not r.get(c):
                raise RowError("missing_field", c)
        p = {"line_no": integer(r["line_no"], "line_no", 1),
             "quantity": integer(r["quantity"], "quantity", 0)}
        if len(r["refund_id"]) > 64 or len(r["order_id"]) > 64:
            raise RowError("too_long")
        for c in REFUND_MONEY:
            p[c] = money(r.get(c, ""), c)
        p["refunded_at"] = instant(r["refunded_at"], "refunded_at")
        if r["refund_type"] not in ("cancel", "refund_only", "return"):
            raise RowError("bad_refund_type", "refund_type")
        p["refund_type"] = r["refund_type"]
        p["refund_id"], p["order_id"] = r["refund_id"], r["order_id"]
        key = (p["refund_id"], p["order_id"], p["line_no"])
        old = self.refunds.get(key)
        if old is not None:
            if all(old[c] == p[c] for c in p):
                self.duplicates.append((fname, line))
                return
            raise RowError("conflicting_redelivery")
        if p["refund_points"] + p["refund_credit"] + p["refund_cash"] != \
                p["refund_goods"] + p["refund_freight"]:
            raise RowError("tender_mismatch")
        p["key"], p["file"], p["line"], p["day"] = key, fname, line, day
        self.refunds[key] = p
        self.pending.append(p)

    def post_refunds(self, day):
        usable = [p for p in self.pending if (p["order_id"], p["line_no"]) in self.orders]
        self.pending = [p for p in self.pending if (p["order_id"], p["line_no"]) not in self.orders]
        usable.sort(key=lambda p: (p["refunded_at"], p["refund_id"], p["order_id"], p["line_no"]))
        for p in usable:
            lk = (p["order_id"], p["line_no"])
            o = self.orders[lk]
            c = self.cum.setdefault(lk, {"q": 0, "g": 0, "f": 0, "points": 0, "credit": 0,
                                         "cash": 0, "refunds": []})
            new = {"q": c["q"] + p["quantity"], "g": c["g"] + p["refund_goods"],
                   "f": c["f"] + p["refund_freight"],
                   "points": c["points"] + p["refund_points"],
                   "credit": c["credit"] + p["refund_credit"],
                   "cash": c["cash"] + p["refund_cash"]}
            if new["q"] > o["quantity"] or new["g"] > o["goods"] or new["f"] > o["freight"] or \
                    any(new[t] > o["paid_" + t] for t in TENDERS):
                self.quarantine.append((p["file"], p["line"], "over_refund", day))
                del self.refunds[p["key"]]
                continue
            c.update(new)
            c["refunds"].append(p)
            self.accepted_refunds.append(p)
        for p in self.pending:
            self.orphan_nights.setdefault(p["key"], []).append(day)

    # -- adjustments ----------------------------------------------------------------------
    def adjustment(self, day, fname, line, r):
        for c in ("adjustment_id", "supplier_id", "amount", "reason", "approved_by",
                  "effective_at"):
            if not r.get(c):
                raise RowError("missing_field", c)
        money(r["amount"], "amount", signed=True)
        instant(r["effective_at"], "effective_at")
        if r["supplier_id"] not in self.sup:
            raise RowError("unknown_supplier")
        self.adjustments.append(r)

    def night(self, day, folder, names, read):
        names = sorted(names, key=lambda n: (KIND_ORDER.index(n.split("-")[0]), n.encode()))
        for name in names:
            fname = f"{folder}/{name}"
            data = read(fname)
            raw = gzip.decompress(data) if name.endswith(".gz") else data
            h = hashlib.sha256(raw).hexdigest()
            if h in self.hashes:
                self.noop_files.append((fname, self.hashes[h]))
                continue
            self.hashes[h] = fname
            kind = name.split("-")[0]
            handler = {"orders": self.order, "refunds": self.refund,
                       "adjustments": self.adjustment}[kind]
            for line, r in read_rows(name, data):
                self.rows_read += 1
                try:
                    if r is None:
                        raise RowError("malformed_row")
                    handler(day, fname, line, r)
                except RowError as e:
                    self.quarantine.append((fname, line, e.reason, day))
        self.post_refunds(day)


def load_disk():
    out = {}
    for folder in sorted(os.listdir(DAYS_DIR)):
        for name in sorted(os.listdir(os.path.join(DAYS_DIR, folder))):
            with open(os.path.join(DAYS_DIR, folder, name), "rb") as f:
                out[f"{folder}/{name}"] = f.read()
    return out


def main():
    sys.dont_write_bytecode = True          # keep SampleData/ free of __pycache__
    sys.path.insert(0, HERE)
    import make_sample
    problems = []

    def need(cond, msg):
        if not cond:
            problems.append(msg)

    files, odds, st = make_sample.generate()
    disk = load_disk()
    need(set(disk) == set(files), f"files on disk differ from the generator: "
         f"{sorted(set(disk) ^ set(files))[:5]}")
    for rel in sorted(set(disk) & set(files)):
        a, b = disk[rel], files[rel]
        if rel.endswith(".gz"):
            a, b = gzip.decompress(a), gzip.decompress(b)
        need(a == b, f"{rel}: on disk differs from what make_sample.py generates")

    total = sum(len(b) for b in disk.values())
    need(total < MAX_BYTES, f"sample is {total} bytes, over 2 MiB")

    # --- replay --------------------------------------------------------------------------
    rp = Replay(json.load(open(CONFIG, encoding="utf-8")))
    folders = sorted({rel.split("/")[0] for rel in disk})
    for folder in folders:
        names = [rel.split("/")[1] for rel in disk if rel.startswith(folder + "/")]
        rp.night(date.fromisoformat(folder), folder, names, lambda rel: disk[rel])

    # Expected, from the generator's record.
    exp_q = sorted((o["file"], o["line"], o["expect"].split()[1].rstrip(";,.")) for o in odds
                   if o["expect"].startswith("quarantined"))
    got_q = sorted((f, l, r) for f, l, r, _ in rp.quarantine)
    need(exp_q == got_q, f"quarantine differs:\n  expected {exp_q}\n  got      {got_q}")
    need(len({f for f, _, _ in got_q}) == len(got_q), "two bad rows share a file")
    exp_dup = sorted((o["file"], o["line"]) for o in odds if o["id"] == "duplicate")
    need(sorted(rp.duplicates) == exp_dup, f"duplicates: expected {exp_dup}, got {rp.duplicates}")
    exp_noop = [o["file"] for o in odds if o["id"] == "resend"]
    need([f for f, _ in rp.noop_files] == exp_noop, f"no-op files: {rp.noop_files}")
    orphan = next(o for o in odds if o["id"] == "orphan")
    orphan_ids = {k[0] for k in rp.orphan_nights}
    need(len(orphan_ids) == 1, f"orphan refunds: {sorted(rp.orphan_nights)}")
    for k, nights in rp.orphan_nights.items():
        need(nights == [date(2026, 10, 20), date(2026, 10, 21)],
             f"orphan {k} held on {nights}, expected 10-20 and 10-21 only")
    need(any(p["file"] == orphan["file"] and p["line"] == orphan["line"]
             for p in rp.accepted_refunds), "the orphan refund was not accepted in the end")

    # --- the good data -------------------------------------------------------------------
    late_nov = []
    for key, o in rp.orders.items():
        need(o["paid_points"] + o["paid_credit"] + o["paid_cash"] == o["goods"] + o["freight"],
             f"{key} does not balance")
        need((o["paid_cash"] > 0) == bool(o["payment_channel"]),
             f"{key} payment_channel vs paid_cash")
        need(o["paid_credit"] == 0 or o["buyer_id"], f"{key} credit without buyer")
        purchase = rp.sup[o["supplier_id"]]["mode"] == "purchase"
        need((o["cost_price"] > 0) == purchase, f"{key} cost_price vs mode")
        need(o["ordered_at"] <= o["paid_at"], f"{key} ordered after paid")
        if o["completed_at"]:
            need(o["paid_at"] <= o["completed_at"], f"{key} completed before paid")
            need(bdate(o["completed_at"]) == o["completed_day"],
                 f"{key} completion delivered on {o['completed_day']}, happened "
                 f"{bdate(o['completed_at'])}")
        c = rp.cum.get(key)
        if c:
            for p in c["refunds"]:
                need(p["refunded_at"] >= o["paid_at"], f"{p['key']} refunded before paid")
                if p["refund_type"] == "return":
                    need(o["completed_at"] is not None and p["refunded_at"] > o["completed_at"],
                         f"{p['key']} returned before receipt")
                if p["refund_type"] == "cancel":
                    need(o["completed_at"] is None, f"{p['key']} cancelled but completed")
                if bdate(p["refunded_at"]).month == 10 and p["day"].month == 11 and \
                        o["supplier_id"] in ("SUP-ACME", "SUP-HARBOR"):
                    late_nov.append(p["key"])
    late_paid = [k for k, o in rp.orders.items() if bdate(o["paid_at"]) != o["day"]]
    need(all(k[0] in orphan["what"] for k in late_paid),
         f"lines delivered on another night than paid: {late_paid}")
    late_keys = {(o["file"], o["line"]) for o in odds if o["id"].startswith("late_")}
    got_late = {(p["file"], p["line"]) for p in rp.accepted_refunds if p["key"] in late_nov}
    need(late_keys <= got_late, f"late refunds missing: {late_keys - got_late}")

    # Full refunds: multi3 / mixfull lines end at share 1 in goods, quantity and cash.
    for oid in ("multi3", "mixfull"):
        o = next(x for x in odds if x["id"] == oid)
        p = next(p for p in rp.accepted_refunds if p["file"] == o["file"] and p["line"] == o["line"])
        lk = (p["order_id"], p["line_no"])
        c, ol = rp.cum[lk], rp.orders[lk]
        need(c["g"] == ol["goods"] and c["q"] == ol["quantity"] and c["f"] == ol["freight"]
             and all(c[t] == ol["paid_" + t] for t in TENDERS),
             f"{oid}: line {lk} not refunded in full")

    # Keys: count each order key's appearances (not the re-sent file) and each refund key.
    occurrences = {}
    for rel in sorted(disk):
        if "resend" in rel or not rel.split("/")[1].startswith("orders"):
            continue
        for line, r in read_rows(rel.split("/")[1], disk[rel]):
            occurrences.setdefault((r["order_id"], r["line_no"]), []).append((rel, line, r))
    planned = {(o["file"], o["line"]) for o in odds if o["id"] in ("duplicate", "conflict")}
    for key, occ in occurrences.items():
        extra = [x for x in occ[1:] if (x[0], x[1]) not in planned]
        if len(extra) == 1:
            need(not occ[0][2].get("completed_at") and extra[0][2].get("completed_at"),
                 f"{key} appears twice without being a completion")
        need(len(extra) <= 1, f"{key} appears {len(occ)} times")

    # Volume: new order lines per night.
    new_per_day = {}
    for key, o in rp.orders.items():
        new_per_day[o["day"]] = new_per_day.get(o["day"], 0) + 1
    low, high = min(new_per_day.values()), max(new_per_day.values())
    need(35 <= low and high <= 85, f"new order lines per night {low}..{high}")

    n_refunds = len(rp.accepted_refunds)
    print(f"check_sample: {len(disk)} files, {total:,} bytes; {rp.rows_read} rows read; "
          f"{len(rp.orders)} order lines ({low}..{high} new a night), {rp.completions} "
          f"completions; {n_refunds} refunds accepted; {len(rp.adjustments)} adjustments; "
          f"quarantined {len(got_q)}: " + ", ".join(f"{f}:{l} {r}" for f, l, r in got_q) +
          f"; duplicates {rp.duplicates}; re-sent {[f for f, _ in rp.noop_files]}; "
          f"orphan nights {sorted(set(d.isoformat() for v in rp.orphan_nights.values() for d in v))}")
    if problems:
        print("check_sample: FAILED")
        for p in problems[:40]:
            print("  -", p)
        return 1
    print("check_sample: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
