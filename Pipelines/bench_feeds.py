#!/usr/bin/env python3
"""Benchmark feeds for `make bench`: N order lines over one month, 10% refunded, from
SUPPLIERS suppliers of every mode and cycle, plus one extra day of DAY_LINES lines.
A share BIG_SHARE (default 0.6) of the month's lines belong to one big supplier, S0000
(monthly, shipped by the platform), whose October sheet then holds about 3 million fee
lines: the large marketplace supplier whose close and statements the bench times.

usage: bench_feeds.py OUT_DIR [N] [SUPPLIERS] [DAY_LINES] [BIG_SHARE]
Writes OUT_DIR/config.json, OUT_DIR/month/{orders,refunds}-NN.csv and
OUT_DIR/night/{orders,refunds}-next.csv. Deterministic (fixed seed). Money is built in
integer fen and written as decimals, so every row balances exactly.
"""
import json
import os
import random
import sys


def money(fen):
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def config(suppliers):
    cycles = [("monthly", 1), ("monthly", 16), ("semimonthly", None), ("weekly", 1), ("weekly", 4), ("daily", None)]
    rows = []
    for i in range(suppliers):
        cycle, day = cycles[i % len(cycles)]
        s = {"id": f"S{i:04d}", "name": f"Supplier {i}", "mode": "purchase" if i % 4 == 3 else "commission",
             "ships": "platform" if i % 3 == 0 else "supplier", "cycle": cycle,
             "settle_on": "completed" if i % 2 else "paid", "entity": f"ENT-{i % 3}"}
        if day is not None:
            s["cycle_day"] = day
        rows.append(s)
    rules = [
        {"fee": "commission", "rate_ppm": 50000},
        {"fee": "commission", "rate_ppm": 80000, "category": "digital"},
        {"fee": "commission", "rate_ppm": 30000, "category": "digital/phone"},
        {"fee": "payment_fee", "rate_ppm": 6000, "channel": "wechat"},
        {"fee": "payment_fee", "rate_ppm": 5500, "channel": "alipay", "reversible": True},
        {"fee": "refund_admin", "rate_ppm": 200000},
        {"fee": "delivery_fee", "per_unit": "6.00"},
        {"fee": "warehousing_fee", "per_unit": "1.20"},
        {"fee": "return_service_fee", "per_unit": "3.00"},
    ]
    return {"timezone": "Asia/Shanghai", "currency": "CNY", "suppliers": rows, "fee_rules": rules}


ORDER_HEADER = ("order_id,parent_order_id,line_no,supplier_id,buyer_id,member_level,sku,category,quantity,unit_price,"
                "cost_price,discount_platform,discount_supplier,freight,paid_points,paid_credit,paid_cash,payment_channel,"
                "ordered_at,paid_at,completed_at,currency\n")
REFUND_HEADER = ("refund_id,order_id,line_no,refund_type,quantity,refund_goods,refund_freight,refund_points,refund_credit,"
                 "refund_cash,refunded_at\n")
CATEGORIES = ["digital/phone/android", "digital/laptop", "office/paper", "food/tea", "home/kitchen", "welfare/cards"]
CHANNELS = ["wechat", "alipay", "unionpay", "balance"]


def write_lines(rng, prefix, count, suppliers, days, orders_path, refunds_path, big_share=0.0):
    with open(orders_path, "w") as orders, open(refunds_path, "w") as refunds:
        orders.write(ORDER_HEADER)
        refunds.write(REFUND_HEADER)
        out, rout = [], []
        for n in range(count):
            sup = rng.randrange(suppliers)
            if rng.random() < big_share:
                sup = 0
            q = rng.randint(1, 5)
            price = rng.randint(100, 200000)
            gross = q * price
            dp = rng.randrange(gross // 10 + 1) if rng.random() < 0.3 else 0
            ds = rng.randrange(gross // 10 + 1) if rng.random() < 0.2 else 0
            goods = gross - dp - ds
            freight = rng.choice([0, 0, 0, 600, 1000])
            total = goods + freight
            points = rng.randrange(total + 1) if rng.random() < 0.3 else 0
            cash = total - points
            day = rng.choice(days)
            stamp = f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+08:00"
            completed = stamp if rng.random() < 0.9 else ""
            oid = f"{prefix}{n}"
            cost = money(price * 7 // 10) if sup % 4 == 3 else ""
            out.append(f"{oid},P{oid},1,S{sup:04d},B{rng.randrange(100000)},gold,SKU-{rng.randrange(20000)},"
                       f"{rng.choice(CATEGORIES)},{q},{money(price)},{cost},{money(dp)},{money(ds)},{money(freight)},"
                       f"{money(points)},0.00,{money(cash)},{rng.choice(CHANNELS)},{stamp},{stamp},{completed},CNY\n")
            if rng.random() < 0.1:
                kind = rng.choice(["cancel", "refund_only", "return"])
                rq = q if kind == "cancel" else rng.randint(0 if kind == "refund_only" else 1, q)
                rg = goods if kind == "cancel" else goods * max(rq, 1) // q
                rp = min(points, rg)
                rout.append(f"R{oid},{oid},1,{kind},{rq},{money(rg)},0.00,{money(rp)},0.00,{money(rg - rp)},"
                            f"{day}T23:30:00+08:00\n")
            if len(out) >= 10000:
                orders.writelines(out)
                out = []
        orders.writelines(out)
        refunds.writelines(rout)


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    suppliers = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    day_lines = int(sys.argv[4]) if len(sys.argv) > 4 else 35_000
    big_share = float(sys.argv[5]) if len(sys.argv) > 5 else 0.6
    rng = random.Random(1_000_003)
    os.makedirs(os.path.join(out, "month"), exist_ok=True)
    os.makedirs(os.path.join(out, "night"), exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config(suppliers), f, indent=1)
    days = [f"2026-10-{d:02d}" for d in range(1, 32)]
    files = 4
    for i in range(files):
        write_lines(rng, f"M{i}-", n // files, suppliers, days,
                    os.path.join(out, "month", f"orders-{i:02d}.csv"), os.path.join(out, "month", f"refunds-{i:02d}.csv"), big_share)
    write_lines(rng, "N-", day_lines, suppliers, ["2026-11-01"],
                os.path.join(out, "night", "orders-next.csv"), os.path.join(out, "night", "refunds-next.csv"))


if __name__ == "__main__":
    main()
