#!/usr/bin/env python3
"""add_oddities.py: the sample's deliberate oddities, injected into the generated mall's feeds.

    python3 SampleData/add_oddities.py CLEAN_DAYS OUT_DAYS

CLEAN_DAYS is the `days/` folder that `mallsettle generate` wrote: the feeds the journal
implies, night by night, with `mall.json` and `catalog.json` beside it. OUT_DAYS (normally
SampleData/days) is replaced whole by a copy of those feeds in which the oddities listed in
SampleData/README.md have been injected. `SampleData/make_sample.sh` runs this script; run it
directly only on the output of the same `generate` command.

Every oddity picks its target by a rule written out in words below (e.g. "the first order
line paid on 2026-10-04 wholly in points, never refunded and never delivered again"), and
the script stops with an error naming the rule when the rule finds nothing, so a change in
the generator cannot silently move or drop an oddity. Each bad row is alone on its night.

The script then rewrites the generated parts of SampleData/README.md (between the
`BEGIN add_oddities.py` and `END add_oddities.py` markers): the summary counts and the table
of oddities (file, line, what, expected, replay break), from what it actually did.

Deterministic: the same CLEAN_DAYS always give the same bytes (gzip without a time stamp).
Standard library only. Files are read and written as bytes; money is integer fen.
"""

import csv
import gzip
import io
import json
import os
import re
import shutil
import sys
from datetime import date, datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "README.md")
KINDS = ["orders", "refunds", "payments", "repayments", "adjustments"]
TIME_COLUMNS = {"ordered_at", "paid_at", "completed_at", "refunded_at", "occurred_at", "effective_at"}
INTEGER_COLUMNS = {"line_no", "quantity"}
SHANGHAI = timezone(timedelta(hours=8))
UNKNOWN_SUPPLIER = "SUP-ZETA"
# Formats (SPEC 3 allows all of them): which files get which.
CRLF_DAY_DIVISOR = 3                    # every file of the nights whose day of month is a multiple of 3
JSONL_GZ_ORDERS = "2026-10-18"          # that night's orders as gzip JSON Lines
UTC_ORDERS = "2026-10-10"               # that night's orders with every timestamp in UTC (`Z`)
SOURCE_COLUMN_FROM = "2026-10-25"       # orders carry an extra, ignored `source` column from this night
REORDERED_FROM = "2026-11-01"           # orders columns in another order from this night
BOM_REFUNDS = "2026-10-28"              # that night's refunds file starts with a UTF-8 BOM
CHINESE_SOURCE = '福利商城 "双十一" 预热, 小程序'
REORDERED_COLUMNS = [
    "order_id", "line_no", "sku", "quantity", "unit_price", "paid_cash", "paid_points", "paid_credit",
    "payment_channel", "supplier_id", "parent_order_id", "buyer_id", "member_level", "category", "cost_price",
    "discount_platform", "discount_supplier", "freight", "currency", "ordered_at", "paid_at", "completed_at",
    "source",
]
ADJUSTMENT_COLUMNS = ["adjustment_id", "supplier_id", "amount", "reason", "approved_by", "effective_at"]
ADJUSTMENTS = {  # night -> rows; finance's manual corrections (not part of the journal)
    "2026-10-08": [["ADJ-20261008-01", "SUP-0002", "120.00",
                    "Warehouse damaged 4 reams in storage, compensation (ticket FIN-1008)",
                    "li.na@finance", "2026-10-08T17:30:00+08:00"]],
    "2026-10-21": [["ADJ-20261021-01", "SUP-0004", "-85.50", "Late shipment penalty, SLA 48h, 3 orders",
                    "wang.lei@finance", "2026-10-21T02:00:00Z"]],
    "2026-11-03": [["ADJ-20261103-01", "SUP-0001", "-300.00", '十月售后纠纷赔付，工单 "FIN-2611", 由供应商承担',
                    "zhao.min@finance", "2026-11-03T11:00:00+08:00"],
                   ["ADJ-20261103-02", "SUP-0007", "45.60", "中秋礼盒包装费补贴 (packaging subsidy)",
                    "zhao.min@finance", "2026-11-03T03:00:00Z"]],
}


def fail(message):
    sys.exit(f"add_oddities.py: {message}")


def rule_found_nothing(rule):
    fail(f"no row fits the rule: {rule}")


# ---------------------------------------------------------------- money and time

