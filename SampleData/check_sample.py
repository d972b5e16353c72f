#!/usr/bin/env python3
"""check_sample.py: checks SampleData/days/ against SampleData/README.md (a dev script).

    python3 SampleData/check_sample.py

1. Replays the nights with a small, independent model of SPEC.md section 3 (file hashes, row
   checks in their order, keys, the completion update, orphans, cumulative refund limits
   checked as refunds become usable) and compares what happens with the README's table of
   oddities: exactly the BAD rows are quarantined, with their reasons, each alone on its
   night; the duplicate and the re-sent file are no-ops; the orphan is held on the nights
   said; the late refunds are accepted after the October close.
2. Checks the good data: every accepted order row balances its tenders, has a channel exactly
   when it has cash, a buyer when it has credit, a cost price for purchase-mode suppliers,
   times in order; each line is delivered on the night it was paid (the planned late lines
   excepted) and its completion on the night it completed.
3. Checks the README's summary: the file count and bytes, and each format variation on
   exactly the files it lists.
Standard library only. Exit 0 when all holds, 1 otherwise.
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
README = os.path.join(HERE, "README.md")
CONFIG = os.path.join(HERE, "..", "Pipelines", "mall.json")
SHANGHAI = timezone(timedelta(hours=8))
OCTOBER_CLOSED_AFTER = date(2026, 11, 2)      # sample-nights.sh: close --through 2026-10-31 after this night
KIND_ORDER = ["orders", "refunds", "payments", "repayments", "adjustments", "payouts"]
MONEY_RE = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")
TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")
MONEY_MAX = 900_000_000_000_000
ORDER_MONEY = ["unit_price", "cost_price", "discount_platform", "discount_supplier", "freight",
               "paid_points", "paid_credit", "paid_cash"]
ORDER_TIMES = ["ordered_at", "paid_at", "completed_at"]
ORDER_FIELDS = ["order_id", "parent_order_id", "line_no", "supplier_id", "buyer_id", "member_level", "sku",
                "category", "quantity"] + ORDER_MONEY + ["payment_channel"] + ORDER_TIMES + ["currency"]
REFUND_MONEY = ["refund_goods", "refund_freight", "refund_points", "refund_credit", "refund_cash"]
TENDERS = ("points", "credit", "cash")


class RowError(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def money(text, signed=False):
    if text in (None, ""):
        return 0
    if not MONEY_RE.fullmatch(text):
        raise RowError("bad_money")
    whole, _, frac = text.lstrip("-").partition(".")
    value = int(whole) * 100 + int((frac + "00")[:2])
    value = -value if text.startswith("-") else value
    if abs(value) > MONEY_MAX or (value < 0 and not signed):
        raise RowError("bad_money")
    return value


def instant(text):
    if not TIME_RE.fullmatch(text or ""):
        raise RowError("bad_timestamp")
    m = TIME_RE.fullmatch(text)
    fraction = (m.group(1) or "")[:7]                      # microseconds at most: enough for the sample
    return datetime.fromisoformat(text[:19] + fraction + ("+00:00" if m.group(2) == "Z" else m.group(2)))


def integer(text, low):
    if not re.fullmatch(r"[0-9]+", text or "") or not low <= int(text) <= 1_000_000:
        raise RowError("bad_quantity")
    return int(text)


def business_date(moment):
    return moment.astimezone(SHANGHAI).date()


def decoded(data, name):
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return data


def read_rows(name, data):
    """Yields (line, dict of cells, names given as JSON numbers); None for a malformed row."""
    text = decoded(data, name).decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    if name.removesuffix(".gz").endswith(".jsonl"):
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                obj = json.loads(line)
                numbers = {k for k, v in obj.items() if isinstance(v, (int, float))}
                yield number, {k: str(v) for k, v in obj.items()}, numbers
        return
    records = list(csv.reader(io.StringIO(text, newline="")))
    header = records[0]
    for number, record in enumerate(records[1:], start=2):
        yield number, (dict(zip(header, record)) if len(record) == len(header) else None), set()


class Nights:
    """SPEC 3 as far as the sample needs it, night by night."""

    def __init__(self, config):
        self.suppliers = {s["id"]: s for s in config["suppliers"]}
        self.currency = config.get("currency", "CNY")
        self.hashes = {}
        self.orders = {}              # (order_id, line_no) -> parsed row
        self.refunds = {}             # (refund_id, order_id, line_no) -> parsed row
        self.pending = []             # refunds whose line has not arrived
        self.refunded = {}            # line key -> cumulative amounts
        self.quarantine = []          # (file, line, reason)
        self.duplicates = []          # (file, line)
        self.noop_files = []
        self.held = {}                # refund key -> nights held
        self.accepted = {}            # (file, line) -> night the row was accepted (orders and refunds)
        self.rows_read = 0

    def order(self, night, where, cells, numbers):
        for column in ("order_id", "line_no", "supplier_id", "sku", "category", "quantity", "unit_price",
                       "ordered_at", "paid_at"):
            if not cells.get(column):
                raise RowError("missing_field")
        supplier = self.suppliers.get(cells["supplier_id"])
        if supplier and supplier["mode"] == "purchase" and not cells.get("cost_price"):
            raise RowError("missing_field")
        for column, tender in (("payment_channel", "paid_cash"), ("buyer_id", "paid_credit")):
            if MONEY_RE.fullmatch(cells.get(tender) or "x") and money(cells[tender]) > 0 and not cells.get(column):
                raise RowError("missing_field")
        row = {"line_no": integer(cells["line_no"], 1), "quantity": integer(cells["quantity"], 1)}
        for column in ORDER_MONEY:
            if column in numbers:
                raise RowError("bad_money")
            row[column] = money(cells.get(column))
        for column in ORDER_TIMES:
            row[column] = instant(cells[column]) if cells.get(column) else None
        for column in ("order_id", "supplier_id", "buyer_id", "member_level", "sku", "category", "payment_channel"):
            row[column] = cells.get(column, "")
        row["parent_order_id"] = cells.get("parent_order_id") or cells["order_id"]
        row["currency"] = cells.get("currency") or self.currency
        key = (row["order_id"], row["line_no"])
        stored = self.orders.get(key)
        if stored is not None:
            same = all(stored[c] == row[c] for c in ORDER_FIELDS if c != "completed_at")
            if same and (stored["completed_at"] == row["completed_at"] or row["completed_at"] is None):
                self.duplicates.append(where)
                return
            if same and stored["completed_at"] is None:
                stored["completed_at"], stored["completed_night"] = row["completed_at"], night
                return
            raise RowError("conflicting_redelivery")
        if row["supplier_id"] not in self.suppliers:
            raise RowError("unknown_supplier")
        if row["currency"] != self.currency:
            raise RowError("bad_currency")
        row["goods"] = row["quantity"] * row["unit_price"] - row["discount_platform"] - row["discount_supplier"]
        if row["goods"] < 0:
            raise RowError("negative_goods")
        if row["paid_points"] + row["paid_credit"] + row["paid_cash"] != row["goods"] + row["freight"]:
            raise RowError("tender_mismatch")
        row["night"], row["where"] = night, where
        row["completed_night"] = night if row["completed_at"] else None
        self.orders[key] = row
        self.accepted[where] = night

    def refund(self, night, where, cells, numbers):
        for column in ("refund_id", "order_id", "line_no", "refund_type", "quantity", "refund_goods", "refunded_at"):
            if not cells.get(column):
                raise RowError("missing_field")
        row = {"line_no": integer(cells["line_no"], 1), "quantity": integer(cells["quantity"], 0)}
        for column in REFUND_MONEY:
            if column in numbers:
                raise RowError("bad_money")
            row[column] = money(cells.get(column))
        row["refunded_at"] = instant(cells["refunded_at"])
        if cells["refund_type"] not in ("cancel", "refund_only", "return"):
            raise RowError("bad_refund_type")
        row.update(refund_id=cells["refund_id"], order_id=cells["order_id"], refund_type=cells["refund_type"])
        key = (row["refund_id"], row["order_id"], row["line_no"])
        if key in self.refunds:
            if self.refunds[key] == dict(self.refunds[key], **row):
                self.duplicates.append(where)
                return
            raise RowError("conflicting_redelivery")
        if sum(row["refund_" + t] for t in TENDERS) != row["refund_goods"] + row["refund_freight"]:
            raise RowError("tender_mismatch")
        row["key"], row["where"], row["night"] = key, where, night
        self.refunds[key] = row
        self.pending.append(row)

    def adjustment(self, night, where, cells, numbers):
        for column in ("adjustment_id", "supplier_id", "amount", "reason", "approved_by", "effective_at"):
            if not cells.get(column):
                raise RowError("missing_field")
        money(cells["amount"], signed=True)
        instant(cells["effective_at"])
        if cells["supplier_id"] not in self.suppliers:
            raise RowError("unknown_supplier")
        self.accepted[where] = night

    def use_refunds(self, night):
        """SPEC 3.2: refunds whose line is stored become usable, in order of refunded_at and keys."""
        usable = sorted((r for r in self.pending if (r["order_id"], r["line_no"]) in self.orders),
                        key=lambda r: (r["refunded_at"], r["refund_id"], r["order_id"], r["line_no"]))
        self.pending = [r for r in self.pending if (r["order_id"], r["line_no"]) not in self.orders]
        for refund in usable:
            line_key = (refund["order_id"], refund["line_no"])
            line = self.orders[line_key]
            done = self.refunded.setdefault(line_key, {"quantity": 0, "goods": 0, "freight": 0,
                                                       "points": 0, "credit": 0, "cash": 0})
            after = {"quantity": done["quantity"] + refund["quantity"],
                     "goods": done["goods"] + refund["refund_goods"],
                     "freight": done["freight"] + refund["refund_freight"]}
            after.update({t: done[t] + refund["refund_" + t] for t in TENDERS})
            if after["quantity"] > line["quantity"] or after["goods"] > line["goods"] or \
                    after["freight"] > line["freight"] or any(after[t] > line["paid_" + t] for t in TENDERS):
                self.quarantine.append(refund["where"] + ("over_refund",))
                del self.refunds[refund["key"]]
                continue
            done.update(after)
            self.accepted[refund["where"]] = night
        for refund in self.pending:
            self.held.setdefault(refund["where"], []).append(night)

    def night(self, night, files):
        files = sorted(files, key=lambda f: (KIND_ORDER.index(f[0].split("/")[1].split("-")[0]), f[0].split("/")[1]))
        handlers = {"orders": self.order, "refunds": self.refund, "adjustments": self.adjustment}
        for path, data in files:
            name = path.split("/")[1]
            digest = hashlib.sha256(decoded(data, name)).hexdigest()
            if digest in self.hashes:
                self.noop_files.append(path)
                continue
            self.hashes[digest] = path
            handler = handlers.get(name.split("-")[0])
            for line, cells, numbers in read_rows(name, data):
                self.rows_read += 1
                if handler is None:
                    continue
                try:
                    if cells is None:
                        raise RowError("malformed_row")
                    handler(night, (path, line), cells, numbers)
                except RowError as error:
                    self.quarantine.append((path, line, error.reason))
        self.use_refunds(night)


def readme():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    table = []
    for line in text.splitlines():
        m = re.fullmatch(r"\| `(\d{4}-\d{2}-\d{2}/[^`]+)` \| (\d+) \| (.*) \| (.*) \|", line)
        if m:
            table.append({"file": m.group(1), "line": int(m.group(2)), "what": m.group(3), "expected": m.group(4)})
    m = re.search(r": (\d+) files, ([\d,]+) bytes in all\.", text)
    totals = (int(m.group(1)), int(m.group(2).replace(",", ""))) if m else None
    variations = {}
    for line in text.splitlines():
        m = re.fullmatch(r"  - (.+?): ((?:`\d{4}-\d{2}-\d{2}/[^`]+`(?:, )?)+)\.", line)
        if m:
            variations[m.group(1)] = set(re.findall(r"`(\d{4}-\d{2}-\d{2}/[^`]+)`", m.group(2)))
    return table, totals, variations


def main():
    problems = []

    def need(condition, message):
        if not condition:
            problems.append(message)

    with open(CONFIG, encoding="utf-8") as f:
        config = json.load(f)
    disk = {}
    for folder in sorted(os.listdir(DAYS_DIR)):
        for name in sorted(os.listdir(os.path.join(DAYS_DIR, folder))):
            with open(os.path.join(DAYS_DIR, folder, name), "rb") as f:
                disk[f"{folder}/{name}"] = f.read()
    table, totals, variations = readme()
    need(table, "README.md: no table of oddities found")
    size = sum(len(b) for b in disk.values())
    need(totals == (len(disk), size), f"README says {totals} (files, bytes); on disk {len(disk)}, {size}")

    nights = Nights(config)
    for folder in sorted({p.split("/")[0] for p in disk}):
        nights.night(date.fromisoformat(folder), [(p, b) for p, b in disk.items() if p.startswith(folder + "/")])

    # 1. The oddities, where the README says.
    want_quarantine = sorted((o["file"], o["line"], o["expected"].split()[1].rstrip(";,.")) for o in table
                             if o["expected"].startswith("quarantined"))
    need(sorted(nights.quarantine) == want_quarantine,
         f"quarantined:\n    README  {want_quarantine}\n    model   {sorted(nights.quarantine)}")
    bad_nights = [f.split("/")[0] for f, _, _ in want_quarantine]
    need(len(set(bad_nights)) == len(bad_nights), f"two BAD rows share a night: {bad_nights}")
    need(all(o["what"].startswith("BAD:") == o["expected"].startswith("quarantined") for o in table),
         "a row marked BAD is not expected quarantined, or the reverse")
    want_duplicates = sorted((o["file"], o["line"]) for o in table if o["expected"].startswith("duplicate"))
    need(sorted(nights.duplicates) == want_duplicates, f"duplicates: README {want_duplicates}, model {nights.duplicates}")
    want_noop = [o["file"] for o in table if o["expected"].startswith("whole file is a no-op")]
    need(nights.noop_files == want_noop, f"no-op files: README {want_noop}, model {nights.noop_files}")
    orphans = [o for o in table if o["expected"].startswith("held as orphan")]
    need(len(orphans) == 1, f"{len(orphans)} orphan rows in the README")
    need(len(nights.held) == len(orphans), f"refunds held as orphans: {sorted(nights.held)}")
    for o in orphans:
        m = re.search(r"runs of (\d\d-\d\d) and (\d\d-\d\d), usable on (\d\d-\d\d)", o["expected"])
        held = [d.isoformat()[5:] for d in nights.held.get((o["file"], o["line"]), [])]
        need(m and held == [m.group(1), m.group(2)], f"{o['file']}:{o['line']}: held on {held}")
        usable = nights.accepted.get((o["file"], o["line"]))
        need(m and usable and usable.isoformat()[5:] == m.group(3), f"{o['file']}:{o['line']}: accepted on {usable}")
    late = [o for o in table if "late (late=1" in o["expected"]]
    need(len(late) == 2, f"{len(late)} late refunds in the README")
    for o in late:
        where = (o["file"], o["line"])
        refund = next((r for r in nights.refunds.values() if r["where"] == where), None)
        need(refund is not None and nights.accepted.get(where, date.min) > OCTOBER_CLOSED_AFTER
             and business_date(refund["refunded_at"]).month == 10,
             f"{o['file']}:{o['line']}: not an October refund accepted after the October close")
    for o in table:
        if o["expected"].startswith("accepted"):
            need((o["file"], o["line"]) in nights.accepted, f"{o['file']}:{o['line']}: not accepted")

    # 2. The good data.
    late_lines = {(o["file"], o["line"]) for o in table if "late" in o["what"] and o["file"].split("/")[1].startswith("orders")}
    late_orders = {r["order_id"] for r in nights.orders.values() if r["where"] in late_lines}
    for key, row in nights.orders.items():
        need(row["paid_points"] + row["paid_credit"] + row["paid_cash"] == row["goods"] + row["freight"],
             f"{key} does not balance")
        need((row["paid_cash"] > 0) == bool(row["payment_channel"]), f"{key}: payment_channel vs paid_cash")
        need(row["paid_credit"] == 0 or row["buyer_id"], f"{key}: credit without a buyer")
        need(config_mode(nights, row) != "purchase" or row["cost_price"] > 0, f"{key}: purchase line without cost")
        need(row["ordered_at"] <= row["paid_at"], f"{key}: ordered after paid")
        need(business_date(row["paid_at"]) == row["night"] or row["order_id"] in late_orders,
             f"{key}: paid {business_date(row['paid_at'])}, delivered {row['night']}")
        if row["completed_at"]:
            need(row["paid_at"] <= row["completed_at"], f"{key}: completed before paid")
            need(business_date(row["completed_at"]) == row["completed_night"],
                 f"{key}: completed {business_date(row['completed_at'])}, delivered {row['completed_night']}")
    for refund in nights.refunds.values():
        line = nights.orders.get((refund["order_id"], refund["line_no"]))
        need(line is not None, f"{refund['key']}: its line never arrived")
        if line is not None:
            need(refund["refunded_at"] >= line["paid_at"], f"{refund['key']}: refunded before paid")

    # 3. The format variations, on exactly the files listed.
    def has(path, prop):
        data = disk[path]
        name = path.split("/")[1]
        if prop == "gzip":
            return name.endswith(".jsonl.gz") and data[:2] == b"\x1f\x8b"
        text = decoded(data, name).decode("utf-8")
        header = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r").split(",")
        return {
            "crlf": "\r\n" in text,
            "bom": text.startswith("\ufeff"),
            "utc": name.startswith("orders") and bool(re.search(r"T[\d:.]+Z", text))
            and not re.search(r"T[\d:.]+\+08:00", text),
            "source": name.startswith("orders") and "source" in header,
            "reordered": name.startswith("orders") and name.endswith(".csv")
            and header[:len(ORDER_FIELDS)] != ORDER_FIELDS,
            "chinese": name.startswith("adjustments") and bool(re.search(r'[\u4e00-\u9fff][^\n]*"[^\n]*,', text)),
        }[prop]

    kinds = {"CRLF": "crlf", "every timestamp in UTC": "utc", "gzip JSON Lines": "gzip", "an extra `source`": "source",
             "the columns in another order": "reordered", "a UTF-8 byte-order mark": "bom",
             "an adjustment reason in Chinese": "chinese"}
    for lead, prop in kinds.items():
        listed = next((files for what, files in variations.items() if what.startswith(lead)), None)
        need(listed, f"README: no format variation starting {lead!r}")
        found = {p for p in disk if has(p, prop)}
        if prop == "crlf":
            found -= {o["file"] for o in table if o["line"] == 0}     # the re-sent file repeats its original
        need(listed == found, f"{prop}: README lists {sorted(listed or [])[:4]}…, files are {sorted(found)[:4]}…")

    print(f"check_sample: {len(disk)} files, {size:,} bytes; {nights.rows_read:,} rows read; "
          f"{len(nights.orders):,} order lines; {sum(1 for r in nights.orders.values() if r['completed_at']):,} "
          f"completed; {len(nights.refunds)} refunds accepted; quarantined {len(nights.quarantine)}: "
          + ", ".join(f"{f}:{l} {r}" for f, l, r in sorted(nights.quarantine))
          + f"; duplicates {nights.duplicates}; re-sent {nights.noop_files}; orphan nights "
          f"{sorted(d.isoformat() for v in nights.held.values() for d in v)}")
    if problems:
        print("check_sample: FAILED")
        for problem in problems[:40]:
            print("  -", problem)
        return 1
    print("check_sample: OK")
    return 0


def config_mode(nights, row):
    return nights.suppliers[row["supplier_id"]]["mode"]


if __name__ == "__main__":
    sys.exit(main())
