#!/usr/bin/env python3
"""Fuzz/make_corpus.py: writes the seed corpus of every fuzz target into Fuzz/corpus/<target>/.

Seeds are small, real-looking inputs: a few lines of SampleData/days/*/ feeds, rows built from
the real datasets in ../shared/realdata/ (UCI Online Retail, Olist; see their READMEs), and the
edge cases of issue 5 (BOM, CRLF, quotes, 1e3, -0, 12.345, offsets, fractions, gzip of a small
feed, a multi-member gzip, a truncated gzip). Deterministic: run it again, get the same files.

    python3 Fuzz/make_corpus.py      (from the repository root; rewrites Fuzz/corpus/)
"""

import csv
import gzip
import io
import os
import shutil
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "corpus")
DAYS = os.path.join(ROOT, "SampleData", "days")
REALDATA = os.path.join(ROOT, "..", "shared", "realdata")

ORDERS_COLUMNS = ("order_id,parent_order_id,line_no,supplier_id,buyer_id,member_level,sku,category,quantity,"
                  "unit_price,cost_price,discount_platform,discount_supplier,freight,paid_points,paid_credit,"
                  "paid_cash,payment_channel,ordered_at,paid_at,completed_at,currency").split(",")
HEADER = ",".join(ORDERS_COLUMNS)


def gz(data: bytes, level: int = 6) -> bytes:
    """One gzip member without name or time, so seeds do not change from run to run."""
    return gzip.compress(data, compresslevel=level, mtime=0)


