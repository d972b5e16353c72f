#!/usr/bin/env python3
"""make_sample.py: writes MallSettle's sample feeds (a dev script, not part of the product).

Run from the repository root:

    python3 SampleData/make_sample.py

It deletes and rewrites SampleData/days/ (one folder per business day, 2026-10-01 ..
2026-11-05, each holding that night's inbox delivery) and SampleData/README.md, then runs
SampleData/check_sample.py over the result. Standard library only, deterministic: one
random.Random(20261101) drives everything, money is integer fen throughout, and the same
script always writes the same bytes (the one gzip file is written with mtime 0).

The data is for Pipelines/mall.json (suppliers SUP-ACME .. SUP-HARBOR) and follows
SPEC.md sections 1-3: orders (3.1), refunds (3.2), adjustments (3.4). Deliberate oddities
(bad rows, duplicates, orphans, late refunds ...) are made in make_specials() and
make_bad_rows(); every one is recorded in ODDITIES, which the README and the checker use.
"""

import csv
import gzip
import io
import json
import os
import random
import shutil
import sys
from datetime import date, datetime, timedelta, timezone

SEED = 20261101
TZ = timezone(timedelta(hours=8))          # Asia/Shanghai: fixed +08:00, no DST
UTC = timezone.utc
FIRST_DAY = date(2026, 10, 1)
LAST_DAY = date(2026, 11, 5)
HERE = os.path.dirname(os.path.abspath(__file__))
DAYS_DIR = os.path.join(HERE, "days")
README = os.path.join(HERE, "README.md")

ORDER_COLUMNS = ["order_id", "parent_order_id", "line_no", "supplier_id", "buyer_id",
                 "member_level", "sku", "category", "quantity", "unit_price", "cost_price",
                 "discount_platform", "discount_supplier", "freight", "paid_points",
                 "paid_credit", "paid_cash", "payment_channel", "ordered_at", "paid_at",
                 "completed_at", "currency"]
# From 2026-10-25 the mall's export adds a `source` column (unknown to MallSettle: ignored).
SOURCE_FROM = date(2026, 10, 25)
ORDER_COLUMNS_V2 = ORDER_COLUMNS + ["source"]
# From 2026-11-01 the export also lists its columns in another order (allowed by SPEC 3).
REORDER_FROM = date(2026, 11, 1)
ORDER_COLUMNS_V3 = ["parent_order_id", "order_id", "line_no", "supplier_id", "sku", "category",
                    "quantity", "unit_price", "cost_price", "discount_platform",
                    "discount_supplier", "freight", "paid_points", "paid_credit", "paid_cash",
                    "payment_channel", "buyer_id", "member_level", "ordered_at", "paid_at",
                    "completed_at", "currency", "source"]
REFUND_COLUMNS = ["refund_id", "order_id", "line_no", "refund_type", "quantity", "refund_goods",
                  "refund_freight", "refund_points", "refund_credit", "refund_cash",
                  "refunded_at"]
ADJ_COLUMNS = ["adjustment_id", "supplier_id", "amount", "reason", "approved_by", "effective_at"]
TENDERS = ("points", "credit", "cash")

JSONL_DAY = date(2026, 10, 18)                     # that night's orders come as .jsonl.gz
RESEND_OF = date(2026, 10, 12)                     # orders-20261012.csv re-sent on 10-13
BOM_FILES = {("refunds", date(2026, 10, 28))}      # exported through a spreadsheet: BOM

rng = random.Random(SEED)

# ---------------------------------------------------------------------------------------
# Money and time helpers (integer fen; rounding half away from zero)


def fmt(fen):
    """Integer fen as a decimal with 2 fraction digits: 1230 -> '12.30', -5 -> '-0.05'."""
    sign = "-" if fen < 0 else ""
    a = abs(fen)
    return f"{sign}{a // 100}.{a % 100:02d}"


