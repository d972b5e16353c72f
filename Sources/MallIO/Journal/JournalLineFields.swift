// Journal/JournalLineFields.swift: the fast path's typed reading of one line's fields (see
// JournalLineScanner.swift), with the rules of `JournalCodec.decodeTree`: the same required
// fields, lengths, ranges and kinds. Where that reader would refuse the line, this returns nil
// and leaves the line (and its message) to it.
import MallCore

struct JournalLineFields {
    typealias Field = JournalLineScanner.Field
    typealias Span = JournalLineScanner.Span

    let scanner: JournalLineScanner
    let slots: UnsafeMutableBufferPointer<Span>
    let present: UInt32

    /// Reads a line, nil where the general reader has to.
    static func event(_ bytes: UnsafeBufferPointer<UInt8>, lineNumber: Int) -> JournalEvent? {
        withUnsafeTemporaryAllocation(of: Span.self, capacity: Field.allCases.count) { slots in
            var scanner = JournalLineScanner(bytes)
            guard let present = scanner.members(into: slots) else { return nil }
            return JournalLineFields(scanner: scanner, slots: slots, present: present).event(lineNumber: lineNumber)
        }
    }

    private static func mask(_ fields: Field...) -> UInt32 {
        fields.reduce(0) { $0 | 1 << UInt32($1.rawValue) }
    }

    private static let placeOrderFields = mask(.event, .at, .orderID, .buyerID, .lines, .coupons, .pointsLimit)
    private static let payFields = mask(.event, .at, .orderID, .channel, .txnID)
    private static let cancelFields = mask(.event, .at, .orderID, .refundID)
    private static let childFields = mask(.event, .at, .orderID)
    private static let refundFields = mask(.event, .at, .refundID, .orderID, .type, .lines, .txnID)
    private static let grantFields = mask(.event, .at, .grantID, .buyerID, .amount, .expiresAt)
    private static let repayFields = mask(.event, .at, .repaymentID, .buyerID, .amount)

    private func span(_ field: Field) -> Span? {
        present & 1 << UInt32(field.rawValue) != 0 ? slots[field.rawValue] : nil
    }

    private func required(_ field: Field, maxCharacters: Int = 64) -> String? {
        guard let s = span(field), s.isString, s.end > s.start, s.end - s.start <= maxCharacters else { return nil }
        return scanner.text(s)
    }

    /// An optional string: `.some(nil)` when absent, nil where the general reader has to
    /// take over (it may be empty, as there).
    private func optional(_ field: Field, maxCharacters: Int = JournalCodec.idCharactersMax) -> String?? {
        guard let s = span(field) else { return .some(nil) }
        guard s.isString, s.end - s.start <= maxCharacters else { return nil }
        return .some(scanner.text(s))
    }

    private func event(lineNumber: Int) -> JournalEvent? {
        guard let kind = span(.event), kind.isString, let atSpan = span(.at), let at = scanner.instant(atSpan) else { return nil }
        let command: MallCommand?
        if scanner.equals(kind, "place_order") {
            command = allowed(Self.placeOrderFields) ? placeOrder() : nil
        } else if scanner.equals(kind, "pay") {
            guard allowed(Self.payFields), let channel = optional(.channel, maxCharacters: 32), let txnID = optional(.txnID) else { return nil }
            command = required(.orderID).map { .pay(orderID: $0, channel: channel, txnID: txnID) }
        } else if scanner.equals(kind, "cancel") {
            guard allowed(Self.cancelFields), let refundID = optional(.refundID) else { return nil }
            command = required(.orderID).map { .cancel(orderID: $0, refundID: refundID) }
        } else if scanner.equals(kind, "ship") {
            command = allowed(Self.childFields) ? required(.orderID).map { .ship(childOrderID: $0) } : nil
        } else if scanner.equals(kind, "complete") {
            command = allowed(Self.childFields) ? required(.orderID).map { .complete(childOrderID: $0) } : nil
        } else if scanner.equals(kind, "refund") {
            command = allowed(Self.refundFields) ? refund() : nil
        } else if scanner.equals(kind, "grant_points") {
            command = allowed(Self.grantFields) ? grantPoints() : nil
        } else if scanner.equals(kind, "repay") {
            guard allowed(Self.repayFields), let id = required(.repaymentID), let buyer = required(.buyerID),
                  let amount = span(.amount).flatMap(scanner.money) else { return nil }
            command = .repay(repaymentID: id, buyerID: buyer, amount: amount)
        } else {
            return nil
        }
        return command.map { JournalEvent(line: lineNumber, at: at, command: $0) }
    }

    /// No field the event does not know (the general reader names the first one).
    private func allowed(_ fields: UInt32) -> Bool { present & ~fields == 0 }

