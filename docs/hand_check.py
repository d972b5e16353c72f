#!/usr/bin/env python3
"""Hand check of one closed supplier statement against SPEC.md, written from the SPEC alone.

It reads nothing of MallSettle's code or store: only the raw feeds in SampleData/days/*/,
the configuration Pipelines/mall.json and the nightly schedule that `make run` follows
(each day's folder is added to the inbox, the nightly runs as of that day; finance closes
through 2026-10-15 after the night of 2026-10-16 and through 2026-10-31 after the night of
2026-11-02). It replays those nights with its own model of SPEC sections 1-6, computes every
fee line of the chosen sheet, and compares them with the statement MallSettle wrote.

    python3 docs/hand_check.py                                  # SUP-0001, October 2026
    python3 docs/hand_check.py SUP-0007-ENT-SH-CNY-20261001     # any closed sheet id
    python3 docs/hand_check.py --explain O2026101100013-1       # every step of one order

Standard library only. Money is integer fen throughout; rounding is half away from zero.
Exit status 0 when the statement matches, 1 when it differs.
"""

import csv
import gzip
import hashlib
import io
import json
import os
import re
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAYS_DIR = os.path.join(ROOT, "SampleData", "days")
CONFIG = os.path.join(ROOT, "Pipelines", "mall.json")
REPORTS = os.path.join(ROOT, "Reports")
# Finance's closes in the sample schedule: after the night of KEY, close --through VALUE.
CLOSES = {"2026-10-16": "2026-10-15", "2026-11-02": "2026-10-31"}
DEFAULT_SHEET = "SUP-0001-ENT-BJ-CNY-20261001"
KIND_ORDER = ["orders", "refunds", "payments", "repayments", "adjustments", "payouts"]

# ---------------------------------------------------------------- numbers (SPEC section 1)

MONEY_RE = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")
MONEY_MAX_FEN = 900_000_000_000_000


def parse_money(text):
    """'12.3' -> 1230 fen; None when not a plain decimal with at most 2 fraction digits."""
    if not MONEY_RE.fullmatch(text):
        return None
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    fen = int(whole) * 100 + int((frac + "00")[:2])
    if fen > MONEY_MAX_FEN:
        return None
    return -fen if negative else fen


def round_div(numerator, denominator):
    """numerator / denominator rounded half away from zero (denominator > 0)."""
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return -q if numerator < 0 else q


def apply_ppm(amount, ppm):
    return round_div(amount * ppm, 1_000_000)


def cumulative_difference(forward, before, after):
    """round(F x s_after) - round(F x s_before), shares given as (numerator, denominator)."""
    return round_div(forward * after[0], after[1]) - round_div(forward * before[0], before[1])


def fen_text(fen):
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


# ---------------------------------------------------------------- time (SPEC section 2)

TS_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)")
ZONE = None  # set from the configuration


def parse_instant(text):
    """An ISO 8601 timestamp with an offset -> (epoch seconds, nanoseconds); None if bad."""
    m = TS_RE.fullmatch(text)
    if not m:
        return None
    y, mo, d, h, mi = (int(m.group(i)) for i in range(1, 6))
    s = int(m.group(6) or 0)
    nanos = int((m.group(7) or "").ljust(9, "0") or 0)
    off = m.group(8)
    if off == "Z":
        offset = 0
    else:
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)
    try:
        local = datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None
    seconds = int((local - datetime(1970, 1, 1)).total_seconds()) - offset
    return (seconds, nanos)


def business_date(instant):
    return datetime.fromtimestamp(instant[0], tz=timezone.utc).astimezone(ZONE).date()


def period_start(supplier, day):
    cycle = supplier["cycle"]
    if cycle == "daily":
        return day
    if cycle == "weekly":
        return day - timedelta(days=(day.isoweekday() - supplier["cycle_day"]) % 7)
    if cycle == "semimonthly":
        return day.replace(day=16 if day.day >= 16 else 1)
    start_day = supplier["cycle_day"]
    if day.day >= start_day:
        return day.replace(day=start_day)
    previous = day.replace(day=1) - timedelta(days=1)
    return previous.replace(day=start_day)