def write(target: str, name: str, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    path = os.path.join(CORPUS, target, name)
    with open(path, "wb") as f:
        f.write(data)


def lines_of(path: str, count: int, start: int = 1) -> list:
    """The header and `count` data lines of a feed, terminators kept as they are."""
    with open(path, "rb") as f:
        raw = f.read()
    lines = raw.splitlines(keepends=True)
    return [lines[0]] + lines[start:start + count]


def realdata_rows(name: str, count: int, where=lambda row: True) -> list:
    path = os.path.join(REALDATA, name)
    opener = gzip.open if path.endswith(".gz") else open
    out = []
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if where(row):
                out.append(row)
                if len(out) == count:
                    break
    return out


def orders_csv(rows: list, newline: str = "\n") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(ORDERS_COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in ORDERS_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def uci_orders() -> list:
    """UCI Online Retail lines as orders rows: descriptions with commas, quotes, trailing spaces, £."""
    picked = realdata_rows("uci-online-retail/online_retail.csv.gz", 6,
                           lambda r: '"' in r["Description"] or "," in r["Description"] or "£" in r["Description"]
                           or r["Quantity"].startswith("-"))
    rows = []
    for r in picked:
        at = r["InvoiceDate"].replace(" ", "T") + "Z"
        rows.append({"order_id": r["InvoiceNo"], "line_no": "1", "supplier_id": "SUP-UCI",
                     "buyer_id": r["CustomerID"], "sku": r["StockCode"] + " " + r["Description"],
                     "category": "gift/" + r["Country"], "quantity": r["Quantity"], "unit_price": r["UnitPrice"],
                     "paid_cash": r["UnitPrice"], "payment_channel": "card", "ordered_at": at, "paid_at": at,
                     "currency": "GBP"})
    return rows


def olist_orders() -> list:
    rows = []
    for r in realdata_rows("olist-brazilian-ecommerce/olist_order_items_dataset.csv.gz", 4):
        at = r["shipping_limit_date"].replace(" ", "T") + "-03:00"
        rows.append({"order_id": r["order_id"] + "-1", "parent_order_id": r["order_id"],
                     "line_no": r["order_item_id"], "supplier_id": r["seller_id"], "sku": r["product_id"],
                     "category": "olist", "quantity": "1", "unit_price": r["price"], "freight": r["freight_value"],
                     "paid_cash": r["price"], "payment_channel": "credit_card", "ordered_at": at, "paid_at": at,
                     "currency": "BRL"})
    return rows


def csv_seeds():
    t = "csv"
    day1 = os.path.join(DAYS, "2026-10-01", "orders-20261001.csv")
    write(t, "sample-lf.csv", b"".join(lines_of(day1, 3)))
    write(t, "sample-crlf.csv", b"".join(l.rstrip(b"\r\n") + b"\r\n" for l in lines_of(day1, 3)))
    write(t, "sample-bom.csv", b"\xef\xbb\xbf" + b"".join(lines_of(day1, 2)))
    for path in sorted(os.listdir(DAYS)):
        name = "orders-" + path.replace("-", "") + ".csv"
        full = os.path.join(DAYS, path, name)
        if os.path.exists(full) and "金骏眉".encode() in open(full, "rb").read():
            quoted = [l for l in open(full, "rb").read().splitlines(keepends=True) if "金骏眉".encode() in l][:1]
            write(t, "sample-quoted-chinese.csv", lines_of(full, 0)[0] + b"".join(quoted))
            break
    write(t, "sample-extra-column.csv", b"".join(lines_of(os.path.join(DAYS, "2026-10-25", "orders-20261025.csv"), 2)))
    write(t, "sample-reordered.csv", b"".join(lines_of(os.path.join(DAYS, "2026-11-01", "orders-20261101.csv"), 2)))
    write(t, "realdata-uci.csv", orders_csv(uci_orders()))
    write(t, "realdata-olist-crlf.csv", orders_csv(olist_orders(), "\r\n"))
    with gzip.open(os.path.join(REALDATA, "uci-online-retail", "online_retail.csv.gz"), "rb") as f:
        write(t, "realdata-uci-raw-header.csv", b"".join(f.readline() for _ in range(4)))
    row = "P1-1,P1,1,SUP-A,B1,gold,S-1,digital/phone,{q},{p},,0.00,0.00,0.00,0.00,0.00,{p},wechat,{o},{o},,CNY"
    ok = "2026-10-01T12:00:00+08:00"
    edge = [
        ("amounts-exponent.csv", row.format(q="1", p="1e3", o=ok)),
        ("amounts-negative-zero.csv", row.format(q="1", p="-0", o=ok)),
        ("amounts-three-decimals.csv", row.format(q="1", p="12.345", o=ok)),
        ("amounts-thousands.csv", row.format(q="1", p='"1,000.00"', o=ok)),
        ("amounts-beyond-64-bits.csv", row.format(q="1", p="99999999999999999999.99", o=ok)),
        ("timestamp-fraction-z.csv", row.format(q="2", p="9.90", o="2026-10-01T04:00:00.123456789Z")),
        ("timestamp-offsets.csv", row.format(q="2", p="9.90", o="2026-10-01T04:00:00-0530")),
    ]
    for name, line in edge:
        write(t, name, HEADER + "\n" + line + "\n")
    good = row.format(q="1", p="9.90", o=ok)
    write(t, "blank-lines-and-lone-cr.csv", HEADER + "\r\n\r\n\n" + good.replace("S-1", "S\r1") + "\r\n\n")
    write(t, "quoted-newline.csv", HEADER + "\n" + good.replace("S-1", '"multi\nline ""sku"""') + "\n")
    write(t, "bad-quotes.csv", HEADER + "\n" + good.replace("S-1", 'S"1') + "\n" + good.replace("S-1", '"S"1') + "\n"
          + good.replace("S-1", '"open') + "\n")
    write(t, "field-counts.csv", HEADER + "\n" + good + ",extra\n" + "P2,P2,1\n" + good)
    write(t, "invalid-utf8-row.csv", (HEADER + "\n").encode() + good.replace("S-1", "S\udcff").encode("utf-8", "surrogateescape") + b"\n")
    write(t, "nul-byte.csv", (HEADER + "\n" + good + "\n").encode().replace(b"S-1", b"S\x001"))
    write(t, "utf16-bom.csv", b"\xff\xfe" + (HEADER + "\n").encode("utf-16-le"))
    write(t, "header-only.csv", HEADER + "\n")
    write(t, "missing-column.csv", HEADER.replace("sku,", "") + "\n")
    write(t, "empty.csv", b"")
    write(t, "long-row.csv", HEADER + "\n" + good.replace("S-1", "长" * 4200) + "\n")
    write(t, "no-final-newline-cr.csv", HEADER + "\n" + good + "\r")


def jsonl_seeds():
    t = "jsonlines"
    with gzip.open(os.path.join(DAYS, "2026-10-18", "orders-20261018.jsonl.gz"), "rb") as f:
        lines = f.read().splitlines(keepends=True)
    write(t, "sample.jsonl", b"".join(lines[:3]))
    write(t, "sample-crlf-bom.jsonl", b"\xef\xbb\xbf" + b"".join(l.rstrip(b"\n") + b"\r\n" for l in lines[:2]))
    base = lines[0].rstrip(b"\n").decode()
    edge = {
        "escapes.jsonl": base.replace("BMB-STPL50", "BMB\\u0041\\ud83d\\ude00\\\"\\\\\\/\\n\\t"),
        "numbers.jsonl": base.replace('"42.80"', "1e3").replace('"line_no":1', '"line_no":-0'),
        "leading-zero.jsonl": base.replace('"quantity":3', '"quantity":03'),
        "duplicate-key.jsonl": base.replace('{"order_id"', '{"sku":"first","order_id"'),
        "null-bool.jsonl": base.replace('"buyer_id":"B0021"', '"buyer_id":null,"flag":true,"other":false'),
        "nested.jsonl": base.replace('"member_level":"gold"', '"member_level":{"a":[1,2]}'),
        "lone-surrogate.jsonl": base.replace("BMB-STPL50", "\\ud83d"),
        "trailing-text.jsonl": base + " x",
        "three-decimals.jsonl": base.replace('"42.80"', '"12.345"'),
        "empty-object-and-blank.jsonl": "{}\n  \t\n\n{ }",
        "not-an-object.jsonl": '[1,2]\n"text"\n42\n',
        "long-line.jsonl": base.replace("BMB-STPL50", "长" * 4200),
    }
    for name, text in edge.items():
        write(t, name, text + "\n")
    write(t, "invalid-utf8.jsonl", base.encode().replace(b"BMB", b"B\xc0\xafB") + b"\n")
    write(t, "olist-payments.jsonl", "".join(
        '{"order_id":"%s","paid_cash":"%s","payment_channel":"%s","line_no":%s}\n'
        % (r["order_id"], r["payment_value"], r["payment_type"], r["payment_sequential"])
        for r in realdata_rows("olist-brazilian-ecommerce/olist_order_payments_dataset.csv.gz", 3)))


def gzip_seeds():
    t = "gzip"
    day1 = os.path.join(DAYS, "2026-10-01", "orders-20261001.csv")
    feed = b"".join(lines_of(day1, 4))
    write(t, "feed.csv.gz", gz(feed))
    write(t, "feed-stored.csv.gz", gz(feed, level=0))
    write(t, "multi-member.csv.gz", gz(feed[:200]) + gz(feed[200:]))
    write(t, "empty-member-first.gz", gz(b"") + gz(feed[:100]))
    whole = gz(feed)
    write(t, "truncated.csv.gz", whole[: len(whole) // 2])
    write(t, "missing-trailer.csv.gz", whole[:-8])
    bad_crc = bytearray(whole)
    bad_crc[-8] ^= 0xFF
    write(t, "bad-crc.csv.gz", bytes(bad_crc))
    write(t, "trailing-garbage.csv.gz", whole + b"garbage")
    write(t, "trailing-zeros.csv.gz", whole + b"\x00" * 8)
    named = gzip.compress(feed[:120], mtime=1_700_000_000)
    # FNAME flag and a name, as gzip(1) writes them.
    named = named[:3] + bytes([named[3] | 0x08]) + named[4:10] + b"orders.csv\x00" + named[10:]
    write(t, "with-name.csv.gz", named)
    write(t, "bomb-1000-to-1.gz", gz(b"0" * (1 << 20), level=9))
    with gzip.open(os.path.join(DAYS, "2026-10-18", "orders-20261018.jsonl.gz"), "rb") as f:
        write(t, "sample-jsonl-head.gz", gz(f.read(1500)))
    write(t, "plain.csv", feed)
    write(t, "magic-only.gz", b"\x1f\x8b")
    raw_deflate = zlib.compress(feed[:200])
    write(t, "zlib-not-gzip.bin", raw_deflate)


def money_seeds():
    t = "money"
    values = ["12.30", "12.3", "12", "0", "-0", "-0.00", "0.5", "007.01", "-15.60", "75.10", "1906.65",
              "9000000000000.00", "9000000000000.01", "-9000000000000.00", "99999999999999999999.99",
              "1e3", "12.345", "1,000.00", "+1", " 1", "1 ", "", "-", ".5", "5.", "1.2.3", "١٢", "¥12", "0x10",
              "92233720368547758.07", "-922337203685477.58", "34.04", "2.55"]
    for i, v in enumerate(values):
        write(t, f"{i:02d}", v)


def timestamp_seeds():
    t = "timestamp"
    values = ["2026-11-03T14:05:00+08:00", "2026-11-03T06:05:00Z", "2026-10-11T19:21:23.000Z",
              "2026-10-01T00:08:18.123456789+08:00", "2026-11-03T14:05+0800", "2026-11-03T14:05:00+08",
              "2026-11-03T14:05:00-05:30", "2026-11-03T14:05:00", "2026-11-03T14:05", "2026-02-29T00:00:00Z",
              "2024-02-29T23:59:59.999999999-18:59", "1677-09-21T00:12:43.145224192Z",
              "2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:16.854775808Z", "1900-01-01T00:00:00+08:00",
              "2026-11-03 14:05:00+08:00", "2026-13-01T00:00:00Z", "2026-11-03T24:00:00Z",
              "2026-11-03T14:05:60Z", "2010-12-01 08:26:00", "2017-09-19 09:45:35", "2026-11-03T14:05:00z",
              "2026-11-03T14:05:00+19:00", "2026-11-03T14:05:00.Z", "2026-11-03T14:05:00.1234567891Z"]
    for i, v in enumerate(values):
        write(t, f"{i:02d}", v)


JOURNAL_LINES = [
    '{"event":"place_order","at":"2026-10-01T12:03:10+08:00","order_id":"O-1","buyer_id":"B-1","lines":[{"sku":"S-1","quantity":2},{"sku":"S-2","quantity":"7"}],"coupons":["C-1"],"points_limit":"100.5"}',
    '{"event":"pay","at":"2026-10-01T12:04:00+08:00","order_id":"O-1","channel":"wechat","txn_id":"T-1"}',
    '{"event":"cancel","at":"2026-10-01T12:04:00Z","order_id":"O-1","refund_id":"R-1"}',
    '{"event":"ship","at":"2026-10-01T12:04:00Z","order_id":"O-1-1"}',
    '{"event":"complete","at":"2026-10-01T12:04:00.5Z","order_id":"O-1-1"}',
    '{"event":"refund","at":"2026-10-01T12:04:00Z","refund_id":"R-2","order_id":"O-1-1","type":"return","lines":[{"line_no":1,"quantity":1}]}',
    '{"event":"refund","at":"2026-10-01T12:04:00Z","refund_id":"R-3","order_id":"O-1-2","type":"refund_only","lines":[{"line_no":2,"amount":"15"}],"txn_id":"T-9"}',
    '{"event":"grant_points","at":"2026-10-01T08:00:00+08:00","grant_id":"G-1","buyer_id":"B-1","amount":"300.00","expires_at":"2027-01-01T00:00:00+08:00"}',
    '{"event":"repay","at":"2026-10-31T16:00:00+08:00","repayment_id":"P-9","buyer_id":"B-3","amount":"5000.00"}',
]


def journal_seeds():
    t = "journal"
    for i, line in enumerate(JOURNAL_LINES):
        write(t, f"event-{i}.jsonl", line + "\n")
    write(t, "all-crlf-bom.jsonl", "\ufeff" + "\r\n".join(JOURNAL_LINES) + "\r\n\r\n   \n")
    write(t, "all.jsonl.gz", gz(("\n".join(JOURNAL_LINES) + "\n").encode()))
    write(t, "errors.jsonl", "\n".join([
        '{"event":"pay","at":"2026-10-01T12:04:00Z","order_id":"O-1",}',
        '{"event":"teleport","at":"2026-10-01T12:04:00Z"}',
        '{"event":"grant_points","at":"2026-10-01T08:00:00+08:00","grant_id":"G-1","buyer_id":"B-1","amount":300}',
        '{"event":"pay","at":"2026-10-01T12:04:00","order_id":"O-1"}',
        '{"event":"pay","at":"2026-10-01T12:04:00Z","order_id":"订单","txn":1}',
        '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
        '{"event":"ship","at":"2026-10-01T12:04:00Z","order_id":"\\u0000\\ud83d\\ude00"}',
        '{"event":"ship","at":"1900-01-01T12:00:00+08:00","order_id":"old"}',
    ]) + "\n")


def catalog_seeds():
    t = "catalog"
    tests = open(os.path.join(ROOT, "Tests", "MallIOTests", "JournalCodecTests.swift"), encoding="utf-8").read()
    start = tests.index('static let catalogText = """') + len('static let catalogText = """\n')
    text = tests[start:tests.index('    """', start)]
    text = "\n".join(l[4:] for l in text.splitlines()) + "\n"
    write(t, "catalog.json", text)
    write(t, "minimal.json", '{"suppliers":[],"skus":[],"buyers":[]}')
    write(t, "minimal-crlf.json", '{\r\n "suppliers": [], "skus": [],\r\n "buyers": [{"id":"B-1"}]\r\n}\r\n')
    write(t, "bad-timezone.json", '{"timezone":"CST","suppliers":[],"skus":[],"buyers":[]}')
    write(t, "duplicate-field.json", '{"suppliers":[],"suppliers":[],"skus":[],"buyers":[]}')
    write(t, "olist-sellers.json", '{"suppliers":[' + ",".join(
        '{"id":"%s","freight":"%s"}' % (r["seller_id"], r["freight_value"])
        for r in realdata_rows("olist-brazilian-ecommerce/olist_order_items_dataset.csv.gz", 3)) + '],"skus":[],"buyers":[]}')


def main():
    targets = {"csv": csv_seeds, "jsonlines": jsonl_seeds, "gzip": gzip_seeds, "money": money_seeds,
               "timestamp": timestamp_seeds, "journal": journal_seeds, "catalog": catalog_seeds}
    for target, make in targets.items():
        folder = os.path.join(CORPUS, target)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        make()
        print(f"{target}: {len(os.listdir(folder))} seeds")


if __name__ == "__main__":
    main()