def rdiv(n, d):
    """n / d rounded half away from zero (d > 0)."""
    if n >= 0:
        return (2 * n + d) // (2 * d)
    return -((2 * -n + d) // (2 * d))


def allocate(total, weights):
    """Largest-remainder split of `total` by `weights`; ties go to the lower index."""
    w = sum(weights)
    if total == 0:
        return [0] * len(weights)
    if w == 0:
        weights = [1] * len(weights)
        w = len(weights)
    base = [total * x // w for x in weights]
    rem = [total * x % w for x in weights]
    left = total - sum(base)
    for i in sorted(range(len(weights)), key=lambda i: (-rem[i], i))[:left]:
        base[i] += 1
    return base


def local(d, h, m, s=0):
    return datetime(d.year, d.month, d.day, h, m, s, tzinfo=TZ)


def bdate(dt):
    """Business date (Asia/Shanghai) of an instant."""
    return dt.astimezone(TZ).date()


def ts(dt, style):
    """Timestamp text: 'local' -> +08:00, 'utc' -> Z, 'utc_ms' -> Z with milliseconds."""
    if style == "local":
        return dt.astimezone(TZ).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    u = dt.astimezone(UTC)
    if style == "utc_ms":
        return u.strftime("%Y-%m-%dT%H:%M:%S") + f".{u.microsecond // 1000:03d}Z"
    return u.strftime("%Y-%m-%dT%H:%M:%SZ")


def ts_style():
    return rng.choices(["local", "utc", "utc_ms"], [55, 35, 10])[0]


def wchoice(pairs):
    """Weighted choice from [(value, weight), ...]."""
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def days():
    d = FIRST_DAY
    while d <= LAST_DAY:
        yield d
        d += timedelta(days=1)


# ---------------------------------------------------------------------------------------
# Catalog: (sku, category, list price fen, cost price fen or None, quantity choices)

CATALOG = {
    "SUP-ACME": [
        ("SKU-PHONE-X1", "digital/phone/android", 329900, None, [1] * 9 + [2]),
        ("ACME-P20L Acme P20 Lite 6+128GB Phone", "digital/phone/android", 149900, None, [1] * 9 + [2]),
        ("ACME-BUDS3 Acme Buds 3 Wireless Earbuds", "digital/audio", 39900, None, [1, 1, 1, 2, 2, 3, 3]),
        ("ACME-CHG65 Acme 65W GaN Charger USB-C", "digital/accessory/charger", 12900, None, [1, 1, 2, 2, 3, 3, 4]),
        ("ACME-TAB11 Acme Tab 11 Wi-Fi 128GB", "digital/tablet", 189900, None, [1] * 9 + [2]),
        ("ACME-CASE-X1 Silicone Case for X1, Midnight", "digital/accessory/case", 5900, None, [1, 1, 2, 3]),
    ],
    "SUP-BAMBOO": [
        ("BMB-A4-70 A4 Copy Paper 70g 500 sheets x5 reams", "office/paper", 11900, None, [1, 1, 2, 2, 3, 4, 5, 10]),
        ("BMB-A4-80 A4 Copy Paper 80g 500 sheets", "office/paper", 3290, None, [1, 2, 3, 5, 10]),
        ("BMB-GEL12 Gel Pen 0.5mm Black box of 12", "office/pen", 1880, None, [1, 2, 2, 3, 4, 5, 10]),
        ("BMB-FOLD20 Document Folder A4 pack of 20", "office/filing", 2650, None, [1, 2, 3, 5]),
        ("BMB-STPL50 Heavy-Duty Stapler 50 sheets", "office/stationery", 4500, None, [1, 1, 2, 3]),
        ("BMB-NOTE12 Sticky Notes 76x76mm 12 pads", "office/stationery", 1590, None, [1, 2, 3, 4, 6]),
    ],
    "SUP-CEDAR": [
        ("CDR-APPLE5 Aksu Apples 5kg Gift Box", "food/fruit", 8990, 6200, [1, 1, 2, 2, 3]),
        ("CDR-MILK12 Organic Whole Milk 250ml x 12", "food/dairy", 6900, 5150, [1, 1, 2, 2, 3, 4]),
        ("五常大米 稻花香 5kg", "food/grain", 7900, 5800, [1, 1, 2, 2, 3]),
        ("CDR-NUTS30 Mixed Nuts Daily Pack 30 x 25g", "food/snack", 12900, 8800, [1, 1, 2, 3]),
        ("CDR-OIL5L Cold-Pressed Peanut Oil 5L", "food/oil", 13900, 10100, [1, 1, 2]),
    ],
    "SUP-DELTA": [
        ("DLT-WOK32 Cast Iron Wok 32cm", "home/kitchen", 25900, None, [1, 1, 1, 2]),
        ("DLT-KNIFE5 Chef Knife Set 5 pieces", "home/kitchen", 32900, None, [1, 1, 1, 2]),
        ("DLT-DUVET Silk Duvet 200x230cm", "home/bedding", 89900, None, [1, 1, 1, 2]),
        ("DLT-BOX55 Storage Box 55L set of 3", "home/storage", 11900, None, [1, 1, 2, 3]),
        ("DLT-TOWEL Cotton Bath Towel Set", "home/bath", 8900, None, [1, 2, 2, 3, 4]),
        ("DLT-FRY55 Air Fryer 5.5L", "home/appliance", 39900, None, [1, 1, 1, 2]),
    ],
    "SUP-ECHO": [
        ("ECH-EGC100 E-Gift Card CNY 100", "welfare/cards", 10000, 9700, [1, 1, 2, 3, 5, 10]),
        ("ECH-SM200 Supermarket Card CNY 200", "welfare/cards", 20000, 19500, [1, 1, 2, 3, 5]),
        ("ECH-MOVIE2 Cinema Voucher 2 tickets", "welfare/tickets", 7900, 6600, [1, 1, 2, 4]),
        ("ECH-COFFEE10 Coffee Voucher 10 cups", "welfare/cards", 18000, 15000, [1, 1, 2]),
        ("节日福利卡 CNY 500", "welfare/cards", 50000, 48800, [1, 1, 2]),
    ],
    "SUP-FERN": [
        ("FRN-AIR14 Fern Air 14 i5 16GB 512GB", "digital/laptop", 499900, None, [1] * 9 + [2]),
        ("FRN-PRO16 Fern Pro 16 i7 32GB 1TB", "digital/laptop", 899900, None, [1] * 9 + [2]),
        ("FRN-BOOK13 Fern Book 13 N100 8GB 256GB", "digital/laptop", 229900, None, [1] * 8 + [2, 3]),
        ("FRN-BAG156 Fern 15.6in Laptop Backpack", "digital/accessory/bag", 16900, None, [1, 1, 2, 3]),
        ("FRN-DOCK8 Fern USB-C Dock 8-in-1", "digital/accessory/dock", 29900, None, [1, 1, 2]),
        ("FRN-MOUSE Fern Silent Wireless Mouse", "digital/accessory/mouse", 7900, None, [1, 1, 2, 3, 5]),
    ],
    "SUP-GINKGO": [
        ("西湖龙井 明前特级 250g", "food/tea/green", 39800, None, [1, 1, 2, 2, 3]),
        ('银杏 "金骏眉" 红茶, 礼盒装 2×100g', "food/tea/black", 26800, None, [1, 1, 2, 3, 4]),
        ("GKO-PUER357 Pu'er Ripe Tea Cake 357g 2018", "food/tea/puer", 18800, None, [1, 2, 3, 4]),
        ("GKO-TGY500 Tieguanyin Oolong 500g", "food/tea/oolong", 15800, None, [1, 1, 2, 3]),
        ("GKO-CUPSET Glass Tea Cup Set of 6", "home/kitchen/teaware", 12800, None, [1, 1, 2]),
    ],
    "SUP-HARBOR": [
        ("HBR-GLV100 Nitrile Work Gloves box of 100", "industrial/safety", 5900, 4100, [10, 20, 24, 30, 50, 60, 100]),
        ("HBR-HLM-W Safety Helmet ABS White", "industrial/safety", 3800, 2650, [10, 20, 30, 50, 100, 120]),
        ("HBR-DRL20 Cordless Drill 20V 2 batteries", "industrial/tools/power", 68900, 52000, [2, 3, 5, 6, 10]),
        ("HBR-BOLT-M8 Hex Bolt M8x40 Zinc 500 pcs", "industrial/fastener", 9600, 7000, [5, 10, 20, 40]),
        ("HBR-WR14 Combination Wrench Set 14 pcs", "industrial/tools/hand", 23900, 17500, [2, 4, 5, 10, 12]),
        ("HBR-TAPE48 Warning Tape 48mm x 33m 6 rolls", "industrial/safety", 4200, 2950, [10, 20, 30, 60]),
    ],
}
FREE_SAMPLE = ("GKO-SAMPLE 品鉴装 Tasting Sample 3x8g (gift)", "food/tea", 0, None, [1])
PURCHASE = {"SUP-CEDAR", "SUP-ECHO", "SUP-HARBOR"}
SETTLE_ON_COMPLETED = {"SUP-ACME", "SUP-CEDAR", "SUP-FERN", "SUP-GINKGO"}
# Freight per child order: (fee, free-from threshold on the child's goods), fen.
FREIGHT = {"SUP-ACME": (1000, 9900), "SUP-BAMBOO": (800, 9900), "SUP-CEDAR": (1000, 19900),
           "SUP-DELTA": (1200, 29900), "SUP-ECHO": (0, 0), "SUP-FERN": (0, 0),
           "SUP-GINKGO": (600, 15800), "SUP-HARBOR": (3000, 500000)}
CONTRACT_PRICE = {"SUP-HARBOR", "SUP-BAMBOO", "SUP-FERN"}   # enterprise buyers pay 92 %
AFFINITY = {
    "credit": [("SUP-HARBOR", 40), ("SUP-BAMBOO", 30), ("SUP-FERN", 15), ("SUP-ACME", 5),
               ("SUP-CEDAR", 5), ("SUP-ECHO", 5)],
    "welfare": [("SUP-ECHO", 25), ("SUP-CEDAR", 20), ("SUP-GINKGO", 15), ("SUP-DELTA", 15),
                ("SUP-ACME", 10), ("SUP-BAMBOO", 5), ("SUP-FERN", 5)],
    "cash": [("SUP-ACME", 20), ("SUP-DELTA", 18), ("SUP-GINKGO", 15), ("SUP-CEDAR", 15),
             ("SUP-FERN", 12), ("SUP-BAMBOO", 10), ("SUP-ECHO", 8), ("SUP-HARBOR", 2)],
}
CHANNELS = [("wechat", 45), ("alipay", 35), ("unionpay", 12), ("balance", 8)]
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 1, 2, 4, 6, 8, 10, 10, 8, 7, 7, 7, 6, 6, 6, 8, 10, 11, 10, 6]
SOURCES = [("app", 55), ("mini_program", 25), ("web", 15), ("api", 5)]


# ---------------------------------------------------------------------------------------
# Model


class Buyer:
    def __init__(self, bid, level, profile, weight):
        self.id, self.level, self.profile, self.weight = bid, level, profile, weight


class Line:
    """One order line: its feed row (text, fixed at creation) plus what happens to it."""

    def __init__(self, row, supplier, paid, qty, goods, freight, tend):
        self.row = row
        self.key = (row["order_id"], int(row["line_no"]))
        self.supplier = supplier
        self.paid = paid
        self.qty, self.goods, self.freight, self.tend = qty, goods, freight, tend
        self.total = goods + freight
        self.deliver_day = bdate(paid)
        self.completed = None          # instant of receipt, or None (never, in this sample)
        self.completed_style = "local"
        self.events = []               # planned refunds: dicts (type, at, ...), see plan_*
        self.refund_rows = []          # materialized refund rows (dict with meta)
        self.tags = set()
        self.cancelled = False

    @property
    def order_id(self):
        return self.row["order_id"]


BUYERS = []
LINES = []                 # every good line, in creation order
PARENTS = {}               # parent_order_id -> [Line]
CHILDREN = {}              # order_id -> [Line]
BAD_ORDER_ROWS = []        # (day, row, oddity) bad rows that are never stored
EXTRA_ORDER_ROWS = []      # (day, row, oddity) duplicate / conflicting rows
BAD_REFUND_ROWS = []       # (day, row, oddity)
ADJUSTMENTS = []           # (day, row)
ODDITIES = []              # dicts: id, file, line, what, expect (line filled when written)
SEQ = {}                   # day -> last parent sequence number used
REFUND_SEQ = {}            # date -> last refund document number used


def make_buyers():
    for i in range(1, 301):
        r = rng.random()
        if r < 0.10:
            level, profile = "enterprise", "credit"
        elif r < 0.35:
            level = "gold"
            profile = "welfare" if rng.random() < 0.35 else "cash"
        else:
            level = "standard"
            profile = "welfare" if rng.random() < 0.35 else "cash"
        BUYERS.append(Buyer(f"B{i:04d}", level, profile, rng.randint(1, 6)))


def pick_buyer():
    if rng.random() < 0.07:
        return None                                   # a guest: no buyer_id, no level
    return rng.choices(BUYERS, [b.weight for b in BUYERS])[0]


def level_price(supplier, list_price, level):
    if supplier == "SUP-ECHO":
        return list_price                              # cards sell at face value
    if level == "enterprise" and supplier in CONTRACT_PRICE:
        return rdiv(list_price * 92, 1000) * 10
    if level == "gold":
        return rdiv(list_price * 95, 1000) * 10
    return list_price


def next_seq(d):
    SEQ[d] = SEQ.get(d, 0) + 1
    return SEQ[d]


def new_parent(d, buyer, suppliers=None, one_line=False, paid=None, catalog_filter=None):
    """Generates one buyer order paid on business day d, split into child orders per
    supplier; returns its Lines (not yet registered)."""
    parent_id = f"P{d:%y%m%d}{next_seq(d):04d}"
    profile = buyer.profile if buyer else "cash"
    level = buyer.level if buyer else ""
    if suppliers is None:
        k = wchoice([(1, 65), (2, 27), (3, 8)])
        suppliers = []
        while len(suppliers) < k:
            s = wchoice(AFFINITY[profile])
            if s not in suppliers:
                suppliers.append(s)
    if paid is None:
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        paid = local(d, hour, rng.randint(0, 59), rng.randint(0, 59))
    ordered = paid - timedelta(seconds=rng.randint(20, 2400))
    style_o, style_p = ts_style(), ts_style()
    source = wchoice(SOURCES)

    # Build lines per child: sku, qty, unit price, gross.
    children = []
    for ci, sup in enumerate(suppliers, start=1):
        n = 1 if one_line else wchoice([(1, 60), (2, 30), (3, 10)])
        items = CATALOG[sup] if catalog_filter is None else [c for c in CATALOG[sup] if catalog_filter(c)]
        chosen = rng.sample(items, min(n, len(items)))
        lines = []
        for item in chosen:
            sku, cat, lp, cost, qtys = item
            qty = rng.choice(qtys)
            up = level_price(sup, lp, level)
            lines.append({"sku": sku, "cat": cat, "qty": qty, "up": up, "cost": cost,
                          "gross": qty * up, "dp": 0, "ds": 0, "fr": 0})
        if sup == "SUP-GINKGO" and not one_line and sum(x["gross"] for x in lines) >= 30000 \
                and rng.random() < 0.4:
            sku, cat, lp, cost, qtys = FREE_SAMPLE
            lines.append({"sku": sku, "cat": cat, "qty": 1, "up": 0, "cost": None,
                          "gross": 0, "dp": 0, "ds": 0, "fr": 0})
        # Supplier-funded coupon on the child order.
        gross = sum(x["gross"] for x in lines)
        if sup != "SUP-ECHO" and gross >= 5000 and rng.random() < 0.18:
            opts = [a for a in (300, 500, 1000, 2000, 3000, 5000) if a * 100 <= gross * 8]
            if opts:
                for x, part in zip(lines, allocate(rng.choice(opts), [x["gross"] for x in lines])):
                    x["ds"] = part
        children.append((ci, sup, lines))

    # Platform-funded coupon over the whole parent order (gift cards excluded).
    every = [x for _, sup, ls in children for x in ls]
    weights = [0 if sup == "SUP-ECHO" else x["gross"] for _, sup, ls in children for x in ls]
    if sum(weights) >= 5000 and rng.random() < 0.25:
        opts = [a for a in (500, 1000, 1500, 2000, 5000, 10000) if a * 100 <= sum(weights) * 8]
        if opts:
            for x, part in zip(every, allocate(rng.choice(opts), weights)):
                x["dp"] = part
    for x in every:
        x["goods"] = x["gross"] - x["dp"] - x["ds"]
        assert x["goods"] >= 0

    # Freight per child order, spread over its lines by goods.
    for _, sup, ls in children:
        fee, free_from = FREIGHT[sup]
        g = sum(x["goods"] for x in ls)
        if fee and g < free_from:
            for x, part in zip(ls, allocate(fee, [x["goods"] for x in ls])):
                x["fr"] = part

    # Tenders, at parent level, then spread over the lines by line total.
    totals = [x["goods"] + x["fr"] for x in every]
    T = sum(totals)
    points = credit = 0
    if profile == "credit":
        credit = T
    elif profile == "welfare":
        points = T if rng.random() < 0.65 else rdiv(T * rng.randint(40, 90), 100)
    elif level == "gold" and rng.random() < 0.3:
        points = rdiv(T * rng.randint(2, 10), 100)
    p_parts = allocate(points, totals)
    c_parts = allocate(credit, totals)
    channel = wchoice(CHANNELS) if profile != "welfare" else wchoice([("wechat", 60), ("alipay", 40)])

    out = []
    for ci, sup, ls in children:
        order_id = f"{parent_id}-{ci}"
        for ln, x in enumerate(ls, start=1):
            i = every.index(x)
            tp, tc = p_parts[i], c_parts[i]
            cash = totals[i] - tp - tc
            row = {
                "order_id": order_id, "parent_order_id": parent_id, "line_no": str(ln),
                "supplier_id": sup, "buyer_id": buyer.id if buyer else "",
                "member_level": level, "sku": x["sku"], "category": x["cat"],
                "quantity": str(x["qty"]), "unit_price": fmt(x["up"]),
                "cost_price": fmt(x["cost"]) if sup in PURCHASE else "",
                "discount_platform": fmt(x["dp"]), "discount_supplier": fmt(x["ds"]),
                "freight": fmt(x["fr"]), "paid_points": fmt(tp), "paid_credit": fmt(tc),
                "paid_cash": fmt(cash), "payment_channel": channel if cash > 0 else "",
                "ordered_at": ts(ordered, style_o), "paid_at": ts(paid, style_p),
                "completed_at": "", "currency": "CNY", "source": source,
            }
            out.append(Line(row, sup, paid, x["qty"], x["goods"], x["fr"],
                            {"points": tp, "credit": tc, "cash": cash}))
    return out


def register(lines):
    for l in lines:
        LINES.append(l)
        PARENTS.setdefault(l.row["parent_order_id"], []).append(l)
        CHILDREN.setdefault(l.order_id, []).append(l)


def make_orders():
    for d in days():
        target = rng.randint(40, 72)
        if d in (date(2026, 10, 31), date(2026, 11, 1)):   # Double 11 pre-sale weekend
            target = rng.randint(74, 80)
        n = 0
        while n < target:
            ls = new_parent(d, pick_buyer())
            register(ls)
            n += len(ls)


# ---------------------------------------------------------------------------------------
# Fates: completions and refunds


def default_completion(l):
    if l.supplier == "SUP-ECHO":                     # e-cards: delivered within minutes
        return l.paid + timedelta(seconds=rng.randint(60, 900))
    return l.paid + timedelta(hours=rng.randint(40, 190), minutes=rng.randint(0, 59))


def set_completion(l, at):
    l.completed = at
    l.completed_style = ts_style()


def oddity(oid, day, kind, what, expect):
    """Records a deliberate oddity; `kind` is the file kind, the line is filled in when the
    file is written (rows carry the oddity id)."""
    o = {"id": oid, "day": day, "kind": kind, "file": None, "line": None, "what": what,
         "expect": expect}
    ODDITIES.append(o)
    return o


def pick(pred, label, whole_parent=False):
    cands = [l for l in LINES if not l.tags and pred(l)]
    if whole_parent:
        cands = [l for l in cands if all(not x.tags for x in PARENTS[l.row["parent_order_id"]])]
    if not cands:
        raise SystemExit(f"make_sample: no candidate line for {label}")
    l = rng.choice(cands)
    l.tags.add(label)
    return l


def in_days(l, a, b):
    return a <= l.deliver_day <= b


def single_supplier_parent(l):
    return len({x.order_id for x in PARENTS[l.row["parent_order_id"]]}) == 1


def cash_only(l):
    return l.tend["cash"] == l.total and l.total > 0


def make_specials():
    """Lines with a planned story. Each is tagged so random fates leave it alone."""
    D = date

    # ORPHAN: a whole DELTA order is cancelled the evening it is paid (refund delivered that
    # night), but the mall's order extract misses it for two nights: the refund is held as an
    # orphan on the runs of 10-20 and 10-21 and becomes usable on 10-22 (within
    # orphan_window_days = 3, so no orphan break).
    l = pick(lambda l: l.supplier == "SUP-DELTA" and l.deliver_day == D(2026, 10, 20)
             and l.paid.astimezone(TZ).hour < 19 and single_supplier_parent(l), "ORPHAN",
             whole_parent=True)
    rid = new_refund_id(bdate(l.paid))
    at = l.paid + timedelta(hours=2, minutes=rng.randint(5, 50))
    for x in PARENTS[l.row["parent_order_id"]]:
        x.tags.add("ORPHAN")
        x.deliver_day = D(2026, 10, 22)
        x.cancelled = True
        x.events.append({"type": "cancel", "at": at, "id": rid, "folder": bdate(at),
                         "odd": "orphan" if x is l else "orphan_more"})
    oddity("orphan", bdate(at), "refunds",
           f"cancel {rid} of {l.order_id} (every line) arrives before its order lines, which come "
           f"late in orders-20261022.csv", "held as orphan on the runs of 10-20 and 10-21, "
           "usable on 10-22; no orphan break (window 3 days)")
    oddity("orphan_line", D(2026, 10, 22), "orders",
           f"{l.order_id} paid on 2026-10-20, delivered two nights late",
           "accepted; posts at its paid_at (10-20), resolves the orphan refund")

    # LATE (commission): an ACME line, completed in October, returned on 10-30; the refund
    # reaches the inbox only on 11-03, after the October sheet (period 2026-10-01) closed.
    l = pick(lambda l: l.supplier == "SUP-ACME" and in_days(l, D(2026, 10, 12), D(2026, 10, 20))
             and l.goods > 0, "LATE_ACME")
    set_completion(l, l.paid + timedelta(days=3, hours=rng.randint(1, 6)))
    at = local(D(2026, 10, 30), 16, 20, 11)
    l.events.append({"type": "return", "at": at, "qty": 1, "freight_back": False,
                     "folder": D(2026, 11, 3), "odd": "late_acme"})
    oddity("late_acme", D(2026, 11, 3), "refunds",
           f"return of 1 unit of {l.order_id} line {l.key[1]} (SUP-ACME, monthly), refunded_at "
           "2026-10-30, delivered 2026-11-03",
           "reverse lines are late (late=1, original_period 2026-10-01) once "
           "`close --through 2026-10-31` has run before the 11-03 night")

    # LATE (purchase): a HARBOR bulk line, part returned on 10-31, delivered 11-04.
    l = pick(lambda l: l.supplier == "SUP-HARBOR" and in_days(l, D(2026, 10, 20), D(2026, 10, 27))
             and l.qty >= 5, "LATE_HARBOR")
    set_completion(l, l.paid + timedelta(days=2, hours=rng.randint(1, 9)))
    at = local(D(2026, 10, 31), 10, 5, 42)
    l.events.append({"type": "return", "at": at, "qty": max(1, l.qty // 5), "freight_back": False,
                     "folder": D(2026, 11, 4), "odd": "late_harbor"})
    oddity("late_harbor", D(2026, 11, 4), "refunds",
           f"return of {max(1, l.qty // 5)} of {l.qty} units of {l.order_id} line {l.key[1]} "
           "(SUP-HARBOR, purchase, monthly), refunded_at 2026-10-31, delivered 2026-11-04",
           "COST reversal is late (original_period 2026-10-01) once October is closed")

    # PRE-TRIGGER: a FERN laptop (settle_on completed) gets a price-protection refund_only
    # the day after payment, days before the buyer confirms receipt: the reversal waits
    # for the completion and posts at the completion instant.
    l = pick(lambda l: l.supplier == "SUP-FERN" and in_days(l, D(2026, 10, 6), D(2026, 10, 10))
             and l.row["category"] == "digital/laptop", "PRE_TRIGGER")
    set_completion(l, l.paid + timedelta(days=5, hours=rng.randint(1, 20)))
    at = l.paid + timedelta(hours=27, minutes=rng.randint(0, 59))
    l.events.append({"type": "refund_only", "at": at, "qty": 0, "amount": 20000,
                     "folder": bdate(at), "odd": "pre_trigger"})
    oddity("pre_trigger", bdate(at), "refunds",
           f"refund_only 200.00 (qty 0, price protection) of {l.order_id} line {l.key[1]} "
           f"(SUP-FERN, settle_on completed) before its completion on "
           f"{bdate(l.completed)}", "accepted; its reverse lines wait for the trigger and post "
           "at the completion instant")

    # MULTI: three returns of one line that together refund all of it (units, goods, and
    # the freight with the last one): cumulative-difference reversals net to exactly 0.
    l = pick(lambda l: l.supplier in ("SUP-ACME", "SUP-DELTA", "SUP-GINKGO")
             and in_days(l, D(2026, 10, 1), D(2026, 10, 14)) and l.qty >= 3 and l.freight > 0
             and l.goods % 3 != 0, "MULTI3")
    set_completion(l, l.paid + timedelta(days=2, hours=rng.randint(1, 12)))
    parts = [1, 1, l.qty - 2]
    t = l.completed
    for i, k in enumerate(parts):
        t = t + timedelta(days=rng.randint(1, 2), hours=rng.randint(1, 10))
        oid = "multi3" if i == 2 else f"multi3_{i + 1}"
        l.events.append({"type": "return", "at": t, "qty": k, "freight_back": i == 2,
                         "folder": bdate(t), "odd": oid})
        if i < 2:
            oddity(oid, bdate(t), "refunds",
                   f"return {i + 1} of 3 ({k} unit) of {l.order_id} line {l.key[1]} ({l.supplier})",
                   "accepted (partial: cumulative share below 1)")
    oddity("multi3", bdate(t), "refunds",
           f"return 3 of 3 ({parts[2]} unit(s) + all the freight) of {l.order_id} line "
           f"{l.key[1]}: with the two before, the whole line",
           "accepted; the line is refunded in full (s = q = c = 1), every "
           "cumulative-difference code nets to 0")

    # MIXED FULL: a refund_only (amount) then a return of every unit plus the freight.
    l = pick(lambda l: l.supplier == "SUP-DELTA" and in_days(l, D(2026, 10, 2), D(2026, 10, 12))
             and l.freight > 0 and l.goods >= 10000, "MIXFULL")
    set_completion(l, l.paid + timedelta(days=3, hours=rng.randint(1, 12)))
    t1 = l.completed + timedelta(days=1, hours=rng.randint(1, 8))
    t2 = l.completed + timedelta(days=4, hours=rng.randint(1, 8))
    l.events.append({"type": "refund_only", "at": t1, "qty": 0, "pct": 15, "folder": bdate(t1),
                     "odd": "mixfull_1"})
    l.events.append({"type": "return", "at": t2, "qty": l.qty, "freight_back": True,
                     "folder": bdate(t2), "odd": "mixfull"})
    oddity("mixfull_1", bdate(t1), "refunds",
           f"refund_only 15 % (qty 0) of {l.order_id} line {l.key[1]} (SUP-DELTA)",
           "accepted (partial)")
    oddity("mixfull", bdate(t2), "refunds",
           f"return of all {l.qty} unit(s) + the freight of the same line, after the "
           "refund_only: together the whole line", "accepted; refunded in full, nets to 0")

    # REFUND_ONLY WITH QUANTITY: one box missing from a BAMBOO delivery.
    l = pick(lambda l: l.supplier == "SUP-BAMBOO" and in_days(l, D(2026, 10, 10), D(2026, 10, 20))
             and l.qty >= 2, "RO_QTY")
    set_completion(l, l.paid + timedelta(days=2, hours=rng.randint(1, 12)))
    at = l.completed + timedelta(hours=5)
    l.events.append({"type": "refund_only", "at": at, "qty": 1, "folder": bdate(at),
                     "odd": "ro_qty"})
    oddity("ro_qty", bdate(at), "refunds",
           f"refund_only with quantity 1 (of {l.qty}) of {l.order_id} line {l.key[1]} (SUP-BAMBOO)",
           "accepted; counts in q but reverses no DELIVERY/WAREHOUSING fee (not a cancel)")

    # OVER-REFUND (bad row): 40 % refunded on 10-25, then a second refund_only of 70 % on
    # 10-27: cumulative goods and cash would exceed what was paid.
    l = pick(lambda l: l.supplier in ("SUP-DELTA", "SUP-ACME", "SUP-GINKGO")
             and in_days(l, D(2026, 10, 19), D(2026, 10, 22)) and cash_only(l)
             and l.goods >= 5000 and l.freight == 0, "OVER")
    set_completion(l, min(default_completion(l), local(D(2026, 10, 24), 20, 0)))
    l.events.append({"type": "refund_only", "at": local(D(2026, 10, 25), 11, 2, 9), "qty": 0,
                     "pct": 40, "folder": D(2026, 10, 25), "odd": "over_ok"})
    l.events.append({"type": "refund_only", "at": local(D(2026, 10, 27), 9, 31, 40), "qty": 0,
                     "pct": 70, "folder": D(2026, 10, 27), "odd": "over_bad", "bad": True})
    oddity("over_ok", D(2026, 10, 25), "refunds",
           f"refund_only 40 % of {l.order_id} line {l.key[1]} ({l.supplier})",
           "accepted (the first half of the over-refund story)")
    oddity("over_bad", D(2026, 10, 27), "refunds",
           f"BAD: refund_only 70 % of the same line ({l.order_id} line {l.key[1]}): 40 % + 70 % "
           "exceeds goods and cash paid", "quarantined over_refund")

    # CONFLICTING RE-DELIVERY (bad row): a line first delivered on 10-26, re-sent on 10-29
    # with unit_price 10.00 higher (paid_cash raised to match, so only the conflict is wrong).
    l = pick(lambda l: l.supplier in ("SUP-DELTA", "SUP-ACME", "SUP-GINKGO", "SUP-CEDAR")
             and l.deliver_day == D(2026, 10, 26) and l.tend["cash"] > 0
             and l.row["line_no"] == "1", "CONFLICT")
    set_completion(l, local(D(2026, 10, 31), rng.randint(9, 20), rng.randint(0, 59)))
    row = dict(l.row)
    row["unit_price"] = fmt(int(row["unit_price"].replace(".", "")) + 1000)
    row["paid_cash"] = fmt(l.tend["cash"] + l.qty * 1000)
    row["source"] = "api"
    o = oddity("conflict", D(2026, 10, 29), "orders",
               f"BAD: {l.order_id} line {l.key[1]} re-delivered with unit_price "
               f"{row['unit_price']} (stored: {l.row['unit_price']}) and paid_cash to match",
               "quarantined conflicting_redelivery; stored row kept (its completion arrives "
               "2026-10-31 with the original price)")
    EXTRA_ORDER_ROWS.append((D(2026, 10, 29), row, o["id"], local(D(2026, 10, 29), 13, 7, 30)))

    # EXACT DUPLICATE ROW: an ECHO e-card line of 10-06 appears again in 10-07's extract.
    l = pick(lambda l: l.supplier == "SUP-ECHO" and l.deliver_day == D(2026, 10, 6)
             and l.paid.astimezone(TZ).hour < 22, "DUP")
    set_completion(l, l.paid + timedelta(seconds=rng.randint(60, 600)))
    o = oddity("duplicate", D(2026, 10, 7), "orders",
               f"exact copy of {l.order_id} line {l.key[1]} from orders-20261006.csv",
               "duplicate (a no-op, not a quarantine)")
    EXTRA_ORDER_ROWS.append((D(2026, 10, 7), "DUP", o["id"], l))

    # Target of the bad `10.005` refund (see make_bad_rows): keep its line free of refunds.
    pick(lambda l: l.deliver_day <= D(2026, 10, 12) and l.tend["cash"] >= 2000
         and l.supplier == "SUP-CEDAR", "BAD_REFUND_TARGET")


def new_refund_id(d):
    REFUND_SEQ[d] = REFUND_SEQ.get(d, 0) + 1
    return f"RF{d:%y%m%d}{REFUND_SEQ[d]:04d}"


def random_fates():
    """Completions and refunds of every line without a planned story."""
    for oid, ls in CHILDREN.items():
        if any(l.tags for l in ls):
            # A child order with a planned line: the planned lines keep their story (they
            # set their own completion), the others get the usual random fate.
            for l in ls:
                if not l.tags:
                    random_line_fate(l)
                elif "BAD_REFUND_TARGET" in l.tags:
                    set_completion(l, default_completion(l))
            continue
        sup = ls[0].supplier
        if sup != "SUP-ECHO" and rng.random() < 0.04:
            # The buyer cancels the whole child order before it ships: one refund document.
            at = max(l.paid for l in ls) + timedelta(minutes=rng.randint(20, 1200))
            rid = new_refund_id(bdate(at))
            for l in ls:
                l.cancelled = True
                l.tags.add("cancelled")
                l.events.append({"type": "cancel", "at": at, "id": rid})
            continue
        for l in ls:
            random_line_fate(l)


def random_line_fate(l):
    if rng.random() < 0.015:
        l.tags.add("never_completed")                 # lost in transit / disputed
    else:
        set_completion(l, default_completion(l))
    if l.total == 0:
        return
    r = rng.random()
    if r < 0.035 and l.completed is not None and (l.supplier != "SUP-ECHO" or rng.random() < 0.3):
        k = l.qty if (l.qty == 1 or rng.random() < 0.5) else rng.randint(1, l.qty - 1)
        at = l.completed + timedelta(days=rng.randint(1, 7), hours=rng.randint(0, 12))
        l.events.append({"type": "return", "at": at, "qty": k,
                         "freight_back": k == l.qty and rng.random() < 0.5})
    elif r < 0.065 and l.supplier != "SUP-ECHO":
        at = l.paid + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 20))
        l.events.append({"type": "refund_only", "at": at, "qty": 0, "pct": rng.randint(8, 30)})


