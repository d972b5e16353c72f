// Journal/JournalLineScanner.swift: the journal's fast path. Replay reads millions of lines of
// the one shape `generate` writes; building a JSON tree with a String per key for each of them
// was most of replay's time. This reads a line's bytes straight into the event's typed fields.
//
// It reads only what it can read exactly as the general reader (JSONParser and
// JSONFieldReader in `JournalCodec.decodeTree`) reads it: strings of plain ASCII without
// escapes, whole numbers written as JSON numbers, each known field once, in any order, with
// any JSON white space. Anything else (escapes, other characters, nulls, quoted quantities)
// and every error returns nil, and the line goes through the general reader, so what is
// accepted, and every message with its line, column and field, stay exactly as they were.
import MallCore

/// One line's bytes, read from `at` onwards. Every method returns nil (or false) where the
/// general reader has to take over.
struct JournalLineScanner {
    /// A field's value: for a string, its content without the quotes; for a number or a
    /// list, its text.
    struct Span {
        var start: Int
        var end: Int
        var isString: Bool
    }

    /// The fields an event can have, each once; `Slots` keeps where each one's value is.
    enum Field: Int, CaseIterable {
        case event, at, orderID, buyerID, lines, coupons, pointsLimit, channel, txnID, refundID,
             grantID, amount, expiresAt, repaymentID, type
    }

    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var at = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, at: Int = 0) {
        self.bytes = bytes
        self.at = at
    }

    /// The top-level object's fields into `slots` (by `Field`), and which are there as bits
    /// of `1 << Field.rawValue`; nil for a key that is not a field, a field given twice, or
    /// anything after the object.
    mutating func members(into slots: UnsafeMutableBufferPointer<Span>) -> UInt32? {
        guard take(0x7B) else { return nil }
        var present: UInt32 = 0
        repeat {
            guard let key = string(), let field = field(key), take(0x3A) else { return nil }
            let bit: UInt32 = 1 << UInt32(field.rawValue)
            guard present & bit == 0 else { return nil }
            skipSpace()
            guard at < bytes.count, let value = bytes[at] == 0x5B ? skipList() : scalar() else { return nil }
            slots[field.rawValue] = value
            present |= bit
        } while take(0x2C)
        guard take(0x7D), atEnd else { return nil }
        return present
    }

    mutating func skipSpace() {
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x09, 0x0D, 0x0A: at += 1
            default: return
            }
        }
    }

    /// Takes `byte` (after white space) if it is next.
    mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard at < bytes.count, bytes[at] == byte else { return false }
        at += 1
        return true
    }

    var atEnd: Bool { mutating get { skipSpace(); return at == bytes.count } }

    /// A string's content (the scanner is on its opening quote): printable ASCII only, no
    /// escapes, so its bytes are its characters.
    mutating func string() -> Span? {
        skipSpace()
        guard at < bytes.count, bytes[at] == 0x22 else { return nil }
        let start = at + 1
        var i = start
        // Eight bytes at a time while eight are left: the first byte of the word that is not
        // printable ASCII or is a quote or a backslash ends the string if it is its closing
        // quote, and sends the line to the general reader otherwise; the byte loop reads the
        // last few bytes of the line.
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= bytes.count {
                let k = Self.firstNonPlainByte(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if k == 8 { i += 8; continue }
                guard bytes[i + k] == 0x22 else { return nil }
                at = i + k + 1
                return Span(start: start, end: i + k, isString: true)
            }
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x22 { at = i + 1; return Span(start: start, end: i, isString: true) }
            guard b >= 0x20, b < 0x80, b != 0x5C else { return nil }
            i += 1
        }
        return nil
    }

    /// The position (0–7, first byte lowest) of the first byte of `word` that is not printable
    /// ASCII (0x20–0x7F) or is a quote or a backslash; 8 when there is none. Each mask can
    /// mark bytes above a marked one by a borrow, never below, so its lowest mark is exact.
    @inline(__always)
    static func firstNonPlainByte(_ word: UInt64) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let marks = (word & highs)
            | ((word &- ones &* 0x20) & ~word & highs)
            | zeroBytes(word ^ (ones &* 0x22))
            | zeroBytes(word ^ (ones &* 0x5C))
        return marks.trailingZeroBitCount / 8
    }

    /// A number token: an optional minus and digits, nothing else (a fraction or an exponent
    /// goes to the general reader, which reports it).
    mutating func wholeNumber() -> Span? {
        skipSpace()
        let start = at
        var i = at
        if i < bytes.count, bytes[i] == 0x2D { i += 1 }
        let digitsStart = i
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
        guard i > digitsStart else { return nil }
        if i < bytes.count, bytes[i] == 0x2E || bytes[i] == 0x65 || bytes[i] == 0x45 { return nil }
        at = i
        return Span(start: start, end: i, isString: false)
    }

    /// Skips a list whose items are strings or flat objects of strings and numbers, checking
    /// its syntax; the field's reader goes through it again for the values.
    mutating func skipList() -> Span? {
        skipSpace()
        let start = at
        guard take(0x5B) else { return nil }
        if take(0x5D) { return Span(start: start, end: at, isString: false) }
        repeat {
            skipSpace()
            guard at < bytes.count else { return nil }
            if bytes[at] == 0x22 {
                guard string() != nil else { return nil }
            } else {
                guard take(0x7B), !take(0x7D) else { return nil }
                repeat {
                    guard string() != nil, take(0x3A), scalar() != nil else { return nil }
                } while take(0x2C)
                guard take(0x7D) else { return nil }
            }
        } while take(0x2C)
        guard take(0x5D) else { return nil }
        return Span(start: start, end: at, isString: false)
    }

    /// A string or whole-number value.
    mutating func scalar() -> Span? {
        skipSpace()
        guard at < bytes.count else { return nil }
        return bytes[at] == 0x22 ? string() : wholeNumber()
    }

    /// Whether a span's bytes are `name`'s.
    func equals(_ span: Span, _ name: StaticString) -> Bool {
        guard span.end - span.start == name.utf8CodeUnitCount else { return false }
        let n = name.utf8Start
        for i in 0..<(span.end - span.start) where bytes[span.start + i] != n[i] { return false }
        return true
    }

    /// The field a top-level key names, nil for any other key.
    func field(_ key: Span) -> Field? {
        switch key.end - key.start {
        case 2: return equals(key, "at") ? .at : nil
        case 4: return equals(key, "type") ? .type : nil
        case 5:
            if equals(key, "event") { return .event }
            return equals(key, "lines") ? .lines : nil
        case 6: return equals(key, "amount") ? .amount : (equals(key, "txn_id") ? .txnID : nil)
        case 7: return equals(key, "coupons") ? .coupons : (equals(key, "channel") ? .channel : nil)
        case 8:
            if equals(key, "order_id") { return .orderID }
            if equals(key, "buyer_id") { return .buyerID }
            return equals(key, "grant_id") ? .grantID : nil
        case 9: return equals(key, "refund_id") ? .refundID : nil
        case 10: return equals(key, "expires_at") ? .expiresAt : nil
        case 12:
            if equals(key, "points_limit") { return .pointsLimit }
            return equals(key, "repayment_id") ? .repaymentID : nil
        default: return nil
        }
    }

    func text(_ span: Span) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[span.start..<span.end]), as: UTF8.self)
    }

    /// A whole number's value when it lies in `range` (18 digits at most, so it cannot
    /// overflow).
    func integer(_ span: Span, in range: ClosedRange<Int64>) -> Int64? {
        guard !span.isString else { return nil }
        var i = span.start
        let negative = bytes[i] == 0x2D
        if negative { i += 1 }
        guard span.end - i <= 18 else { return nil }
        var value: Int64 = 0
        while i < span.end { value = value * 10 + Int64(bytes[i] - 0x30); i += 1 }
        if negative { value = -value }
        return range.contains(value) ? value : nil
    }

    func money(_ span: Span) -> Money? {
        guard span.isString else { return nil }
        let slice = UnsafeBufferPointer(rebasing: bytes[span.start..<span.end])
        guard case .success(let m) = Money.parse(utf8: slice, original: ""), m.fen >= 0 else { return nil }
        return m
    }

    func instant(_ span: Span) -> Instant? {
        guard span.isString else { return nil }
        let slice = UnsafeBufferPointer(rebasing: bytes[span.start..<span.end])
        guard case .success(let i) = Instant.parse(utf8: slice, original: "") else { return nil }
        return i
    }
}