def fen(text):
    """'12.30' -> 1230. Only the plain two-decimal text that replay writes."""
    if not re.fullmatch(r"-?[0-9]+\.[0-9]{2}", text):
        fail(f"unexpected money text {text!r}")
    negative = text.startswith("-")
    whole, frac = text.lstrip("-").split(".")
    value = int(whole) * 100 + int(frac)
    return -value if negative else value


def money(value):
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"


def exponent_notation(value):
    """A positive amount in fen written with an exponent: 46940 -> '4.694e2' (= 469.40)."""
    digits = str(value)
    exponent = len(digits) - 1 - 2
    mantissa = digits.rstrip("0")
    mantissa = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
    return f"{mantissa}e{exponent}"


TIME_RE = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def instant(text):
    """A timestamp as an aware datetime (fraction ignored: only used for dates and ordering)."""
    m = TIME_RE.fullmatch(text)
    if not m:
        fail(f"unexpected timestamp {text!r}")
    offset = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.fromisoformat(m.group(1) + offset)


def business_date(text):
    return instant(text).astimezone(SHANGHAI).date()


def in_utc(text):
    """'2026-10-10T07:59:37.938+08:00' -> '2026-10-09T23:59:37.938Z': the same instant."""
    m = TIME_RE.fullmatch(text)
    if not m:
        fail(f"unexpected timestamp {text!r}")
    utc = instant(text).astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (m.group(2) or "") + "Z"


def without_offset(text):
    m = TIME_RE.fullmatch(text)
    if not m:
        fail(f"unexpected timestamp {text!r}")
    return m.group(1) + (m.group(2) or "")


# ---------------------------------------------------------------- feed files

class Feed:
    """One delivered file: its rows as dicts in file order, and how it is written."""

    def __init__(self, day, name, header, rows):
        self.day, self.name, self.header, self.rows = day, name, header, rows
        self.kind = name.split("-")[0]
        self.crlf = False
        self.bom = False
        self.jsonl_gz = False
        self.utc = False
        self.source_column = False
        self.column_order = None
        self.copy_of = None     # a Feed whose final bytes this file repeats

    @property
    def path(self):
        return f"{self.day}/{self.name}"

    def columns(self):
        columns = list(self.header) + (["source"] if self.source_column else [])
        if self.column_order is not None:
            if sorted(self.column_order) != sorted(columns):
                fail(f"{self.path}: the reordered columns are not a permutation of {columns}")
            columns = list(self.column_order)
        return columns

    def cells(self, row):
        out = dict(row)
        if self.source_column:
            out["source"] = source_of(row)
        if self.utc:
            for column in TIME_COLUMNS & set(out):
                if out[column]:
                    out[column] = in_utc(out[column])
        return out

    def render(self):
        if self.copy_of is not None:
            return self.copy_of.render()
        if self.jsonl_gz:
            lines = []
            for row in self.rows:
                cells = self.cells(row)
                obj = {c: (int(cells[c]) if c in INTEGER_COLUMNS else cells[c]) for c in self.columns() if cells[c] != ""}
                lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
            return gzip.compress("".join(lines).encode("utf-8"), compresslevel=9, mtime=0)
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n" if self.crlf else "\n")
        columns = self.columns()
        writer.writerow(columns)
        for row in self.rows:
            cells = self.cells(row)
            writer.writerow([cells[c] for c in columns])
        return ("\ufeff" if self.bom else "").encode("utf-8") + text.getvalue().encode("utf-8")

    def line_of(self, row):
        """The row's line in the written file: the header is line 1 (JSON Lines: the first row)."""
        for index, candidate in enumerate(self.rows):
            if candidate is row:
                return index + (1 if self.jsonl_gz else 2)
        fail(f"{self.path}: row not found")


def source_of(row):
    """The extra column's value: where the order came from (ignored by MallSettle)."""
    if row.get("_chinese_source"):
        return CHINESE_SOURCE
    return "b2b-portal" if row.get("buyer_id", "").startswith("DLR-") else "welfare-app"


def read_clean(days_dir):
    feeds = {}
    for day in sorted(os.listdir(days_dir)):
        folder = os.path.join(days_dir, day)
        if not os.path.isdir(folder):
            continue   # rejected.csv and points_lost.csv sit beside the day folders
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as f:
                raw = f.read()
            reader = csv.reader(io.StringIO(raw.decode("utf-8"), newline=""))
            header = next(reader)
            rows = [dict(zip(header, record)) for record in reader]
            feed = Feed(day, name, header, rows)
            if feed.kind not in KINDS:
                fail(f"{feed.path}: unexpected feed kind")
            if feed.render() != raw:
                fail(f"{feed.path}: reading and writing it again does not give the same bytes")
            feeds[(day, name)] = feed
    if not feeds:
        fail(f"{days_dir}: no feed files")
    return feeds