def split_tenders(l, state, amount):
    """Tenders returned for `amount` more of the line's total: the cumulative-difference
    rule on each tender by the refunded share of goods + freight, with fen-level fix-ups so
    the parts sum to `amount` and never exceed what is left of a tender."""
    before = state["g"] + state["f"]
    after = before + amount
    parts = {}
    for t in TENDERS:
        paid, done = l.tend[t], state[t]
        want = rdiv(paid * after, l.total) - done if l.total else 0
        parts[t] = min(max(want, 0), paid - done)
    diff = amount - sum(parts.values())
    while diff != 0:
        if diff > 0:
            t = max(TENDERS, key=lambda t: l.tend[t] - state[t] - parts[t])
            parts[t] += 1
            diff -= 1
        else:
            t = max(TENDERS, key=lambda t: parts[t])
            parts[t] -= 1
            diff += 1
    for t in TENDERS:
        assert 0 <= parts[t] <= l.tend[t] - state[t], (l.key, parts, state)
    return parts


def materialize_refunds():
    """Turns planned refund events into refund rows, line by line in time order, keeping
    every cumulative amount within what was paid (except the one planned over-refund)."""
    for l in LINES:
        if not l.events:
            continue
        l.events.sort(key=lambda e: e["at"])
        state = {"q": 0, "g": 0, "f": 0, "points": 0, "credit": 0, "cash": 0}
        for e in l.events:
            folder = e.get("folder")
            if folder is None:
                folder = bdate(e["at"])
                if folder < LAST_DAY and rng.random() < 0.12:
                    folder += timedelta(days=1)          # the after-sale extract ran late
            if folder > LAST_DAY:
                break                                    # not happened yet, nor anything after
            typ = e["type"]
            if typ == "cancel":
                q, g, f = l.qty - state["q"], l.goods - state["g"], l.freight - state["f"]
            elif typ == "return" or (typ == "refund_only" and e["qty"] > 0):
                k = e["qty"]
                if state["q"] + k == l.qty:
                    g = l.goods - state["g"]
                else:
                    g = rdiv(l.goods * (state["q"] + k), l.qty) - rdiv(l.goods * state["q"], l.qty)
                    g = min(g, l.goods - state["g"])
                q = k
                f = l.freight - state["f"] if e.get("freight_back") else 0
            else:                                        # refund_only, amount only
                q, f = 0, 0
                g = e["amount"] if "amount" in e else max(100, rdiv(l.goods * e["pct"], 10000) * 100)
                if not e.get("bad"):
                    g = min(g, l.goods - state["g"])
            if q == 0 and g == 0 and f == 0:
                continue
            rid = e.get("id") or new_refund_id(bdate(e["at"]))
            if e.get("bad"):
                # Deliberately over the line: tenders returned in the line's own proportions.
                parts = dict(zip(TENDERS, allocate(g + f, [l.tend[t] for t in TENDERS])))
            else:
                parts = split_tenders(l, state, g + f)
                state["q"] += q
                state["g"] += g
                state["f"] += f
                for t in TENDERS:
                    state[t] += parts[t]
            row = {"refund_id": rid, "order_id": l.order_id, "line_no": str(l.key[1]),
                   "refund_type": typ, "quantity": str(q), "refund_goods": fmt(g),
                   "refund_freight": fmt(f), "refund_points": fmt(parts["points"]),
                   "refund_credit": fmt(parts["credit"]), "refund_cash": fmt(parts["cash"]),
                   "refunded_at": ts(e["at"], ts_style())}
            l.refund_rows.append({"row": row, "folder": folder, "at": e["at"],
                                  "odd": e.get("odd"), "bad": e.get("bad", False)})


