#!/usr/bin/env python3
"""Adds the buyer side to a generated mall: the sample dealer DLR-9001 and the rebate policies.

    python3 SampleData/add_buyer_side.py MALL_DIR

MALL_DIR is what `mallsettle generate` wrote (catalog.json, journal.jsonl, mall.json); all
three are rewritten in place, the same bytes every time (make_sample.sh then replays the
journal into MALL_DIR/days). What it adds (SampleData/README.md, "The buyer side"):

- to the catalog: the dealer DLR-9001 (enterprise, pays on credit, limit 5,000.00), the SKU
  SKU-0004-DLR of SUP-0004 (home/cleaning, freight 0.00) and DLR-9001's contract price of
  100.00 for it;
- to the journal, merged in time order, DLR-9001's month: 1,200.00 on credit on 1 Oct,
  800.00 on 2 Oct with 200.00 of it refunded the same day, a late partial repayment of
  1,000.00 on 6 Oct, a repayment of 900.00 on 9 Oct, 600.00 on 20 Oct and a repayment of
  506.00 on 4 Nov;
- to the settlement configuration: DLR-9001's credit account (bill day 3, repay day 4,
  0.1% a day of late fee, frozen more than 2 days past due, on-time discounts) and rebate
  policies of every kind.
"""

import datetime
import json
import os
import sys

DEALER = "DLR-9001"
SKU = "SKU-0004-DLR"

# (at, event) — DLR-9001's month, worked in SampleData/README.md.
EVENTS = [
    ("2026-10-01T10:00:00+08:00", {"event": "place_order", "order_id": "OD9001-A", "buyer_id": DEALER,
                                   "lines": [{"sku": SKU, "quantity": 12}]}),
    ("2026-10-01T10:01:00+08:00", {"event": "pay", "order_id": "OD9001-A"}),
    ("2026-10-02T10:00:00+08:00", {"event": "place_order", "order_id": "OD9001-B", "buyer_id": DEALER,
                                   "lines": [{"sku": SKU, "quantity": 8}]}),
    ("2026-10-02T10:01:00+08:00", {"event": "pay", "order_id": "OD9001-B"}),
    ("2026-10-02T15:00:00+08:00", {"event": "refund", "refund_id": "RD9001-B", "order_id": "OD9001-B-1",
                                   "type": "refund_only", "lines": [{"line_no": 1, "amount": "200.00"}]}),
    ("2026-10-06T11:00:00+08:00", {"event": "repay", "repayment_id": "PD9001-1", "buyer_id": DEALER,
                                   "amount": "1000.00"}),
    ("2026-10-09T11:00:00+08:00", {"event": "repay", "repayment_id": "PD9001-2", "buyer_id": DEALER,
                                   "amount": "900.00"}),
    ("2026-10-20T10:00:00+08:00", {"event": "place_order", "order_id": "OD9001-C", "buyer_id": DEALER,
                                   "lines": [{"sku": SKU, "quantity": 6}]}),
    ("2026-10-20T10:01:00+08:00", {"event": "pay", "order_id": "OD9001-C"}),
    ("2026-11-04T10:00:00+08:00", {"event": "repay", "repayment_id": "PD9001-3", "buyer_id": DEALER,
                                   "amount": "506.00"}),
]

CREDIT_ACCOUNT = {"buyer_id": DEALER, "limit": "5000.00", "bill_day": 3, "repay_day": 4,
                  "late_fee_ppm_per_day": 1000, "freeze_after_days": 2,
                  "on_time_discounts": [{"min_bill": "100.00", "discount": "5.00"},
                                        {"min_bill": "500.00", "discount": "20.00"}]}

TIERS = [{"threshold": "1000.00", "rate_ppm": 5000}, {"threshold": "10000.00", "rate_ppm": 10000}]
DEALER_TIERS = [{"threshold": "1000.00", "rate_ppm": 10000}, {"threshold": "2000.00", "rate_ppm": 20000}]

