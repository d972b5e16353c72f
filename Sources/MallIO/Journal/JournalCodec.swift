// Journal/JournalCodec.swift: the journal's text form, JSON Lines, one event per line
// (docs/journal.md is the schema). Reading names the line, column and field of every error;
// writing is canonical (fixed field order, local timestamps), so the same events give the
// same bytes.
import MallCore

public enum JournalCodec {
    public static let idCharactersMax = 64
    static let quantityRange: ClosedRange<Int64> = 1...1_000_000

    /// Reads one journal line (without its terminator). `lineNumber` is 1-based.
    public static func decode(_ line: [UInt8], lineNumber: Int) -> Result<JournalEvent, JSONFieldError> {
        line.withUnsafeBufferPointer { decode($0, lineNumber: lineNumber) }
    }

    /// Reads one journal line from its bytes: the fast path (JournalLineScanner.swift) for
    /// lines of the shape `generate` writes, the general reader for the others and for
    /// every error.
    public static func decode(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) -> Result<JournalEvent, JSONFieldError> {
        if let event = JournalLineFields.event(line, lineNumber: lineNumber) { return .success(event) }
        return decodeTree(Array(line), lineNumber: lineNumber)
    }

    /// The general reader: the line as a JSON tree, then its fields by name. Its rules are
    /// the journal's; the fast path reads only lines it reads the same way.
    static func decodeTree(_ line: [UInt8], lineNumber: Int) -> Result<JournalEvent, JSONFieldError> {
        do throws(JSONFieldError) {
            let value: JSONValue
            do throws(JSONSyntaxError) {
                value = try JSONParser.parse(line, firstLine: lineNumber)
            } catch {
                throw JSONFieldError(line: error.line, column: error.column, field: "(line)", message: error.message)
            }
            var f = try JSONFieldReader(value, path: "", document: line, firstLine: lineNumber)
            let kind = try f.requiredString("event", maxCharacters: 32)
            guard let at = try f.instant("at") else { throw f.error("at", "is required") }
            let command: MallCommand
            switch kind {
            case "place_order":
                command = try placeOrder(&f)
            case "pay":
                command = .pay(orderID: try f.requiredString("order_id"),
                               channel: try f.string("channel", required: false, maxCharacters: 32),
                               txnID: try f.string("txn_id", required: false, maxCharacters: idCharactersMax))
            case "cancel":
                command = .cancel(orderID: try f.requiredString("order_id"),
                                  refundID: try f.string("refund_id", required: false, maxCharacters: idCharactersMax))
            case "ship":
                command = .ship(childOrderID: try f.requiredString("order_id"))
            case "complete":
                command = .complete(childOrderID: try f.requiredString("order_id"))
            case "refund":
                command = try refund(&f)
            case "grant_points":
                command = .grantPoints(grantID: try f.requiredString("grant_id"), buyerID: try f.requiredString("buyer_id"),
                                       amount: try f.money("amount") ?? .zero,
                                       expiresAt: try f.instant("expires_at") ?? at)
            case "repay":
                command = .repay(repaymentID: try f.requiredString("repayment_id"), buyerID: try f.requiredString("buyer_id"),
                                 amount: try f.money("amount") ?? .zero)
            default:
                throw f.error("event", "must be one of place_order, pay, cancel, ship, complete, refund, grant_points, repay; found \(kind)")
            }
            try f.finish()
            return .success(JournalEvent(line: lineNumber, at: at, command: command))
        } catch {
            return .failure(error)
        }
    }

    /// The fields of a `place_order` event after `event` and `at`.
    private static func placeOrder(_ f: inout JSONFieldReader) throws(JSONFieldError) -> MallCommand {
        let orderID = try f.requiredString("order_id", maxCharacters: idCharactersMax - 8)
        let buyerID = try f.requiredString("buyer_id")
        var lines: [CartLine] = []
        let items = try f.array("lines", required: true)
        for (i, item) in items.enumerated() {
            var l = try f.item(item, of: "lines", index: i)
            let sku = try l.requiredString("sku")
            let quantity = try l.integer("quantity", range: quantityRange) ?? 0
            try l.finish()
            lines.append(CartLine(sku: sku, quantity: quantity))
        }
        var coupons: [String] = []
        for item in try f.array("coupons") {
            guard case .string(let id, _) = item, !id.isEmpty else {
                throw f.error("coupons", "must be a list of coupon ids", at: item)
            }
            coupons.append(id)
        }
        let pointsLimit = try f.money("points_limit", required: false)
        return .placeOrder(orderID: orderID, buyerID: buyerID, lines: lines, coupons: coupons, pointsLimit: pointsLimit)
    }