# ---------------------------------------------------------------------------------------
# Deliberately bad rows: each in a different file (see ODDITIES / README)


def make_bad_rows():
    D = date

    def fresh(d, supplier, hour, catalog_filter=None):
        buyer = rng.choice([b for b in BUYERS if b.profile == "cash"])
        paid = local(d, hour, rng.randint(0, 59), rng.randint(0, 59))
        ls = new_parent(d, buyer, suppliers=[supplier], one_line=True, paid=paid,
                        catalog_filter=catalog_filter)
        return ls[0]

    # BAD 1 (orders-20261005.csv): supplier SUP-ZETA is not configured -> unknown_supplier.
    l = fresh(D(2026, 10, 5), "SUP-DELTA", 14)
    l.row["supplier_id"] = "SUP-ZETA"
    l.row["sku"] = "ZETA-KTL17 Zeta Smart Kettle 1.7L"
    o = oddity("bad_unknown_supplier", D(2026, 10, 5), "orders",
               f"BAD: {l.order_id} from supplier SUP-ZETA (not in mall.json)",
               "quarantined unknown_supplier")
    BAD_ORDER_ROWS.append((D(2026, 10, 5), l.row, o["id"], l.paid))

    # BAD 2 (orders-20261009.csv): unit_price written `1e3` (exponent) -> bad_money.
    l = fresh(D(2026, 10, 9), "SUP-BAMBOO", 10)
    l.row.update({"sku": "BMB-SHRED Cross-Cut Paper Shredder 20L", "category": "office/equipment",
                  "quantity": "1", "unit_price": "1e3", "discount_platform": "0.00",
                  "discount_supplier": "0.00", "freight": "0.00", "paid_points": "0.00",
                  "paid_credit": "0.00", "paid_cash": "1000.00"})
    l.row["payment_channel"] = l.row["payment_channel"] or "alipay"
    o = oddity("bad_exponent", D(2026, 10, 9), "orders",
               f"BAD: {l.order_id} unit_price `1e3` (tenders balance if it were read as 1000)",
               "quarantined bad_money")
    BAD_ORDER_ROWS.append((D(2026, 10, 9), l.row, o["id"], l.paid))

    # BAD 3 (refunds-20261014.csv): refund_goods/refund_cash `10.005` -> bad_money.
    t = next(x for x in LINES if "BAD_REFUND_TARGET" in x.tags)
    at = local(D(2026, 10, 14), 15, 12, 3)
    row = {"refund_id": new_refund_id(D(2026, 10, 14)), "order_id": t.order_id,
           "line_no": str(t.key[1]), "refund_type": "refund_only", "quantity": "0",
           "refund_goods": "10.005", "refund_freight": "0.00", "refund_points": "0.00",
           "refund_credit": "0.00", "refund_cash": "10.005", "refunded_at": ts(at, "local")}
    o = oddity("bad_three_decimals", D(2026, 10, 14), "refunds",
               f"BAD: refund {row['refund_id']} of {t.order_id} with refund_goods `10.005`",
               "quarantined bad_money")
    BAD_REFUND_ROWS.append((D(2026, 10, 14), row, o["id"], at))

    # BAD 4 (orders-20261016.csv): paid_at without an offset -> bad_timestamp.
    l = fresh(D(2026, 10, 16), "SUP-GINKGO", 16)
    l.row["paid_at"] = l.paid.astimezone(TZ).strftime("%Y-%m-%dT%H:%M:%S")
    o = oddity("bad_timestamp", D(2026, 10, 16), "orders",
               f"BAD: {l.order_id} paid_at `{l.row['paid_at']}` has no offset",
               "quarantined bad_timestamp")
    BAD_ORDER_ROWS.append((D(2026, 10, 16), l.row, o["id"], l.paid))

    # BAD 5 (orders-20261023.csv): paid_cash one fen short -> tender_mismatch.
    l = fresh(D(2026, 10, 23), "SUP-ACME", 20, catalog_filter=lambda c: c[2] < 50000)
    l.row["paid_cash"] = fmt(l.tend["cash"] - 1)
    o = oddity("bad_tender", D(2026, 10, 23), "orders",
               f"BAD: {l.order_id} paid_cash {l.row['paid_cash']} is 0.01 short of goods + freight",
               "quarantined tender_mismatch")
    BAD_ORDER_ROWS.append((D(2026, 10, 23), l.row, o["id"], l.paid))