# ---------------------------------------------------------------- the sample

class Oddity:
    def __init__(self, feed, row, what, expected, replay="", bad=False):
        self.feed, self.row, self.what, self.expected, self.replay, self.bad = feed, row, what, expected, replay, bad

    def line(self):
        return 0 if self.row is None else self.feed.line_of(self.row)


class Sample:
    def __init__(self, feeds, config):
        self.feeds = feeds
        self.config = config
        self.suppliers = {s["id"]: s for s in config["suppliers"]}
        self.oddities = []
        self.targets = set()        # order lines (order_id, line_no) already used by an oddity
        # Indexes of the clean data, taken before anything changes.
        self.deliveries = {}        # line key -> [(feed, row)] in delivery order
        self.refunds_of = {}        # line key -> [(feed, row)]
        for feed in self.sorted_feeds():
            for row in feed.rows:
                if feed.kind == "orders":
                    self.deliveries.setdefault(key(row), []).append((feed, row))
                elif feed.kind == "refunds":
                    self.refunds_of.setdefault(key(row), []).append((feed, row))

    def sorted_feeds(self, kind=None):
        return [self.feeds[k] for k in sorted(self.feeds) if kind is None or self.feeds[k].kind == kind]

    def feed(self, day, kind, create=False):
        name = f"{kind}-{day.replace('-', '')}.csv"
        if (day, name) not in self.feeds:
            if not create:
                fail(f"no {name} on {day}")
            header = {"refunds": REFUND_HEADER, "adjustments": ADJUSTMENT_COLUMNS}[kind]
            self.feeds[(day, name)] = Feed(day, name, list(header), [])
        return self.feeds[(day, name)]

    def line(self, order_key):
        """The order row as first delivered (its values; the completion adds completed_at)."""
        return self.deliveries[order_key][0][1]

    def supplier_of(self, order_key):
        return self.suppliers.get(self.line(order_key)["supplier_id"])

    def add(self, *args, **kwargs):
        oddity = Oddity(*args, **kwargs)
        self.oddities.append(oddity)
        return oddity

    def quiet_line(self, order_key):
        """Delivered once, never refunded, not used yet: a bad copy leaves one visible trace."""
        return (len(self.deliveries[order_key]) == 1 and order_key not in self.refunds_of
                and order_key not in self.targets)


REFUND_HEADER = ["refund_id", "order_id", "line_no", "refund_type", "quantity", "refund_goods", "refund_freight",
                 "refund_points", "refund_credit", "refund_cash", "refunded_at"]


def key(row):
    return (row["order_id"], row["line_no"])


def replay_key(*parts):
    return "/".join(parts)


def paid_in_points_only(row):
    return fen(row["paid_cash"]) == 0 and fen(row["paid_credit"]) == 0 and fen(row["paid_points"]) > 0


def paid_in_cash_only(row):
    return fen(row["paid_points"]) == 0 and fen(row["paid_credit"]) == 0 and fen(row["freight"]) == 0


def goods(row):
    return int(row["quantity"]) * fen(row["unit_price"]) - fen(row["discount_platform"]) - fen(row["discount_supplier"])


def bad_order_row(sample, day, rule):
    """The first order line paid on `day` wholly in points, delivered once and never refunded."""
    for row in sample.feed(day, "orders").rows:
        if not row["completed_at"] and paid_in_points_only(row) and sample.quiet_line(key(row)):
            sample.targets.add(key(row))
            return row
    rule_found_nothing(rule)


# ---------------------------------------------------------------- the oddities, night by night

def unknown_supplier(sample):
    day = "2026-10-04"
    rule = f"the first order line paid on {day} wholly in points, never refunded and never delivered again"
    row = bad_order_row(sample, day, rule)
    if UNKNOWN_SUPPLIER in sample.suppliers:
        fail(f"{UNKNOWN_SUPPLIER} is configured in mall.json")
    was = row["supplier_id"]
    row["supplier_id"] = UNKNOWN_SUPPLIER
    sample.add(sample.feed(day, "orders"), row,
               f"BAD: {row['order_id']} line {row['line_no']} ({was}'s) delivered with supplier_id {UNKNOWN_SUPPLIER}, "
               f"which mall.json does not configure",
               "quarantined unknown_supplier",
               replay=f"replay_missing orders {replay_key(*key(row))}", bad=True)