    /// The fields of a `refund` event after `event` and `at`.
    private static func refund(_ f: inout JSONFieldReader) throws(JSONFieldError) -> MallCommand {
        let refundID = try f.requiredString("refund_id")
        let orderID = try f.requiredString("order_id")
        let typeText = try f.requiredString("type", maxCharacters: 32)
        guard let type = RefundKind(rawValue: typeText) else {
            throw f.error("type", "must be refund_only or return (a cancel is its own event), found \(typeText)")
        }
        var lines: [RefundRequestLine] = []
        for (i, item) in try f.array("lines", required: true).enumerated() {
            var l = try f.item(item, of: "lines", index: i)
            let lineNo = try l.integer("line_no", range: 1...1_000_000) ?? 1
            let quantity: Int64
            let amount: Money?
            switch type {
            case .return:
                quantity = try l.integer("quantity", range: quantityRange) ?? 0
                if let given = l.value("amount") { throw l.error("amount", "a return refunds by quantity; give no amount", at: given) }
                amount = nil
            case .refundOnly:
                quantity = try l.integer("quantity", required: false, range: 0...1_000_000) ?? 0
                amount = try l.money("amount")
            }
            try l.finish()
            lines.append(RefundRequestLine(lineNo: lineNo, quantity: quantity, amount: amount))
        }
        if lines.isEmpty { throw f.error("lines", "must name at least one line") }
        return .refund(refundID: refundID, childOrderID: orderID, kind: type, lines: lines,
                       txnID: try f.string("txn_id", required: false, maxCharacters: idCharactersMax))
    }