def make_adjustments():
    D = date
    ADJUSTMENTS.append((D(2026, 10, 8), {
        "adjustment_id": "ADJ-20261008-01", "supplier_id": "SUP-BAMBOO", "amount": "120.00",
        "reason": "Warehouse damaged 4 reams in storage, compensation (ticket FIN-1008)",
        "approved_by": "li.na@finance", "effective_at": "2026-10-08T17:30:00+08:00"}))
    ADJUSTMENTS.append((D(2026, 10, 21), {
        "adjustment_id": "ADJ-20261021-01", "supplier_id": "SUP-DELTA", "amount": "-85.50",
        "reason": "Late shipment penalty, SLA 48h, 3 orders",
        "approved_by": "wang.lei@finance", "effective_at": "2026-10-21T02:00:00Z"}))
    ADJUSTMENTS.append((D(2026, 11, 3), {
        "adjustment_id": "ADJ-20261103-01", "supplier_id": "SUP-ACME", "amount": "-300.00",
        "reason": "十月售后纠纷赔付，工单 FIN-2611 由供应商承担",
        "approved_by": "zhao.min@finance", "effective_at": "2026-11-03T11:00:00+08:00"}))
    ADJUSTMENTS.append((D(2026, 11, 3), {
        "adjustment_id": "ADJ-20261103-02", "supplier_id": "SUP-GINKGO", "amount": "45.60",
        "reason": "中秋礼盒包装费补贴 (packaging subsidy)",
        "approved_by": "zhao.min@finance", "effective_at": "2026-11-03T03:00:00Z"}))