def exponent_price(sample):
    day = "2026-10-08"
    rule = f"the first order line paid on {day} wholly in points, never refunded and never delivered again"
    row = bad_order_row(sample, day, rule)
    was = row["unit_price"]
    row["unit_price"] = exponent_notation(fen(was))
    sample.add(sample.feed(day, "orders"), row,
               f"BAD: {row['order_id']} line {row['line_no']} unit_price `{row['unit_price']}` ({was} in exponent "
               f"notation: the tenders would balance if it were read as a number)",
               "quarantined bad_money",
               replay=f"replay_missing orders {replay_key(*key(row))}", bad=True)


def duplicate_row(sample):
    day, previous = "2026-10-07", "2026-10-06"
    rule = f"the first row of the orders of {previous} whose line is not delivered again on {day}"
    feed = sample.feed(day, "orders")
    again = {key(r) for r in feed.rows}
    source = next((r for r in sample.feed(previous, "orders").rows
                   if key(r) not in again and key(r) not in sample.targets), None)
    if source is None:
        rule_found_nothing(rule)
    copy = dict(source)
    feed.rows.insert(len(feed.rows) // 2, copy)
    sample.add(feed, copy,
               f"exact copy of {source['order_id']} line {source['line_no']} from "
               f"orders-{previous.replace('-', '')}.csv",
               "duplicate (a no-op, not a quarantine)")


def resent_file(sample):
    original, day = "2026-10-12", "2026-10-13"
    source = sample.feed(original, "orders")
    name = source.name.replace(".csv", "-resend.csv")
    copy = Feed(day, name, source.header, [])
    copy.copy_of = source
    sample.feeds[(day, name)] = copy
    sample.add(copy, None, f"{source.name} delivered again, byte for byte, as {name}",
               "whole file is a no-op (same SHA-256 as a file already taken)")


def bad_timestamp(sample):
    day = "2026-10-16"
    rule = f"the first order line paid on {day} wholly in points, never refunded and never delivered again"
    row = bad_order_row(sample, day, rule)
    row["paid_at"] = without_offset(row["paid_at"])
    sample.add(sample.feed(day, "orders"), row,
               f"BAD: {row['order_id']} line {row['line_no']} paid_at `{row['paid_at']}` has no offset",
               "quarantined bad_timestamp",
               replay=f"replay_missing orders {replay_key(*key(row))}", bad=True)


def orphan_refund(sample):
    day, late_day = "2026-10-20", "2026-10-22"
    rule = (f"the first cancel refunded on {day} of a child order paid on {day} that is the only child of its "
            f"buyer order")
    orders = sample.feed(day, "orders")
    for refund in sample.feed(day, "refunds").rows:
        if refund["refund_type"] != "cancel":
            continue
        child = refund["order_id"]
        rows = [r for r in orders.rows if r["order_id"] == child]
        parent = rows[0]["parent_order_id"] if rows else None
        siblings = {k[0] for k in sample.deliveries if sample.line(k)["parent_order_id"] == parent}
        lines = {key(r) for r in rows}
        if rows and siblings == {child} and not (lines & sample.targets) \
                and all(len(sample.deliveries[k]) == 1 for k in lines):
            break
    else:
        rule_found_nothing(rule)
    sample.targets |= lines
    late = sample.feed(late_day, "orders")
    for row in rows:
        orders.rows.remove(row)
        late.rows.append(row)
    cancels = [r for r in sample.feed(day, "refunds").rows if r["refund_id"] == refund["refund_id"]]
    next_day = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    supplier = sample.supplier_of(key(rows[0]))
    sample.add(sample.feed(day, "refunds"), cancels[0],
               f"cancel {refund['refund_id']} of {child} ({len(cancels)} row(s), every line; {supplier['id']}) "
               f"arrives before its order lines, which come two nights late in {late.name}",
               f"held as orphan on the runs of {day[5:]} and {next_day[5:]}, usable on {late_day[5:]}; no orphan "
               f"break (window {sample.config.get('orphan_window_days', 3)} days)")
    sample.add(late, rows[0],
               f"{child} ({len(rows)} line(s), {supplier['id']}, settles on {supplier['settle_on']}) paid on {day}, "
               f"delivered two nights late",
               f"accepted; resolves the orphan cancel {refund['refund_id']}")


def three_decimals_refund(sample):
    rule = "the first refund_only of exactly 10.00 paid back wholly in points"
    for feed in sample.sorted_feeds("refunds"):
        for row in feed.rows:
            if row["refund_type"] == "refund_only" and row["refund_goods"] == "10.00" \
                    and row["refund_points"] == "10.00" and key(row) not in sample.targets:
                sample.targets.add(key(row))
                row["refund_goods"] = row["refund_points"] = "10.005"
                sample.add(feed, row,
                           f"BAD: refund_only {row['refund_id']} of {row['order_id']} line {row['line_no']} with "
                           f"refund_goods and refund_points `10.005` (three decimals)",
                           "quarantined bad_money",
                           replay=f"replay_missing refunds {replay_key(row['refund_id'], *key(row))}", bad=True)
                return
    rule_found_nothing(rule)


def tender_mismatch(sample):
    day = "2026-10-23"
    rule = f"the first order line paid on {day} wholly in points, never refunded and never delivered again"
    row = bad_order_row(sample, day, rule)
    due = goods(row) + fen(row["freight"])
    row["paid_points"] = money(fen(row["paid_points"]) - 1)
    sample.add(sample.feed(day, "orders"), row,
               f"BAD: {row['order_id']} line {row['line_no']} paid_points {row['paid_points']} is 0.01 short of "
               f"goods + freight {money(due)}",
               "quarantined tender_mismatch",
               replay=f"replay_missing orders {replay_key(*key(row))}", bad=True)


def over_refund(sample):
    day = "2026-10-27"
    rule = (f"the last refund_only refunded before {day} of a line paid wholly in cash without freight, "
            f"not refunded again")
    candidates = []
    for feed in sample.sorted_feeds("refunds"):
        for row in feed.rows:
            line_key = key(row)
            if row["refund_type"] != "refund_only" or business_date(row["refunded_at"]).isoformat() >= day:
                continue
            if line_key not in sample.deliveries or line_key in sample.targets:
                continue
            if paid_in_cash_only(sample.line(line_key)) and len(sample.refunds_of[line_key]) == 1:
                candidates.append((instant(row["refunded_at"]), row["refund_id"], row))
    if not candidates:
        rule_found_nothing(rule)
    earlier = max(candidates, key=lambda c: (c[0], c[1]))[2]
    line = sample.line(key(earlier))
    sample.targets.add(key(earlier))
    remaining = goods(line) - fen(earlier["refund_goods"])
    amount = money(remaining + 1)
    refund_id = f"R{day.replace('-', '')}90001"
    row = {"refund_id": refund_id, "order_id": earlier["order_id"], "line_no": earlier["line_no"],
           "refund_type": "refund_only", "quantity": "0", "refund_goods": amount, "refund_freight": "0.00",
           "refund_points": "0.00", "refund_credit": "0.00", "refund_cash": amount,
           "refunded_at": f"{day}T10:15:00+08:00"}
    feed = sample.feed(day, "refunds", create=True)
    at = next((i for i, r in enumerate(feed.rows) if instant(r["refunded_at"]) > instant(row["refunded_at"])),
              len(feed.rows))
    feed.rows.insert(at, row)
    sample.add(feed, row,
               f"BAD: refund_only {refund_id} of {row['order_id']} line {row['line_no']} "
               f"({line['supplier_id']}, paid {line['paid_cash']} in cash) for {amount} in cash: "
               f"{earlier['refund_id']} already refunded {earlier['refund_goods']}, so it exceeds what remains "
               f"({money(remaining)}) by 0.01",
               "quarantined over_refund (when it becomes usable, the same night)", bad=True)


def conflicting_redelivery(sample):
    day = "2026-10-29"
    rule = (f"the first completion delivered on {day} of a line paid wholly in points, of a supplier that "
            f"settles on payment, never refunded")
    feed = sample.feed(day, "orders")
    for row in feed.rows:
        line_key = key(row)
        deliveries = sample.deliveries[line_key]
        if row["completed_at"] and len(deliveries) == 2 and deliveries[1][1] is row \
                and paid_in_points_only(row) and sample.supplier_of(line_key)["settle_on"] == "paid" \
                and line_key not in sample.refunds_of and line_key not in sample.targets:
            break
    else:
        rule_found_nothing(rule)
    sample.targets.add(line_key)
    was = row["unit_price"]
    row["unit_price"] = money(fen(was) + 1000)
    row["paid_points"] = money(fen(row["paid_points"]) + int(row["quantity"]) * 1000)
    first = deliveries[0][0]
    sample.add(feed, row,
               f"BAD: the completion of {row['order_id']} line {row['line_no']} ({row['supplier_id']}, delivered "
               f"in {first.name}) re-delivered with unit_price {row['unit_price']} (stored: {was}) and "
               f"paid_points to match",
               "quarantined conflicting_redelivery; the stored row is kept, so the line stays uncompleted",
               replay=f"replay_mismatch orders {replay_key(*line_key)} completed_at", bad=True)


def late_refund(sample, supplier_id, types, delivered, what_posts):
    supplier = sample.suppliers.get(supplier_id)
    if supplier is None or supplier["cycle"] != "monthly" or supplier.get("cycle_day") != 1:
        fail(f"{supplier_id} is not a monthly supplier from day 1 in mall.json")
    rule = (f"the last {' or '.join(types)} of a {supplier_id} line refunded in October, paid back without cash, "
            f"after its line's trigger")
    candidates = []
    for feed in sample.sorted_feeds("refunds"):
        for row in feed.rows:
            line_key = key(row)
            if row["refund_type"] not in types or line_key not in sample.deliveries or line_key in sample.targets:
                continue
            line = sample.line(line_key)
            if line["supplier_id"] != supplier_id or fen(row["refund_cash"]) != 0:
                continue
            refunded = instant(row["refunded_at"])
            if refunded.astimezone(SHANGHAI).month != 10:
                continue
            completion = [r["completed_at"] for _, r in sample.deliveries[line_key] if r["completed_at"]]
            trigger = line["paid_at"] if supplier["settle_on"] == "paid" else (completion or [None])[0]
            if trigger is None or instant(trigger) > refunded:
                continue
            candidates.append((refunded, row["refund_id"], feed, row))
    if not candidates:
        rule_found_nothing(rule)
    _, _, source, row = max(candidates, key=lambda c: (c[0], c[1]))
    sample.targets.add(key(row))
    source.rows.remove(row)
    target = sample.feed(delivered, "refunds", create=True)
    target.rows.append(row)
    month = date.fromisoformat(delivered).replace(day=1)
    sheet = f"{supplier_id}-{supplier['entity']}-{sample.config.get('currency', 'CNY')}-{month:%Y%m%d}"
    sample.add(target, row,
               f"{row['refund_type']} {row['refund_id']} of {row['order_id']} line {row['line_no']} "
               f"({row['quantity']} unit(s); {supplier_id}, {supplier['mode']}, monthly), refunded_at "
               f"{row['refunded_at']}, delivered {delivered} instead of {source.day}",
               f"accepted; {what_posts} late (late=1, original_period 2026-10-01) in {sheet}, as October "
               f"was closed after the night of 11-02")


def adjustments(sample):
    for day, rows in ADJUSTMENTS.items():
        feed = sample.feed(day, "adjustments", create=True)
        for cells in rows:
            if cells[1] not in sample.suppliers:
                fail(f"adjustment {cells[0]}: {cells[1]} is not configured")
            feed.rows.append(dict(zip(ADJUSTMENT_COLUMNS, cells)))


def formats(sample):
    """Format variations; returns (what, files) pairs for the README."""
    out = []
    gz = sample.feed(JSONL_GZ_ORDERS, "orders")
    gz.jsonl_gz = True
    gz.name = gz.name.replace(".csv", ".jsonl.gz")
    crlf = [f for f in sample.sorted_feeds() if date.fromisoformat(f.day).day % CRLF_DAY_DIVISOR == 0
            and f.copy_of is None and not f.jsonl_gz]
    for feed in crlf:
        feed.crlf = True
    out.append((f"CRLF line ends: every CSV file of the nights whose day of month is a multiple of "
                f"{CRLF_DAY_DIVISOR}", crlf))
    utc = sample.feed(UTC_ORDERS, "orders")
    utc.utc = True
    out.append(("every timestamp in UTC (`Z`), so a time from 16:00 UTC on is the next business day", [utc]))
    out.append(("gzip JSON Lines: money as strings, line_no and quantity as numbers, empty fields left out", [gz]))
    extra = [f for f in sample.sorted_feeds("orders") if f.day >= SOURCE_COLUMN_FROM and not f.jsonl_gz
             and f.copy_of is None]
    for feed in extra:
        feed.source_column = True
    first = extra[0].rows[0]
    first["_chinese_source"] = True
    out.append((f"an extra `source` column (ignored); its first row says `{CHINESE_SOURCE}`, with quotes and a "
                f"comma", extra))
    reordered = [f for f in extra if f.day >= REORDERED_FROM]
    for feed in reordered:
        feed.column_order = REORDERED_COLUMNS
    out.append(("the columns in another order", reordered))
    bom = sample.feed(BOM_REFUNDS, "refunds")
    bom.bom = True
    out.append(("a UTF-8 byte-order mark", [bom]))
    chinese = [f for f in sample.sorted_feeds("adjustments") if any('"' in r["reason"] and "，" in r["reason"]
                                                                   for r in f.rows)]
    out.append(("an adjustment reason in Chinese with quotes and commas", chinese))
    # Keep the sample's files unique by name after the gzip rename.
    sample.feeds = {(f.day, f.name): f for f in sample.feeds.values()}
    return out


def build(clean_days):
    root = os.path.dirname(os.path.abspath(clean_days.rstrip("/")))
    with open(os.path.join(root, "mall.json"), encoding="utf-8") as f:
        config = json.load(f)
    sample = Sample(read_clean(clean_days), config)
    unknown_supplier(sample)
    duplicate_row(sample)
    exponent_price(sample)
    resent_file(sample)
    bad_timestamp(sample)
    orphan_refund(sample)
    three_decimals_refund(sample)
    tender_mismatch(sample)
    over_refund(sample)
    conflicting_redelivery(sample)
    late_refund(sample, "SUP-0001", ["return"], "2026-11-03", "its reverse lines are")
    late_refund(sample, "SUP-0008", ["return", "cancel"], "2026-11-04", "its COST reversal is")
    adjustments(sample)
    for feed in list(sample.feeds.values()):
        if not feed.rows and feed.copy_of is None:
            del sample.feeds[(feed.day, feed.name)]   # a refund moved away left nothing that night
    variations = formats(sample)
    bad_nights = [o.feed.day for o in sample.oddities if o.bad]
    if len(set(bad_nights)) != len(bad_nights):
        fail(f"two bad rows share a night: {sorted(bad_nights)}")
    rejected = os.path.join(clean_days, "rejected.csv")
    with open(rejected, encoding="utf-8") as f:
        refused = list(csv.DictReader(f))
    return sample, variations, refused


# ---------------------------------------------------------------- output

def write(sample, out_days):
    if os.path.isdir(out_days):
        shutil.rmtree(out_days)
    for feed in sample.sorted_feeds():
        folder = os.path.join(out_days, feed.day)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, feed.name), "wb") as f:
            f.write(feed.render())