    /// The canonical line for an event (no terminator). Timestamps are written in the local
    /// time of `calendar`.
    public static func encode(_ event: JournalEvent, calendar: BusinessCalendar) -> String {
        var bytes: [UInt8] = []
        encode(event, calendar: calendar, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the canonical line for an event (no terminator) to `out`: written byte by
    /// byte, because `generate` writes millions of them.
    public static func encode(_ event: JournalEvent, calendar: BusinessCalendar, into out: inout [UInt8]) {
        var offsets = HourOffsets(calendar: calendar)
        encode(event, offsets: &offsets, into: &out)
    }

    /// Appends the canonical line for an event (no terminator) to `out`, with the zone's offsets
    /// from `offsets` (one table per writing thread, so no lock per timestamp).
    public static func encode(_ event: JournalEvent, offsets: inout HourOffsets, into out: inout [UInt8]) {
        out.append(writingAtMost: roomNeeded(event)) { put(event, offsets: &offsets, into: &$0) }
    }

    /// The most bytes `put` writes for `event`: each piece (a name with its separators, a
    /// number, an amount, a timestamp) within `pieceRoom`, each text escaped at worst
    /// (`\u001f` for every byte) within six bytes a byte and its quotes.
    public static func roomNeeded(_ event: JournalEvent) -> Int {
        var pieces = 16
        var texts = 0
        func text(_ s: String?) {
            guard let s else { return }
            texts += 6 * s.utf8.count + 2
        }
        switch event.command {
        case let .placeOrder(orderID, buyerID, lines, coupons, _):
            text(orderID); text(buyerID)
            for line in lines { text(line.sku) }
            for coupon in coupons { text(coupon) }
            pieces += 4 * lines.count + coupons.count
        case let .pay(orderID, channel, txnID): text(orderID); text(channel); text(txnID)
        case let .cancel(orderID, refundID): text(orderID); text(refundID)
        case let .ship(child), let .complete(child): text(child)
        case let .refund(refundID, child, kind, lines, txnID):
            text(refundID); text(child); text(kind.rawValue); text(txnID)
            pieces += 7 * lines.count
        case let .grantPoints(grantID, buyerID, _, _): text(grantID); text(buyerID)
        case let .repay(repaymentID, buyerID, _): text(repaymentID); text(buyerID)
        }
        return pieces * pieceRoom + texts
    }

    /// Room for one piece of a line that is not a text: the longest name with its
    /// separators (`{"event":"grant_points","at":"`, 31 bytes) or a timestamp in quotes.
    static let pieceRoom = Instant.formattedRoom + 8

    /// Writes the canonical line for an event (no terminator) through `out`, which has
    /// `roomNeeded(event)` bytes left, with the zone's offsets from `offsets`.
    public static func put(_ event: JournalEvent, offsets: inout HourOffsets, into out: inout ByteCursor) {
        func raw(_ s: StaticString) { s.withUTF8Buffer { out.put($0) } }
        func text(_ s: String) { putQuoted(s, into: &out) }
        // Names are written with their separators (`,"order_id":`): one piece each.
        func field(_ name: StaticString, _ value: String) { raw(name); text(value) }
        func time(_ i: Instant) { out.put(34); offsets.put(i, into: &out); out.put(34) }
        func money(_ v: Money) { out.put(34); CSVEncoder.putMoney(v, into: &out); out.put(34) }
        func int(_ n: Int64) { CSVEncoder.putInteger(n, into: &out) }
        /// `kind` is the line's start up to the opening quote of `at`: `{"event":"pay","at":"`.
        func head(_ kind: StaticString) { raw(kind); offsets.put(event.at, into: &out); out.put(34) }
        switch event.command {
        case let .placeOrder(orderID, buyerID, lines, coupons, pointsLimit):
            head("{\"event\":\"place_order\",\"at\":\"")
            field(",\"order_id\":", orderID)
            field(",\"buyer_id\":", buyerID)
            raw(",\"lines\":[")
            for (i, line) in lines.enumerated() {
                raw(i > 0 ? ",{\"sku\":" : "{\"sku\":"); text(line.sku); raw(",\"quantity\":"); int(line.quantity); raw("}")
            }
            raw("]")
            if !coupons.isEmpty {
                raw(",\"coupons\":[")
                for (i, coupon) in coupons.enumerated() {
                    if i > 0 { raw(",") }
                    text(coupon)
                }
                raw("]")
            }
            if let pointsLimit { raw(",\"points_limit\":"); money(pointsLimit) }
        case let .pay(orderID, channel, txnID):
            head("{\"event\":\"pay\",\"at\":\"")
            field(",\"order_id\":", orderID)
            if let channel { field(",\"channel\":", channel) }
            if let txnID { field(",\"txn_id\":", txnID) }
        case let .cancel(orderID, refundID):
            head("{\"event\":\"cancel\",\"at\":\"")
            field(",\"order_id\":", orderID)
            if let refundID { field(",\"refund_id\":", refundID) }
        case let .ship(child):
            head("{\"event\":\"ship\",\"at\":\"")
            field(",\"order_id\":", child)
        case let .complete(child):
            head("{\"event\":\"complete\",\"at\":\"")
            field(",\"order_id\":", child)
        case let .refund(refundID, child, kind, lines, txnID):
            head("{\"event\":\"refund\",\"at\":\"")
            field(",\"refund_id\":", refundID)
            field(",\"order_id\":", child)
            raw(",\"type\":"); text(kind.rawValue); raw(",\"lines\":[")
            for (i, l) in lines.enumerated() {
                raw(i > 0 ? ",{\"line_no\":" : "{\"line_no\":"); int(l.lineNo)
                if kind == .return || l.quantity != 0 { raw(",\"quantity\":"); int(l.quantity) }
                if let a = l.amount { raw(",\"amount\":"); money(a) }
                raw("}")
            }
            raw("]")
            if let txnID { field(",\"txn_id\":", txnID) }
        case let .grantPoints(grantID, buyerID, amount, expiresAt):
            head("{\"event\":\"grant_points\",\"at\":\"")
            field(",\"grant_id\":", grantID)
            field(",\"buyer_id\":", buyerID)
            raw(",\"amount\":"); money(amount)
            raw(",\"expires_at\":"); time(expiresAt)
        case let .repay(repaymentID, buyerID, amount):
            head("{\"event\":\"repay\",\"at\":\"")
            field(",\"repayment_id\":", repaymentID)
            field(",\"buyer_id\":", buyerID)
            raw(",\"amount\":"); money(amount)
        }
        raw("}")
    }

    /// Writes `JSONText.quoted(s)`: the bytes as they are when nothing needs escaping (ids
    /// always), without building a String.
    @inline(__always)
    static func putQuoted(_ s: String, into out: inout ByteCursor) {
        let plain: Bool? = s.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            out.put(34)
            out.put(bytes)
            out.put(34)
            return true
        }
        if plain != true { Array(JSONText.quoted(s).utf8).withUnsafeBufferPointer { out.put($0) } }
    }
}