def next_period_start(supplier, start):
    cycle = supplier["cycle"]
    if cycle == "daily":
        return start + timedelta(days=1)
    if cycle == "weekly":
        return start + timedelta(days=7)
    if cycle == "semimonthly":
        if start.day == 1:
            return start.replace(day=16)
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    month_later = (start.replace(day=28) + timedelta(days=4)).replace(day=start.day)
    return month_later


# ---------------------------------------------------------------- configuration (SPEC section 4)

def load_config():
    global ZONE
    with open(CONFIG, encoding="utf-8") as f:
        config = json.load(f)
    ZONE = ZoneInfo(config.get("timezone", "Asia/Shanghai"))
    config["by_id"] = {s["id"]: s for s in config["suppliers"]}
    config.setdefault("currency", "CNY")
    return config


def rule_for(config, fee, supplier_id, category, sku, channel, on_day):
    """The most specific matching rule of `fee` on `on_day`, or None (SPEC section 4)."""
    best, best_key = None, None
    for rule in config["fee_rules"]:
        if rule["fee"] != fee:
            continue
        if "sku" in rule and rule["sku"] != sku:
            continue
        if "supplier_id" in rule and rule["supplier_id"] != supplier_id:
            continue
        if "channel" in rule and rule["channel"] != channel:
            continue
        if "category" in rule:
            path = rule["category"]
            if not (category == path or category.startswith(path + "/")):
                continue
        if "effective_from" in rule and on_day < date.fromisoformat(rule["effective_from"]):
            continue
        if "effective_to" in rule and on_day >= date.fromisoformat(rule["effective_to"]):
            continue
        key = ("sku" in rule, "supplier_id" in rule,
               len(rule["category"].split("/")) if "category" in rule else 0, "channel" in rule)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


def rule_name(config, rule):
    return f"fee_rules[{config['fee_rules'].index(rule)}] {json.dumps(rule, ensure_ascii=False)}"


# ---------------------------------------------------------------- feeds (SPEC section 3)

ORDER_COLUMNS = ["order_id", "parent_order_id", "line_no", "supplier_id", "buyer_id", "member_level", "sku",
                 "category", "quantity", "unit_price", "cost_price", "discount_platform", "discount_supplier",
                 "freight", "paid_points", "paid_credit", "paid_cash", "payment_channel", "ordered_at",
                 "paid_at", "completed_at", "currency"]
ORDER_MONEY = ["unit_price", "cost_price", "discount_platform", "discount_supplier", "freight",
               "paid_points", "paid_credit", "paid_cash"]
REFUND_COLUMNS = ["refund_id", "order_id", "line_no", "refund_type", "quantity", "refund_goods",
                  "refund_freight", "refund_points", "refund_credit", "refund_cash", "refunded_at"]
REFUND_MONEY = ["refund_goods", "refund_freight", "refund_points", "refund_credit", "refund_cash"]
ADJUSTMENT_COLUMNS = ["adjustment_id", "supplier_id", "amount", "reason", "approved_by", "effective_at"]


def read_rows(path):
    """Yields (line number, dict of non-empty cells as text, money-as-JSON-number names)."""
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8")
    name = path[:-3] if path.endswith(".gz") else path
    if name.endswith((".jsonl", ".ndjson", ".json")):
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            obj = json.loads(line)
            cells, numbers = {}, set()
            for k, v in obj.items():
                if v is None or v == "":
                    continue
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    numbers.add(k)
                cells[k] = str(v)
            yield number, cells, numbers
        return
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    line = 2
    for record in reader:
        cells = {h: v for h, v in zip(header, record) if v != ""}
        yield line, cells, set()
        # physical lines: the header is line 1; quoted line breaks are counted by csv's reader
        line = reader.line_num + 1


