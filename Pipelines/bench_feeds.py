#!/usr/bin/env python3
"""Benchmark feeds for `make bench`: N order lines over one month, 10% refunded, from
SUPPLIERS suppliers of every mode and cycle, plus one extra day of DAY_LINES lines.
Buyers B0–B99999; the first CREDIT_BUYERS (50,000) have credit accounts (bill days spread
over 1..28, as a mall staggers them) and pay part of about a third of their orders on
credit, and a share of them repay during the month (some late, some never: late fees and
freezes). Every 50th buyer is a dealer (member level `dealer`, 2,000 of them): rebate
policies of every kind apply to the dealers. Every order paid in cash has its channel's `pay` row in a payments file, and every
refund paid back in cash its `refund` row; one row in a thousand differs in amount and one
in a thousand is missing, as channel files do.
A share BIG_SHARE (default 0.6) of the month's lines belong to one big supplier, S0000
(monthly, shipped by the platform), whose October sheet then holds about 3 million fee
lines: the large marketplace supplier whose close and statements the bench times.

usage: bench_feeds.py OUT_DIR [N] [SUPPLIERS] [DAY_LINES] [BIG_SHARE]
Writes OUT_DIR/config.json, OUT_DIR/month/{orders,refunds,payments}-NN.csv,
OUT_DIR/month/repayments-00.csv and OUT_DIR/night/{orders,refunds,payments,repayments}-next.csv. Deterministic (fixed seed). Money is built in
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
    rebates = [
        {"id": "RB-DEALER", "kind": "order_total", "rate_ppm": 5000, "member_level": "dealer", "funded_by": "platform"},
        {"id": "RB-B0", "kind": "order_total", "rate_ppm": 8000, "buyer_id": "B0", "funded_by": "platform"},
        {"id": "RB-DIGITAL", "kind": "category", "rate_ppm": 12000, "category": "digital", "member_level": "dealer",
         "funded_by": "supplier"},
        {"id": "RB-PHONE", "kind": "category", "rate_ppm": 15000, "category": "digital/phone", "member_level": "dealer",
         "funded_by": "supplier"},
        {"id": "RB-SKU7", "kind": "special_sku", "rate_ppm": 20000, "sku": "SKU-7", "funded_by": "supplier"},
        {"id": "RB-TIER-M", "kind": "tiered", "cycle": "monthly", "mode": "whole", "member_level": "dealer",
         "funded_by": "platform",
         "tiers": [{"threshold": "1000.00", "rate_ppm": 5000}, {"threshold": "5000.00", "rate_ppm": 10000}]},
        {"id": "RB-TIER-Y", "kind": "tiered", "cycle": "yearly", "mode": "marginal", "member_level": "dealer",
         "funded_by": "supplier",
         "tiers": [{"threshold": "2000.00", "rate_ppm": 3000}, {"threshold": "10000.00", "rate_ppm": 6000}]},
    ]
    accounts = [{"buyer_id": f"B{b}", "limit": "20000.00", "bill_day": 1 + b % 28, "repay_day": 1 + (b + 10) % 28,
                 "late_fee_ppm_per_day": 500, "freeze_after_days": 3,
                 "on_time_discounts": [{"min_bill": "1000.00", "discount": "5.00"}]} for b in range(CREDIT_BUYERS)]
    return {"timezone": "Asia/Shanghai", "currency": "CNY", "suppliers": rows, "fee_rules": rules,
            "rebates": rebates, "credit_accounts": accounts}


ORDER_HEADER = ("order_id,parent_order_id,line_no,supplier_id,buyer_id,member_level,sku,category,quantity,unit_price,"
                "cost_price,discount_platform,discount_supplier,freight,paid_points,paid_credit,paid_cash,payment_channel,"
                "ordered_at,paid_at,completed_at,currency\n")
REFUND_HEADER = ("refund_id,order_id,line_no,refund_type,quantity,refund_goods,refund_freight,refund_points,refund_credit,"
                 "refund_cash,refunded_at\n")
CATEGORIES = ["digital/phone/android", "digital/laptop", "office/paper", "food/tea", "home/kitchen", "welfare/cards"]
CHANNELS = ["wechat", "alipay", "unionpay", "balance"]
CHANNEL_FEE_PPM = {"wechat": 6000, "alipay": 5500, "unionpay": 4000, "balance": 0}
PAYMENT_HEADER = "channel,txn_id,kind,reference,amount,fee,occurred_at\n"
REPAYMENT_HEADER = "repayment_id,buyer_id,amount,paid_at\n"
CREDIT_BUYERS = 50_000


def channel_row(rng, channel, txn, kind, reference, amount, stamp):
    """A channel's row for `amount` fen; one in a thousand off by a fen, one in a thousand
    missing (None)."""
    luck = rng.random()
    if luck < 0.001:
        return None
    if luck < 0.002:
        amount += 1
    fee = amount * CHANNEL_FEE_PPM[channel] // 1_000_000
    return f"{channel},{txn},{kind},{reference},{money(amount)},{money(fee)},{stamp}\n"


def write_lines(rng, prefix, count, suppliers, days, orders_path, refunds_path, payments_path, big_share=0.0):
    """Order lines, their refunds and the channels' rows. Returns credit usage per buyer."""
    usage = {}
    with open(orders_path, "w") as orders, open(refunds_path, "w") as refunds, open(payments_path, "w") as payments:
        orders.write(ORDER_HEADER)
        refunds.write(REFUND_HEADER)
        payments.write(PAYMENT_HEADER)
        out, rout, pout = [], [], []
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
            buyer = rng.randrange(100000)
            credit = 0
            if buyer < CREDIT_BUYERS and rng.random() < 0.33:
                credit = (total - points) // 2
            cash = total - points - credit
            day = rng.choice(days)
            stamp = f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+08:00"
            completed = stamp if rng.random() < 0.9 else ""
            oid = f"{prefix}{n}"
            cost = money(price * 7 // 10) if sup % 4 == 3 else ""
            channel = rng.choice(CHANNELS)
            level = "dealer" if buyer % 50 == 0 else ("gold" if buyer % 3 == 0 else "standard")
            sku = rng.randrange(20000)
            out.append(f"{oid},P{oid},1,S{sup:04d},B{buyer},{level},SKU-{sku},"
                       f"{rng.choice(CATEGORIES)},{q},{money(price)},{cost},{money(dp)},{money(ds)},{money(freight)},"
                       f"{money(points)},{money(credit)},{money(cash)},{channel},{stamp},{stamp},{completed},CNY\n")
            if credit:
                usage[buyer] = usage.get(buyer, 0) + credit
            if cash:
                row = channel_row(rng, channel, f"T{oid}", "pay", f"P{oid}", cash, stamp)
                if row:
                    pout.append(row)
            if rng.random() < 0.1:
                kind = rng.choice(["cancel", "refund_only", "return"])
                rq = q if kind == "cancel" else rng.randint(0 if kind == "refund_only" else 1, q)
                rg = goods if kind == "cancel" else goods * max(rq, 1) // q
                rp = min(points, rg)
                rc = min(credit, rg - rp)
                rcash = min(cash, rg - rp - rc)
                rout.append(f"R{oid},{oid},1,{kind},{rq},{money(rp + rc + rcash)},0.00,{money(rp)},{money(rc)},"
                            f"{money(rcash)},{day}T23:30:00+08:00\n")
                if rcash:
                    row = channel_row(rng, channel, f"TR{oid}", "refund", f"R{oid}", rcash, f"{day}T23:31:00+08:00")
                    if row:
                        pout.append(row)
            if len(out) >= 10000:
                orders.writelines(out)
                payments.writelines(pout)
                out, pout = [], []
        orders.writelines(out)
        refunds.writelines(rout)
        payments.writelines(pout)
    return usage


def write_repayments(rng, usage, day, prefix, path):
    """Repayments by credit buyers on `day`: most repay what they used (some only half), the
    others not at all."""
    with open(path, "w") as f:
        f.write(REPAYMENT_HEADER)
        for buyer in sorted(usage):
            luck = rng.random()
            if luck < 0.2:
                continue
            amount = usage[buyer] if luck < 0.8 else usage[buyer] // 2
            if amount > 0:
                f.write(f"{prefix}{buyer},B{buyer},{money(amount)},{day}T10:00:00+08:00\n")


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
    usage = {}
    for i in range(files):
        month = os.path.join(out, "month")
        # The first bill (15 October) covers the first half of the month: repaid, or not, on the 24th.
        part = write_lines(rng, f"M{i}-", n // files, suppliers, days[:14] if i < 2 else days[14:],
                           os.path.join(month, f"orders-{i:02d}.csv"), os.path.join(month, f"refunds-{i:02d}.csv"),
                           os.path.join(month, f"payments-{i:02d}.csv"), big_share)
        if i < 2:
            for buyer, used in part.items():
                usage[buyer] = usage.get(buyer, 0) + used
    write_repayments(rng, usage, "2026-10-24", "RP-10-", os.path.join(out, "month", "repayments-00.csv"))
    night = os.path.join(out, "night")
    write_lines(rng, "N-", day_lines, suppliers, ["2026-11-01"], os.path.join(night, "orders-next.csv"),
                os.path.join(night, "refunds-next.csv"), os.path.join(night, "payments-next.csv"))
    with open(os.path.join(night, "repayments-next.csv"), "w") as f:
        f.write(REPAYMENT_HEADER)
        for buyer in range(0, CREDIT_BUYERS, 50):
            f.write(f"RP-11-{buyer},B{buyer},100.00,2026-11-01T09:00:00+08:00\n")


if __name__ == "__main__":
    main()