    private func placeOrder() -> MallCommand? {
        guard let orderID = required(.orderID, maxCharacters: JournalCodec.idCharactersMax - 8),
              let buyerID = required(.buyerID), let linesSpan = span(.lines), let lines = cartLines(linesSpan) else { return nil }
        var coupons: [String] = []
        if let s = span(.coupons) {
            guard let list = couponIDs(s) else { return nil }
            coupons = list
        }
        var pointsLimit: Money?
        if let s = span(.pointsLimit) {
            guard let limit = scanner.money(s) else { return nil }
            pointsLimit = limit
        }
        return .placeOrder(orderID: orderID, buyerID: buyerID, lines: lines, coupons: coupons, pointsLimit: pointsLimit)
    }

    private func grantPoints() -> MallCommand? {
        guard let grantID = required(.grantID), let buyerID = required(.buyerID),
              let amount = span(.amount).flatMap(scanner.money),
              let expiresAt = span(.expiresAt).flatMap(scanner.instant) else { return nil }
        return .grantPoints(grantID: grantID, buyerID: buyerID, amount: amount, expiresAt: expiresAt)
    }

    /// `[{"sku":…,"quantity":…},…]`: both fields, once each, nothing else.
    private func cartLines(_ list: Span) -> [CartLine]? {
        guard !list.isString else { return nil }
        var s = JournalLineScanner(scanner.bytes, at: list.start)
        var lines: [CartLine] = []
        guard s.take(0x5B) else { return nil }
        if s.take(0x5D) { return lines }
        repeat {
            var sku: String?
            var quantity: Int64?
            guard s.take(0x7B) else { return nil }
            repeat {
                guard let key = s.string(), s.take(0x3A), let value = s.scalar() else { return nil }
                if sku == nil, s.equals(key, "sku"), value.isString, value.end > value.start, value.end - value.start <= 64 {
                    sku = s.text(value)
                } else if quantity == nil, s.equals(key, "quantity"), let q = s.integer(value, in: JournalCodec.quantityRange) {
                    quantity = q
                } else {
                    return nil
                }
            } while s.take(0x2C)
            guard s.take(0x7D), let sku, let quantity else { return nil }
            lines.append(CartLine(sku: sku, quantity: quantity))
        } while s.take(0x2C)
        return s.take(0x5D) ? lines : nil
    }

    /// `["CPN-1",…]`: ids that are not empty.
    private func couponIDs(_ list: Span) -> [String]? {
        guard !list.isString else { return nil }
        var s = JournalLineScanner(scanner.bytes, at: list.start)
        var ids: [String] = []
        guard s.take(0x5B) else { return nil }
        if s.take(0x5D) { return ids }
        repeat {
            guard let id = s.string(), id.end > id.start else { return nil }
            ids.append(s.text(id))
        } while s.take(0x2C)
        return s.take(0x5D) ? ids : nil
    }

    private func refund() -> MallCommand? {
        guard let refundID = required(.refundID), let orderID = required(.orderID),
              let typeSpan = span(.type), typeSpan.isString, let kind = RefundKind(rawValue: scanner.text(typeSpan)),
              let linesSpan = span(.lines), let lines = refundLines(linesSpan, kind: kind), !lines.isEmpty,
              let txnID = optional(.txnID) else { return nil }
        return .refund(refundID: refundID, childOrderID: orderID, kind: kind, lines: lines, txnID: txnID)
    }

    /// `[{"line_no":…,"quantity":…,"amount":…},…]`: a return by quantity, a refund only by
    /// amount (and maybe a quantity).
    private func refundLines(_ list: Span, kind: RefundKind) -> [RefundRequestLine]? {
        guard !list.isString else { return nil }
        var s = JournalLineScanner(scanner.bytes, at: list.start)
        var lines: [RefundRequestLine] = []
        guard s.take(0x5B), !s.take(0x5D) else { return nil }
        let quantities: ClosedRange<Int64> = kind == .return ? JournalCodec.quantityRange : 0...1_000_000
        repeat {
            var lineNo: Int64?
            var quantity: Int64?
            var amount: Money?
            guard s.take(0x7B) else { return nil }
            repeat {
                guard let key = s.string(), s.take(0x3A), let value = s.scalar() else { return nil }
                if lineNo == nil, s.equals(key, "line_no"), let n = s.integer(value, in: 1...1_000_000) {
                    lineNo = n
                } else if quantity == nil, s.equals(key, "quantity"), let q = s.integer(value, in: quantities) {
                    quantity = q
                } else if amount == nil, kind == .refundOnly, s.equals(key, "amount"), let a = s.money(value) {
                    amount = a
                } else {
                    return nil
                }
            } while s.take(0x2C)
            guard s.take(0x7D), let lineNo else { return nil }
            if kind == .return && quantity == nil || kind == .refundOnly && amount == nil { return nil }
            lines.append(RefundRequestLine(lineNo: lineNo, quantity: quantity ?? 0, amount: amount))
        } while s.take(0x2C)
        return s.take(0x5D) ? lines : nil
    }
}