# ---------------------------------------------------------------------------------------
# Files


def order_columns(d):
    if d >= REORDER_FROM:
        return ORDER_COLUMNS_V3
    if d >= SOURCE_FROM:
        return ORDER_COLUMNS_V2
    return ORDER_COLUMNS


def csv_bytes(columns, rows, crlf, bom=False):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    data = buf.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def jsonl_bytes(rows):
    out = []
    for r in rows:
        obj = {}
        for c in ORDER_COLUMNS:
            v = r.get(c, "")
            if v == "":
                continue                           # an absent key: "not given"
            obj[c] = int(v) if c in ("line_no", "quantity") else v
        out.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(out) + "\n").encode("utf-8")


def build_files():
    """Returns {relative path: bytes} for the whole days/ tree, and fills in the file and
    line of every oddity."""
    files = {}
    odd_by_id = {o["id"]: o for o in ODDITIES}
    comp_days = {}
    for l in LINES:
        if l.completed is not None:
            cd = bdate(l.completed)
            if cd > l.deliver_day and cd <= LAST_DAY:
                comp_days.setdefault(cd, []).append(l)
    by_day = {}
    for l in LINES:
        by_day.setdefault(l.deliver_day, []).append(l)
    refunds_by_day = {}
    for l in LINES:
        for rr in l.refund_rows:
            refunds_by_day.setdefault(rr["folder"], []).append(
                (rr["at"], rr["row"], rr["odd"] if rr["odd"] in odd_by_id else None))
    for d, row, oid, at in BAD_REFUND_ROWS:
        refunds_by_day.setdefault(d, []).append((at, row, oid))

    for d in days():
        folder = f"{d:%Y-%m-%d}"
        stamp = f"{d:%Y%m%d}"
        # Orders: new lines (completed_at filled when receipt already happened by that
        # night), completion re-deliveries, and the day's extra / bad rows; by event time.
        items = []
        for l in by_day.get(d, []):
            row = dict(l.row)
            if l.completed is not None and bdate(l.completed) <= d:
                row["completed_at"] = ts(l.completed, l.completed_style)
            odd = "orphan_line" if l is orphan_line() else None
            items.append((l.paid, row, odd))
        for l in comp_days.get(d, []):
            row = dict(l.row)
            row["completed_at"] = ts(l.completed, l.completed_style)
            items.append((l.completed, row, None))
        for dd, row, oid, at in BAD_ORDER_ROWS:
            if dd == d:
                items.append((at, dict(row), oid))
        for dd, what, oid, ref in EXTRA_ORDER_ROWS:
            if dd != d:
                continue
            if what == "DUP":
                row = dict(ref.row)
                if ref.completed is not None and bdate(ref.completed) <= ref.deliver_day:
                    row["completed_at"] = ts(ref.completed, ref.completed_style)
                row["source"] = ref.row["source"]
                items.append((d_start(d) + timedelta(hours=8), row, oid))
            else:
                items.append((ref, dict(what), oid))   # ref: when the re-send was made
        items.sort(key=lambda x: x[0])
        rows = [x[1] for x in items]
        if d == JSONL_DAY:
            name = f"orders-{stamp}.jsonl.gz"
            raw = jsonl_bytes(rows)
            files[f"{folder}/{name}"] = gzip.compress(raw, compresslevel=9, mtime=0)
            first_line = 1
        else:
            name = f"orders-{stamp}.csv"
            files[f"{folder}/{name}"] = csv_bytes(order_columns(d), rows, crlf=rng.random() < 0.3)
            first_line = 2
        for i, x in enumerate(items):
            if x[2]:
                odd_by_id[x[2]]["file"] = f"{folder}/{name}"
                odd_by_id[x[2]]["line"] = first_line + i

        # Refunds (written every night, possibly with a header only).
        ritems = sorted(refunds_by_day.get(d, []), key=lambda x: x[0])
        name = f"refunds-{stamp}.csv"
        files[f"{folder}/{name}"] = csv_bytes(REFUND_COLUMNS, [x[1] for x in ritems],
                                              crlf=rng.random() < 0.3,
                                              bom=("refunds", d) in BOM_FILES)
        for i, x in enumerate(ritems):
            if x[2] and odd_by_id[x[2]]["line"] is None:
                odd_by_id[x[2]]["file"] = f"{folder}/{name}"
                odd_by_id[x[2]]["line"] = 2 + i

        adj = [r for dd, r in ADJUSTMENTS if dd == d]
        if adj:
            files[f"{folder}/adjustments-{stamp}.csv"] = csv_bytes(ADJ_COLUMNS, adj, crlf=False)

    # The re-delivered file: orders-20261012.csv again, under another name, on 10-13.
    src = f"{RESEND_OF:%Y-%m-%d}/orders-{RESEND_OF:%Y%m%d}.csv"
    dst = f"{RESEND_OF + timedelta(days=1):%Y-%m-%d}/orders-{RESEND_OF:%Y%m%d}-resend.csv"
    files[dst] = files[src]
    o = odd_by_id["resend"]
    o["file"], o["line"] = dst, 0

    for o in ODDITIES:
        assert o["file"] is not None, o
    return files