def hash_file(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return hashlib.sha256(raw).hexdigest()


class Bad(Exception):
    pass


def parse_order(cells, numbers, config):
    for col in ["order_id", "line_no", "supplier_id", "sku", "category", "quantity", "unit_price",
                "ordered_at", "paid_at"]:
        if col not in cells:
            raise Bad("missing_field", col)
    supplier = config["by_id"].get(cells["supplier_id"])
    cash = parse_money(cells.get("paid_cash", "0"))
    credit = parse_money(cells.get("paid_credit", "0"))
    if cash and cash > 0 and "payment_channel" not in cells:
        raise Bad("missing_field", "payment_channel")
    if credit and credit > 0 and "buyer_id" not in cells:
        raise Bad("missing_field", "buyer_id")
    if supplier and supplier["mode"] == "purchase" and "cost_price" not in cells:
        raise Bad("missing_field", "cost_price")
    row = {}
    for col in ["line_no", "quantity"]:
        if not cells[col].isdigit() or not 1 <= int(cells[col]) <= 1_000_000:
            raise Bad("bad_quantity", col)
        row[col] = int(cells[col])
    for col in ["order_id", "parent_order_id"]:
        if len(cells.get(col, "")) > 64:
            raise Bad("too_long", col)
    for col in ORDER_MONEY:
        if col in numbers:
            raise Bad("bad_money", col)
        value = parse_money(cells[col]) if col in cells else (None if col == "cost_price" else 0)
        if col in cells and (value is None or value < 0):
            raise Bad("bad_money", col)
        row[col] = value
    for col in ["ordered_at", "paid_at", "completed_at"]:
        if col in cells:
            instant = parse_instant(cells[col])
            if instant is None:
                raise Bad("bad_timestamp", col)
            row[col] = instant
        else:
            row[col] = None
    for col in ["order_id", "supplier_id", "buyer_id", "member_level", "sku", "category", "payment_channel"]:
        row[col] = cells.get(col)
    row["parent_order_id"] = cells.get("parent_order_id", cells["order_id"])
    row["currency"] = cells.get("currency", config["currency"])
    return row


def later_order_checks(row, config):
    if row["supplier_id"] not in config["by_id"]:
        raise Bad("unknown_supplier", "supplier_id")
    if row["currency"] != config["currency"]:
        raise Bad("bad_currency", "currency")
    goods = row["quantity"] * row["unit_price"] - row["discount_platform"] - row["discount_supplier"]
    if goods < 0:
        raise Bad("negative_goods", "unit_price")
    if row["paid_points"] + row["paid_credit"] + row["paid_cash"] != goods + row["freight"]:
        raise Bad("tender_mismatch", "paid_cash")


def parse_refund(cells, numbers):
    for col in ["refund_id", "order_id", "line_no", "refund_type", "quantity", "refund_goods", "refunded_at"]:
        if col not in cells:
            raise Bad("missing_field", col)
    row = {c: cells.get(c) for c in ["refund_id", "order_id", "refund_type"]}
    if not cells["line_no"].isdigit() or not 1 <= int(cells["line_no"]) <= 1_000_000:
        raise Bad("bad_quantity", "line_no")
    if not cells["quantity"].isdigit() or not 0 <= int(cells["quantity"]) <= 1_000_000:
        raise Bad("bad_quantity", "quantity")
    row["line_no"], row["quantity"] = int(cells["line_no"]), int(cells["quantity"])
    for col in ["refund_id", "order_id"]:
        if len(cells[col]) > 64:
            raise Bad("too_long", col)
    for col in REFUND_MONEY:
        value = parse_money(cells.get(col, "0"))
        if col in numbers or value is None or value < 0:
            raise Bad("bad_money", col)
        row[col] = value
    row["refunded_at"] = parse_instant(cells["refunded_at"])
    if row["refunded_at"] is None:
        raise Bad("bad_timestamp", "refunded_at")
    if row["refund_type"] not in ("cancel", "refund_only", "return"):
        raise Bad("bad_refund_type", "refund_type")
    return row


def later_refund_checks(row):
    tenders = row["refund_points"] + row["refund_credit"] + row["refund_cash"]
    if tenders != row["refund_goods"] + row["refund_freight"]:
        raise Bad("tender_mismatch", "refund_cash")


def parse_adjustment(cells, numbers, config):
    for col in ADJUSTMENT_COLUMNS:
        if col not in cells:
            raise Bad("missing_field", col)
    amount = parse_money(cells["amount"])
    if "amount" in numbers or amount is None:
        raise Bad("bad_money", "amount")
    at = parse_instant(cells["effective_at"])
    if at is None:
        raise Bad("bad_timestamp", "effective_at")
    row = dict(cells, amount=amount, effective_at=at)
    return row


# ---------------------------------------------------------------- the model

class Mall:
    def __init__(self, config, explain=None):
        self.config = config
        self.explain = explain
        self.files_seen = set()
        self.lines = {}          # (order_id, line_no) -> order row + settlement state
        self.refunds = {}        # (refund_id, order_id, line_no) -> refund row + state
        self.adjustments = {}
        self.quarantine = []
        self.sheets = {}         # sheet_id -> {"supplier", "start", "end", "status", "lines": []}
        self.run_no = 0

    def say(self, key, text):
        if self.explain and self.explain in key:
            print(text)

    # sheets ---------------------------------------------------------------
    def sheet_id(self, supplier, start):
        return f"{supplier['id']}-{supplier['entity']}-{self.config['currency']}-{start:%Y%m%d}"

    def sheet(self, supplier, start):
        sid = self.sheet_id(supplier, start)
        if sid not in self.sheets:
            end = next_period_start(supplier, start) - timedelta(days=1)
            self.sheets[sid] = {"supplier": supplier["id"], "start": start, "end": end, "status": "open",
                                "lines": []}
        return sid

    def target(self, supplier, posting_day, as_of):
        """SPEC section 6: the period's own sheet, or the as-of period's sheet when late."""
        natural_start = period_start(supplier, posting_day)
        natural = self.sheet(supplier, natural_start)
        later_closed = any(s["supplier"] == supplier["id"] and s["status"] != "open" and s["start"] > natural_start
                           for s in self.sheets.values())
        if self.sheets[natural]["status"] == "open" and not later_closed:
            return natural, 0, ""
        late_sheet = self.sheet(supplier, period_start(supplier, as_of))
        assert self.sheets[late_sheet]["status"] == "open", "the as-of period's sheet is closed"
        return late_sheet, 1, natural_start.isoformat()

    def write(self, sid, line):
        if line["amount"] != 0:
            self.sheets[sid]["lines"].append(line)

    # ingest ---------------------------------------------------------------
    def ingest(self, path, kind):
        digest = hash_file(path)
        if digest in self.files_seen:
            return
        self.files_seen.add(digest)
        name = os.path.relpath(path, ROOT)
        for line, cells, numbers in read_rows(path):
            try:
                if kind == "orders":
                    self.ingest_order(cells, numbers)
                elif kind == "refunds":
                    self.ingest_refund(cells, numbers)
                elif kind == "adjustments":
                    self.ingest_adjustment(cells, numbers)
            except Bad as bad:
                self.quarantine.append((name, line, bad.args[0], bad.args[1]))

    def ingest_order(self, cells, numbers):
        row = parse_order(cells, numbers, self.config)
        key = (row["order_id"], row["line_no"])
        stored = self.lines.get(key)
        if stored is not None:
            differing = [c for c in ORDER_COLUMNS if stored["row"][c] != row[c]]
            if not differing:
                return
            if differing == ["completed_at"]:
                if stored["row"]["completed_at"] is None:
                    stored["row"]["completed_at"] = row["completed_at"]
                    self.say(key[0], f"  completion of {key} arrives: {cells['completed_at']}")
                    return
                if row["completed_at"] is None:
                    return
            raise Bad("conflicting_redelivery", differing[0])
        later_order_checks(row, self.config)
        self.lines[key] = {"row": row, "posted": False, "trigger": None, "forward": {},
                           "accepted": defaultdict(int), "reversed": defaultdict(int)}
        self.say(key[0], f"  order line {key} stored: {cells}")

    def ingest_refund(self, cells, numbers):
        row = parse_refund(cells, numbers)
        key = (row["refund_id"], row["order_id"], row["line_no"])
        stored = self.refunds.get(key)
        if stored is not None:
            differing = [c for c in REFUND_COLUMNS if stored["row"][c] != row[c]]
            if differing:
                raise Bad("conflicting_redelivery", differing[0])
            return
        later_refund_checks(row)
        self.refunds[key] = {"row": row, "state": "unchecked", "posted": False}
        self.say(key[1], f"  refund {key} stored: {cells}")

    def ingest_adjustment(self, cells, numbers):
        row = parse_adjustment(cells, numbers, self.config)
        key = row["adjustment_id"]
        if key in self.adjustments:
            return
        if row["supplier_id"] not in self.config["by_id"]:
            raise Bad("unknown_supplier", "supplier_id")
        self.adjustments[key] = {"row": row, "posted": False}

    # usability (SPEC 3.2) ---------------------------------------------------
    def check_refunds(self):
        waiting = [r for r in self.refunds.values() if r["state"] == "unchecked"]
        waiting.sort(key=lambda r: (r["row"]["refunded_at"], r["row"]["refund_id"], r["row"]["order_id"],
                                    r["row"]["line_no"]))
        for refund in waiting:
            row = refund["row"]
            line = self.lines.get((row["order_id"], row["line_no"]))
            if line is None:
                continue  # orphan, retried next run
            o = line["row"]
            goods = o["quantity"] * o["unit_price"] - o["discount_platform"] - o["discount_supplier"]
            limits = {"quantity": o["quantity"], "refund_goods": goods, "refund_freight": o["freight"],
                      "refund_points": o["paid_points"], "refund_credit": o["paid_credit"],
                      "refund_cash": o["paid_cash"]}
            over = [c for c in limits if line["accepted"][c] + row[c] > limits[c]]
            if over:
                refund["state"] = "over_refund"
                self.quarantine.append(("(refund)", row["refund_id"], "over_refund", over[0]))
                self.say(row["order_id"], f"  refund {row['refund_id']} over_refund on {over[0]}")
                continue
            for c in limits:
                line["accepted"][c] += row[c]
            refund["state"] = "accepted"

    # posting (SPEC 5 and 6) ---------------------------------------------------
    def post(self, as_of):
        config = self.config
        for supplier in config["suppliers"]:
            self.sheet(supplier, period_start(supplier, as_of))
        # forward lines, by trigger instant then key
        due = []
        for key, line in self.lines.items():
            if line["posted"]:
                continue
            o = line["row"]
            supplier = config["by_id"][o["supplier_id"]]
            trigger = o["paid_at"] if supplier["settle_on"] == "paid" else o["completed_at"]
            if trigger is not None and business_date(trigger) <= as_of:
                due.append((trigger, key))
        for trigger, key in sorted(due):
            self.post_forward(key, trigger, as_of)
        # reverse lines in posting order
        due = []
        for key, refund in self.refunds.items():
            if refund["state"] != "accepted" or refund["posted"]:
                continue
            row = refund["row"]
            line = self.lines[(row["order_id"], row["line_no"])]
            if not line["posted"]:
                continue
            posting_at = max(row["refunded_at"], line["trigger"])
            if business_date(posting_at) <= as_of:
                due.append((posting_at, row["refunded_at"], row["refund_id"], row["order_id"], row["line_no"]))
        for posting_at, _, refund_id, order_id, line_no in sorted(due):
            self.post_reverse((refund_id, order_id, line_no), posting_at, as_of)
        # adjustments
        due = []
        for key, adjustment in self.adjustments.items():
            at = adjustment["row"]["effective_at"]
            if not adjustment["posted"] and business_date(at) <= as_of:
                due.append((at, key))
        for at, key in sorted(due):
            adjustment = self.adjustments[key]
            supplier = config["by_id"][adjustment["row"]["supplier_id"]]
            day = business_date(at)
            sid, late, original = self.target(supplier, day, as_of)
            self.write(sid, {"posting_date": day.isoformat(), "source_type": "adjustment", "source_id": key,
                             "order_id": "", "line_no": "", "sku": "", "fee_code": "ADJUSTMENT",
                             "direction": "forward", "amount": adjustment["row"]["amount"], "late": late,
                             "original_period": original})
            adjustment["posted"] = True

    def post_forward(self, key, trigger, as_of):
        config = self.config
        line = self.lines[key]
        o = line["row"]
        supplier = config["by_id"][o["supplier_id"]]
        day = business_date(trigger)
        goods = o["quantity"] * o["unit_price"] - o["discount_platform"] - o["discount_supplier"]
        fees = []  # (code, amount, how)
        if supplier["mode"] == "purchase":
            fees.append(("COST", o["quantity"] * o["cost_price"], f"{o['quantity']} x cost_price"))
        else:
            fees.append(("GOODS", goods, "goods"))
            fees.append(("PLATFORM_SUBSIDY", o["discount_platform"], "discount_platform"))
            if supplier["ships"] == "supplier":
                fees.append(("FREIGHT", o["freight"], "freight"))
            args = (o["supplier_id"], o["category"], o["sku"], o["payment_channel"], day)
            rule = rule_for(config, "commission", *args)
            if rule:
                base = o["quantity"] * o["unit_price"] - o["discount_supplier"]
                fees.append(("COMMISSION", -apply_ppm(base, rule["rate_ppm"]),
                             f"-round({fen_text(base)} x {rule['rate_ppm']} ppm) by {rule_name(config, rule)}"))
            rule = rule_for(config, "payment_fee", *args)
            if rule and o["paid_cash"]:
                fees.append(("PAYMENT_FEE", -apply_ppm(o["paid_cash"], rule["rate_ppm"]),
                             f"-round({fen_text(o['paid_cash'])} x {rule['rate_ppm']} ppm) by {rule_name(config, rule)}"))
                line["payment_fee_reversible"] = rule.get("reversible", False)
            if supplier["ships"] == "platform":
                for fee, code in [("delivery_fee", "DELIVERY_FEE"), ("warehousing_fee", "WAREHOUSING_FEE")]:
                    rule = rule_for(config, fee, *args)
                    if rule:
                        fees.append((code, -o["quantity"] * parse_money(rule["per_unit"]), rule_name(config, rule)))
        sid, late, original = self.target(supplier, day, as_of)
        for code, amount, how in fees:
            line["forward"][code] = amount
            self.write(sid, {"posting_date": day.isoformat(), "source_type": "order", "source_id": key[0],
                             "order_id": key[0], "line_no": key[1], "sku": o["sku"], "fee_code": code,
                             "direction": "forward", "amount": amount, "late": late, "original_period": original})
            if amount:
                self.say(key[0], f"  run as of {as_of}: forward {code} {fen_text(amount)} on {day} -> {sid}"
                                 f"{' (late)' if late else ''}  [{how}]")
        line["posted"], line["trigger"] = True, trigger

    def post_reverse(self, key, posting_at, as_of):
        config = self.config
        refund = self.refunds[key]
        r = refund["row"]
        line = self.lines[(r["order_id"], r["line_no"])]
        o = line["row"]
        supplier = config["by_id"][o["supplier_id"]]
        day = business_date(posting_at)
        goods = o["quantity"] * o["unit_price"] - o["discount_platform"] - o["discount_supplier"]
        done = line["reversed"]  # cumulative refunded amounts of the refunds posted before this one
        if goods != 0:
            s = ((done["goods"], goods), (done["goods"] + r["refund_goods"], goods))
        else:
            s = ((done["quantity"], o["quantity"]), (done["quantity"] + r["quantity"], o["quantity"]))
        q = ((done["quantity"], o["quantity"]), (done["quantity"] + r["quantity"], o["quantity"]))
        fwd = line["forward"]
        fees = []

        def reverse_of(code, share):
            return -cumulative_difference(fwd[code], share[0], share[1])

        if supplier["mode"] == "purchase":
            if r["refund_type"] in ("cancel", "return") and "COST" in fwd:
                fees.append(("COST", reverse_of("COST", q), f"cumulative difference by q {q}"))
        else:
            fees.append(("GOODS", -r["refund_goods"], "-refund_goods"))
            if "PLATFORM_SUBSIDY" in fwd:
                fees.append(("PLATFORM_SUBSIDY", reverse_of("PLATFORM_SUBSIDY", s), f"cumulative difference by s {s}"))
            if supplier["ships"] == "supplier":
                fees.append(("FREIGHT", -r["refund_freight"], "-refund_freight"))
            if "COMMISSION" in fwd:
                back = reverse_of("COMMISSION", s)
                fees.append(("COMMISSION", back, f"cumulative difference by s {s} of {fen_text(fwd['COMMISSION'])}"))
                rule = rule_for(config, "refund_admin", o["supplier_id"], o["category"], o["sku"],
                                o["payment_channel"], day)
                if rule and back != 0:
                    fees.append(("REFUND_ADMIN_FEE", -apply_ppm(back, rule["rate_ppm"]),
                                 f"-round({fen_text(back)} x {rule['rate_ppm']} ppm) by {rule_name(config, rule)}"))
            if "PAYMENT_FEE" in fwd and line.get("payment_fee_reversible"):
                c = ((done["cash"], o["paid_cash"]), (done["cash"] + r["refund_cash"], o["paid_cash"]))
                fees.append(("PAYMENT_FEE", reverse_of("PAYMENT_FEE", c), f"cumulative difference by c {c}"))
            if r["refund_type"] == "cancel":
                for code in ("DELIVERY_FEE", "WAREHOUSING_FEE"):
                    if code in fwd:
                        fees.append((code, reverse_of(code, q), f"cumulative difference by q {q}"))
            if r["refund_type"] == "return":
                rule = rule_for(config, "return_service_fee", o["supplier_id"], o["category"], o["sku"],
                                o["payment_channel"], day)
                if rule:
                    fees.append(("RETURN_SERVICE_FEE", -r["quantity"] * parse_money(rule["per_unit"]),
                                 f"-{r['quantity']} x {rule['per_unit']} by {rule_name(config, rule)}"))
        done["goods"] += r["refund_goods"]
        done["quantity"] += r["quantity"]
        done["cash"] += r["refund_cash"]
        refund["posted"] = True
        if all(amount == 0 for _, amount, _ in fees):
            return
        sid, late, original = self.target(supplier, day, as_of)
        for code, amount, how in fees:
            self.write(sid, {"posting_date": day.isoformat(), "source_type": "refund", "source_id": r["refund_id"],
                             "order_id": r["order_id"], "line_no": r["line_no"], "sku": o["sku"], "fee_code": code,
                             "direction": "reverse", "amount": amount, "late": late, "original_period": original})
            if amount:
                self.say(r["order_id"], f"  run as of {as_of}: reverse {code} {fen_text(amount)} on {day} -> {sid}"
                                        f"{' (late, from ' + original + ')' if late else ''}  [{how}]")

    # close (SPEC 6) --------------------------------------------------------------
    def close(self, through):
        for supplier in sorted(self.config["suppliers"], key=lambda s: s["id"]):
            while True:
                due = sorted((s["start"], sid) for sid, s in self.sheets.items()
                             if s["supplier"] == supplier["id"] and s["status"] == "open" and s["end"] <= through)
                if not due:
                    break
                start, sid = due[0]
                sheet = self.sheets[sid]
                net = sum(line["amount"] for line in sheet["lines"])
                if net < 0:
                    next_start = sheet["end"] + timedelta(days=1)
                    nxt = self.sheet(supplier, period_start(supplier, next_start))
                    carry = {"source_type": "carry", "source_id": sid, "order_id": "", "line_no": "", "sku": "",
                             "fee_code": "CARRY_FORWARD", "direction": "forward", "late": 0, "original_period": ""}
                    self.write(sid, dict(carry, posting_date=sheet["end"].isoformat(), amount=-net))
                    self.write(nxt, dict(carry, posting_date=next_start.isoformat(), amount=net))
                sheet["status"] = "closed"

    # the nightly schedule -------------------------------------------------------
    def replay(self):
        inbox = []
        for day_name in sorted(os.listdir(DAYS_DIR)):
            folder = os.path.join(DAYS_DIR, day_name)
            inbox.extend(os.path.join(folder, n) for n in sorted(os.listdir(folder)))
            as_of = date.fromisoformat(day_name)
            self.run_no += 1
            files = sorted(inbox, key=lambda p: (KIND_ORDER.index(next(k for k in KIND_ORDER
                                                                        if os.path.basename(p).startswith(k))),
                                                 os.path.basename(p).encode()))
            for path in files:
                kind = next(k for k in KIND_ORDER if os.path.basename(path).startswith(k))
                self.ingest(path, kind)
            self.check_refunds()
            self.post(as_of)
            if day_name in CLOSES:
                self.close(date.fromisoformat(CLOSES[day_name]))


# ---------------------------------------------------------------- comparison

FIELDS = ["posting_date", "source_type", "source_id", "order_id", "line_no", "sku", "fee_code", "direction",
          "amount", "late", "original_period"]


def as_tuple(line):
    return tuple(str(line[f]) if f != "amount" else fen_text(line[f]) for f in FIELDS)


def read_statement_lines(folder):
    rows = []
    with open(os.path.join(folder, "lines.csv"), encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            if rec["sku"][:2] in ("'=", "'+", "'-", "'@", "'\t", "'\r"):
                rec["sku"] = rec["sku"][1:]
            rows.append(tuple(rec[f] for f in FIELDS))
    return rows


def main(argv):
    explain = None
    if "--explain" in argv:
        at = argv.index("--explain")
        explain = argv[at + 1]
        del argv[at:at + 2]
    sheet_id = argv[1] if len(argv) > 1 else DEFAULT_SHEET
    config = load_config()
    mall = Mall(config, explain)
    mall.replay()
    if explain:
        return 0
    sheet = mall.sheets[sheet_id]
    ours = sorted(as_tuple(line) for line in sheet["lines"])
    folder = os.path.join(REPORTS, "statements", sheet["start"].isoformat(), sheet_id)
    theirs = sorted(read_statement_lines(folder))

    print(f"sheet {sheet_id}: period {sheet['start']} - {sheet['end']}, status by hand: {sheet['status']}")
    print(f"quarantined by the hand model over the whole replay: {len(mall.quarantine)}")
    for q in mall.quarantine:
        print("   ", *q)
    by_code_ours, by_code_theirs = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for t in ours:
        by_code_ours[t[6]][0] += 1
        by_code_ours[t[6]][1] += parse_money(t[8])
    for t in theirs:
        by_code_theirs[t[6]][0] += 1
        by_code_theirs[t[6]][1] += parse_money(t[8])
    summary = {}
    with open(os.path.join(folder, "summary.csv"), encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            summary[rec["fee_code"]] = (rec["lines"], rec["amount"])
    order = ["GOODS", "PLATFORM_SUBSIDY", "FREIGHT", "COMMISSION", "PAYMENT_FEE", "DELIVERY_FEE", "WAREHOUSING_FEE",
             "COST", "REFUND_ADMIN_FEE", "RETURN_SERVICE_FEE", "ADJUSTMENT", "REBATE_FUNDING", "CARRY_FORWARD"]
    print()
    print("| fee code | lines (hand) | amount (hand) | lines (summary.csv) | amount (summary.csv) | same |")
    print("|---|---:|---:|---:|---:|---|")
    same_totals = True
    for code in order + ["NET"]:
        if code == "NET":
            hand = (sum(v[0] for v in by_code_ours.values()), sum(v[1] for v in by_code_ours.values()))
        elif code in by_code_ours:
            hand = tuple(by_code_ours[code])
        else:
            hand = None
        stated = summary.get(code)
        if hand is None and stated is None:
            continue
        hand_text = (str(hand[0]), fen_text(hand[1])) if hand else ("—", "—")
        stated_text = stated if stated else ("—", "—")
        ok = hand_text == tuple(stated_text)
        same_totals &= ok
        print(f"| {code} | {hand_text[0]} | {hand_text[1]} | {stated_text[0]} | {stated_text[1]} | "
              f"{'yes' if ok else '**no**'} |")
    net = sum(v[1] for v in by_code_ours.values())
    payable = summary.get("PAYABLE", ("", ""))[1]
    print(f"| PAYABLE | | {fen_text(net) if sheet['status'] != 'open' else ''} | | {payable} | "
          f"{'yes' if payable == (fen_text(net) if sheet['status'] != 'open' else '') else '**no**'} |")

    missing = sorted(set(ours) - set(theirs))
    extra = sorted(set(theirs) - set(ours))
    print()
    print(f"fee lines by hand: {len(ours)}; in lines.csv: {len(theirs)}; "
          f"only by hand: {len(missing)}; only in lines.csv: {len(extra)}")
    for t in missing:
        print("  only by hand:   ", ",".join(t))
    for t in extra:
        print("  only lines.csv: ", ",".join(t))
    identical = ours == theirs and same_totals
    print("VERDICT:", "the statement matches the hand computation line for line" if identical
          else "the statement DIFFERS from the hand computation")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