def summary(sample, variations, refused):
    feeds = sample.sorted_feeds()
    days = sorted({f.day for f in feeds})
    sizes = sum(len(f.render()) for f in feeds)
    rows = {kind: sum(len(f.rows) for f in feeds if f.kind == kind and f.copy_of is None) for kind in KINDS}
    resent = sum(len(f.copy_of.rows) for f in feeds if f.copy_of is not None)
    lines = sample.deliveries
    children = {k[0] for k in lines}
    parents = {sample.line(k)["parent_order_id"] for k in lines}
    completions = sum(1 for k in lines for _, r in sample.deliveries[k] if r["completed_at"])
    refund_types = {}
    for feed in sample.sorted_feeds("refunds"):
        for row in feed.rows:
            refund_types[row["refund_type"]] = refund_types.get(row["refund_type"], 0) + 1
    per_supplier = {}
    for k in lines:
        per_supplier[sample.line(k)["supplier_id"]] = per_supplier.get(sample.line(k)["supplier_id"], 0) + 1
    buyers = {sample.line(k)["buyer_id"] for k in lines}
    out = [
        f"- `days/YYYY-MM-DD/`: one folder per business night (Asia/Shanghai), {days[0]} to {days[-1]} "
        f"({len(days)} folders): {len(feeds)} files, {sizes:,} bytes in all.",
        f"- Rows: orders {rows['orders']:,}, refunds {rows['refunds']}, payments {rows['payments']}, "
        f"repayments {rows['repayments']}, adjustments {rows['adjustments']} (plus the {resent} rows of the "
        f"re-sent file).",
        f"- {len(lines):,} order lines in {len(parents):,} buyer orders split into {len(children):,} child orders "
        f"(`O2026100100001` → `O2026100100001-1`, `-2`, one per supplier); {completions:,} of the order rows are "
        f"completions (the same line again with `completed_at`).",
        "- Refund rows: " + ", ".join(f"{t} {n}" for t, n in sorted(refund_types.items())) + ".",
        f"- Buyers with order lines: {sum(1 for b in buyers if b.startswith('EMP-'))} employees (`EMP-…`) and "
        f"{sum(1 for b in buyers if b.startswith('DLR-'))} dealers (`DLR-…`, pay on credit, with a "
        f"`credit_accounts` entry each in `mall.json`).",
        f"- The journal has {len(refused)} event(s) the core refuses on purpose ("
        + ", ".join(f"line {r['line']} `{r['event']}` {r['reason']}" for r in refused) + "): no feed row comes "
        "from them.",
        "- Suppliers (order lines):",
    ]
    for supplier in sample.config["suppliers"]:
        cycle = supplier["cycle"] + (f"/{supplier['cycle_day']}" if "cycle_day" in supplier else "")
        out.append(f"  - `{supplier['id']}` {supplier['name']} ({supplier['mode']}, ships {supplier['ships']}, "
                   f"{cycle}, settles on {supplier['settle_on']}, {supplier['entity']}): "
                   f"{per_supplier.get(supplier['id'], 0)}")
    out.append("- Adjustments (`adjustment_id,supplier_id,amount,reason,approved_by,effective_at`): "
               + "; ".join(f"`{f.name}` ({len(f.rows)})" for f in sample.sorted_feeds("adjustments")) + ".")
    out.append("- Format variations (all allowed by SPEC 3):")
    for what, files in variations:
        out.append(f"  - {what}: " + ", ".join(f"`{f.path}`" for f in files) + ".")
    return "\n".join(out)