_ORPHAN = {}


def orphan_line():
    if "l" not in _ORPHAN:
        _ORPHAN["l"] = next(l for l in LINES if "ORPHAN" in l.tags
                            and any(e.get("odd") == "orphan" for e in l.events))
    return _ORPHAN["l"]


def d_start(d):
    return local(d, 0, 0)


# ---------------------------------------------------------------------------------------


def generate():
    """Builds everything in memory: returns (files, oddities, stats). Same bytes every time."""
    global rng
    rng = random.Random(SEED)
    for coll in (BUYERS, LINES, BAD_ORDER_ROWS, EXTRA_ORDER_ROWS, BAD_REFUND_ROWS, ADJUSTMENTS,
                 ODDITIES):
        coll.clear()
    for coll in (PARENTS, CHILDREN, SEQ, REFUND_SEQ, _ORPHAN):
        coll.clear()
    make_buyers()
    make_orders()
    make_specials()
    random_fates()
    materialize_refunds()
    make_bad_rows()
    make_adjustments()
    oddity("resend", date(2026, 10, 13), "orders",
           "orders-20261012.csv delivered again, byte for byte, as orders-20261012-resend.csv",
           "whole file is a no-op (same SHA-256 as a file already taken)")
    files = build_files()
    return files, ODDITIES, stats(files)


def stats(files):
    s = {"lines": len(LINES), "parents": len(PARENTS), "children": len(CHILDREN),
         "completed_in_sample": sum(1 for l in LINES if l.completed and bdate(l.completed) <= LAST_DAY),
         "never_completed": sum(1 for l in LINES if "never_completed" in l.tags),
         "cancelled_lines": sum(1 for l in LINES if l.cancelled),
         "refund_rows": sum(1 for l in LINES for r in l.refund_rows) + len(BAD_REFUND_ROWS),
         "by_supplier": {}, "refund_types": {}, "bytes": sum(len(b) for b in files.values()),
         "files": len(files), "credit_buyers": sorted({l.row["buyer_id"] for l in LINES
                                                       if l.tend["credit"] > 0})}
    for l in LINES:
        s["by_supplier"][l.supplier] = s["by_supplier"].get(l.supplier, 0) + 1
        for r in l.refund_rows:
            t = r["row"]["refund_type"]
            s["refund_types"][t] = s["refund_types"].get(t, 0) + 1
    return s