REBATES = [
    {"id": "OT-ALL", "kind": "order_total", "rate_ppm": 5000, "funded_by": "platform"},
    {"id": "OT-ENTERPRISE", "kind": "order_total", "member_level": "enterprise", "rate_ppm": 10000,
     "funded_by": "supplier"},
    {"id": "CAT-DIGITAL", "kind": "category", "category": "digital", "rate_ppm": 15000, "funded_by": "platform"},
    {"id": "CAT-DIGITAL-ACCESSORY", "kind": "category", "category": "digital/accessory", "rate_ppm": 20000,
     "funded_by": "supplier"},
    {"id": "CAT-HOME-DLR9001", "kind": "category", "category": "home", "buyer_id": DEALER, "rate_ppm": 20000,
     "funded_by": "supplier"},
    {"id": "SKU-0004-024-PROMO", "kind": "special_sku", "sku": "SKU-0004-024", "rate_ppm": 10000,
     "funded_by": "supplier"},
    {"id": "T-MONTH-WHOLE", "kind": "tiered", "cycle": "monthly", "mode": "whole", "tiers": TIERS,
     "funded_by": "platform"},
    {"id": "T-MONTH-MARGINAL-DLR9001", "kind": "tiered", "cycle": "monthly", "mode": "marginal",
     "buyer_id": DEALER, "tiers": DEALER_TIERS, "funded_by": "platform"},
    {"id": "T-YEAR-WHOLE", "kind": "tiered", "cycle": "yearly", "mode": "whole", "tiers": TIERS,
     "funded_by": "platform"},
    {"id": "T-YEAR-MARGINAL-ENTERPRISE", "kind": "tiered", "cycle": "yearly", "mode": "marginal",
     "member_level": "enterprise", "tiers": TIERS, "funded_by": "supplier"},
]


def instant(text):
    return datetime.datetime.fromisoformat(text)


def one_line(value):
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def append_to_list(text, key, items):
    """Appends `items`, one object a line, to the list `key` of a file written one object a
    line (the generator's layout), keeping every other byte."""
    start = text.index(f'  "{key}": [')
    end = text.index("\n  ]", start)
    body = text[start:end]
    joiner = ",\n    " if body.rstrip().endswith("}") else "\n    "
    return text[:end] + joiner + ",\n    ".join(one_line(item) for item in items) + text[end:]


def rewrite(path, change):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = change(text)
    json.loads(text)  # still JSON
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def add_to_catalog(path):
    def change(text):
        text = append_to_list(text, "skus", [{"sku": SKU, "spu": "SPU-0004-DLR", "supplier_id": "SUP-0004",
                                              "category": "home/cleaning", "market_price": "120.00",
                                              "cost_price": "80.00", "sale_price": "110.00", "stock": 100000}])
        text = append_to_list(text, "contracts", [{"buyer_id": DEALER, "sku": SKU, "unit_price": "100.00"}])
        return append_to_list(text, "buyers", [{"id": DEALER, "level": "enterprise", "pays_on_credit": True,
                                                "credit_limit": "5000.00"}])
    rewrite(path, change)


def add_to_journal(path):
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f.read().split("\n") if line]
    ours = [(instant(at), json.dumps({"event": event["event"], "at": at,
                                      **{k: v for k, v in event.items() if k != "event"}},
                                     ensure_ascii=False, separators=(",", ":"))) for at, event in EVENTS]
    merged = []
    for line in lines:
        at = instant(json.loads(line)["at"])
        # Ours go after every generated event of the same instant or earlier.
        while ours and ours[0][0] < at:
            merged.append(ours.pop(0)[1])
        merged.append(line)
    merged += [line for _, line in ours]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(merged) + "\n")


def add_to_config(path):
    def change(text):
        text = append_to_list(text, "credit_accounts", [CREDIT_ACCOUNT])
        policies = ",\n    ".join(one_line(policy) for policy in REBATES)
        assert '  "rebates": [],' in text
        return text.replace('  "rebates": [],', '  "rebates": [\n    ' + policies + '\n  ],', 1)
    rewrite(path, change)


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    mall = argv[1]
    add_to_catalog(os.path.join(mall, "catalog.json"))
    add_to_journal(os.path.join(mall, "journal.jsonl"))
    add_to_config(os.path.join(mall, "mall.json"))
    print(f"add_buyer_side.py: {DEALER} ({len(EVENTS)} events), {len(REBATES)} rebate policies")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