def oddity_table(sample):
    out = ["| file | line | what | expected |", "|---|---|---|---|"]
    rows = sorted(sample.oddities, key=lambda o: (o.feed.day, o.feed.name, o.line()))
    for o in rows:
        out.append(f"| `{o.feed.path}` | {o.line()} | {o.what} | {o.expected} |")
    out.append("")
    out.append("What `mallsettle reconcile --replay SampleData/journal.jsonl --catalog SampleData/catalog.json` "
               "finds after `make run` (SPEC 9: the ingested feeds against the journal's, row by row), and why:")
    out.append("")
    out.append("| break | oddity |")
    out.append("|---|---|")
    for o in sorted((o for o in sample.oddities if o.replay), key=lambda o: o.replay):
        kind, feed, rest = o.replay.split(" ", 2)
        out.append(f"| `{kind}` {feed} `{rest}` | {o.feed.path}:{o.line()}: {o.expected.split(';')[0]} |")
    out.append("")
    none = [o for o in sample.oddities if not o.replay]
    out.append("The other oddities leave no break: the duplicate, the re-sent file and the format variations "
               "change nothing; the orphan and the late refunds end up stored exactly as the journal has them "
               "(only their night differs, and replay reconciliation compares rows, not nights); the over-refund "
               "is a row the journal never made, and is quarantined, so it is not in the store either; "
               "adjustments are not part of the journal. "
               f"({len(none)} of the {len(sample.oddities)} rows of the table above.)")
    return "\n".join(out)


def rewrite_readme(sample, variations, refused):
    with open(README, encoding="utf-8") as f:
        text = f.read()
    for section, body in (("summary", summary(sample, variations, refused)), ("oddities", oddity_table(sample))):
        begin = f"<!-- BEGIN add_oddities.py: {section} -->"
        end = f"<!-- END add_oddities.py: {section} -->"
        if text.count(begin) != 1 or text.count(end) != 1:
            fail(f"{README}: the markers {begin} and {end} must appear once each")
        head, rest = text.split(begin)
        _, tail = rest.split(end)
        text = f"{head}{begin}\n{body}\n{end}{tail}"
    with open(README, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    clean_days, out_days = argv[1], argv[2]
    sample, variations, refused = build(clean_days)
    write(sample, out_days)
    rewrite_readme(sample, variations, refused)
    bad = sum(1 for o in sample.oddities if o.bad)
    print(f"add_oddities.py: {len(sample.feeds)} files in {out_days}; {len(sample.oddities)} oddities "
          f"({bad} bad rows, on {', '.join(sorted(o.feed.day[5:] for o in sample.oddities if o.bad))})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