def write(files):
    if os.path.isdir(DAYS_DIR):
        shutil.rmtree(DAYS_DIR)
    for rel, data in sorted(files.items()):
        path = os.path.join(DAYS_DIR, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def readme(files, odds, st):
    sup_names = {"SUP-ACME": "Acme Digital (commission, ships supplier, monthly/1, completed)",
                 "SUP-BAMBOO": "Bamboo Office Supplies (commission, ships platform, weekly/Mon, paid)",
                 "SUP-CEDAR": "Cedar Fresh Foods (purchase, ships platform, semimonthly, completed)",
                 "SUP-DELTA": "Delta Home & Living (commission, ships supplier, monthly/16, paid)",
                 "SUP-ECHO": "Echo Gift Cards (purchase, ships supplier, daily, paid)",
                 "SUP-FERN": "Fern Laptops (commission, ships platform, weekly/Wed, completed)",
                 "SUP-GINKGO": "银杏茶业 Ginkgo Tea (commission, ships supplier, semimonthly, completed)",
                 "SUP-HARBOR": "Harbor Industrial B2B (purchase, ships platform, monthly/1, paid)"}
    order_rows = {}
    for rel, data in files.items():
        folder, name = rel.split("/")
        if name.endswith(".gz"):
            n = gzip.decompress(data).decode("utf-8").count("\n")
        else:
            n = data.decode("utf-8-sig").replace("\r\n", "\n").count("\n") - 1
        order_rows[rel] = n
    kinds = {}
    for rel, n in order_rows.items():
        k = rel.split("/")[1].split("-")[0]
        kinds[k] = kinds.get(k, 0) + n
    L = []
    L.append("# SampleData: a month of MallSettle feeds\n")
    L.append("Generated by `make_sample.py` (Python 3, standard library only, seed 20261101) for "
             "the configuration `Pipelines/mall.json`. Do not edit the files by hand: change the "
             "script and regenerate.\n")
    L.append("## What it is\n")
    L.append(f"- `days/YYYY-MM-DD/`: one folder per business day (Asia/Shanghai) from "
             f"{FIRST_DAY} to {LAST_DAY} ({(LAST_DAY - FIRST_DAY).days + 1} folders), each holding "
             "what the mall delivered to the inbox that night: `orders-YYYYMMDD.csv`, "
             "`refunds-YYYYMMDD.csv` (header only on quiet nights) and sometimes "
             "`adjustments-YYYYMMDD.csv`.")
    L.append(f"- {st['files']} files, {st['bytes']:,} bytes in all.")
    L.append(f"- {st['lines']} order lines in {st['parents']} buyer orders split into "
             f"{st['children']} child orders (`P2610010001` → `P2610010001-1`, `-2`, one per "
             f"supplier); {kinds.get('orders', 0)} order rows in all, counting the completion "
             "re-deliveries, the duplicate, the conflict, the bad rows and the re-sent file.")
    L.append(f"- {st['refund_rows']} refund rows ({', '.join(f'{k} {v}' for k, v in sorted(st['refund_types'].items()))}"
             f", plus the bad ones); {len(ADJUSTMENTS)} adjustments.")
    L.append("- Suppliers (order lines):")
    for s in sorted(st["by_supplier"]):
        L.append(f"  - `{s}` {sup_names[s]}: {st['by_supplier'][s]}")
    L.append("- Buyers `B0001`…`B0300` with member levels `standard`, `gold`, `enterprise`; "
             "about 7 % of orders are guests (no buyer_id, no level). Enterprise buyers pay "
             "on credit (`paid_credit`, buyer_id set), welfare-programme buyers pay mostly in "
             "points (`paid_points`, the rest by wechat/alipay), everyone else by "
             "wechat/alipay/unionpay/balance; `payment_channel` is set exactly when `paid_cash` > 0.")
    L.append(f"- Buyers who pay on credit ({len(st['credit_buyers'])}): "
             + ", ".join(f"`{b}`" for b in st["credit_buyers"])
             + ". `mall.json` has no `credit_accounts`, so once the credit stage runs these "
             "show as `no_credit_account` breaks unless accounts are added.")
    L.append("")
    L.append("## How the feeds behave\n")
    L.append("- Every order line is delivered on the night of its `paid_at` business date "
             "with `completed_at` empty, unless receipt was already confirmed that day (e-cards "
             "of SUP-ECHO, completed within minutes). The completion comes later as the same "
             "row re-delivered with `completed_at` filled, in the orders file of the "
             "completion's business date (SPEC 3.1's one allowed update). Lines completing "
             f"after {LAST_DAY} stay open; {st['never_completed']} lines never complete "
             f"(lost or disputed), and the {st['cancelled_lines']} cancelled lines never do.")
    L.append("- Money is integer fen inside the script and written with 2 decimals; every good "
             "row satisfies goods = quantity × unit_price − discount_platform − "
             "discount_supplier ≥ 0 and paid_points + paid_credit + paid_cash = goods + freight. "
             "Coupons (platform- and supplier-funded) and freight (per child order and "
             "supplier rule) are spread over lines by largest remainder; tenders per buyer "
             "order, then spread over its lines.")
    L.append("- `cost_price` is filled for the purchase-mode suppliers (SUP-CEDAR, SUP-ECHO, "
             "SUP-HARBOR) only. Some GINKGO orders carry a free tasting sample (unit_price 0).")
    L.append("- Timestamps mix `+08:00` and `Z` (some with milliseconds); a business date is "
             "the Shanghai date, so a `Z` time of 16:00–23:59 belongs to the next day.")
    L.append("- Refunds: `cancel` (before shipment, whole child order under one refund_id), "
             "`refund_only` (amount only with quantity 0, and one with a quantity) and `return` "
             "(after receipt), partial and full. Tenders come back by the cumulative-difference "
             "rule over the refunded share of goods + freight, never beyond a tender's payment. "
             "A refund is delivered on the night of its `refunded_at` date, sometimes a night later.")
    L.append("- Format variations (all allowed by SPEC 3): CRLF on about a third of the files; "
             f"orders of {JSONL_DAY} as JSON Lines gzip (`orders-{JSONL_DAY:%Y%m%d}.jsonl.gz`, money as "
             "strings, line_no/quantity as numbers, empty fields left out); from "
             f"{SOURCE_FROM} the orders carry an extra `source` column (ignored); from "
             f"{REORDER_FROM} the orders columns come in another order; "
             "`refunds-20261028.csv` starts with a UTF-8 BOM; SKU text with Chinese, and "
             "`银杏 \"金骏眉\" 红茶, 礼盒装 2×100g` with quotes and a comma.")
    L.append("")
    L.append("## Deliberate oddities\n")
    L.append("Line numbers count the header as line 1 (JSON Lines: first line is 1; 0 = the "
             "whole file). Rows marked BAD are the only ones that should be quarantined.\n")
    L.append("| file | line | what | expected |")
    L.append("|---|---|---|---|")
    for o in sorted(odds, key=lambda o: (o["file"], o["line"])):
        L.append(f"| `{o['file']}` | {o['line']} | {o['what'].replace('|', '/')} | {o['expect']} |")
    L.append("")
    L.append("A run of a night with a BAD row exits 3 (rows quarantined), the others exit 0 "
             "(as far as ingest and posting go; reconciliation has no payments feed here).\n")
    L.append("The two late refunds are late only if October is closed before they arrive: e.g. "
             "`close --through 2026-10-31` after the run of 2026-11-01 or 11-02.\n")
    L.append("## Regenerate and check\n")
    L.append("```\npython3 SampleData/make_sample.py      # from the repository root; rewrites "
             "SampleData/days/ and this README\npython3 SampleData/check_sample.py     # re-checks "
             "the committed files\n```\n")
    L.append("`check_sample.py` regenerates everything in memory and compares it with the files "
             "on disk, then replays the nights with its own simple model of SPEC 3 (file hashes, "
             "row checks, keys, completion updates, orphans, cumulative refund limits) and "
             "fails unless exactly the oddities above happen: every good row balances, refunds "
             "stay within what was paid per tender, goods, freight and quantity, and keys are "
             "unique except the planned duplicate, conflict and re-sent file.\n")
    L.append("`make run` replays the days night by night: for each folder in date order it "
             "copies the files into the inbox (files stay there, as in production) and runs "
             "`mallsettle run --date YYYY-MM-DD`.\n")
    with open(README, "w", encoding="utf-8") as f:
        f.write("\n".join(L))


def main():
    files, odds, st = generate()
    write(files)
    readme(files, odds, st)
    print(f"wrote {st['files']} files, {st['bytes']:,} bytes, {st['lines']} order lines, "
          f"{st['refund_rows']} refund rows into {DAYS_DIR}")
    sys.dont_write_bytecode = True          # keep SampleData/ free of __pycache__
    sys.path.insert(0, HERE)
    import check_sample
    sys.exit(check_sample.main())


if __name__ == "__main__":
    main()
