// Fuzz/Support/FeedSupport.swift: reading a whole feed the way staging does, the properties
// every read must keep, and a padded copy of an input that pushes its bytes past the reader's
// 64 KiB sniff window, so that small reads meet every record boundary case.

import MallCore
@testable import MallIO

/// The orders feed of SPEC section 3.1, as staging asks for it (Settlement's FeedSchemas).
enum OrdersFeed {
    static let columns = [
        "order_id", "parent_order_id", "line_no", "supplier_id", "buyer_id", "member_level", "sku", "category",
        "quantity", "unit_price", "cost_price", "discount_platform", "discount_supplier", "freight",
        "paid_points", "paid_credit", "paid_cash", "payment_channel", "ordered_at", "paid_at", "completed_at",
        "currency",
    ]
    static let required: Set<String> = [
        "order_id", "line_no", "supplier_id", "sku", "category", "quantity", "unit_price", "ordered_at", "paid_at",
    ]
}

/// Everything one reader gave for one file: its rows, then the end or the error that stopped it.
struct ReadOutcome: Equatable {
    var rows: [FeedRow] = []
    var error: FeedFileError?
    /// True when the error came from `init` (header or not-UTF-8 rule), before any row.
    var failedAtOpen = false
}

enum FeedRun {
    /// Reads `path` to the end with reads of `chunk` bytes, checking that the end (nil) and an
    /// error both repeat on the next call, and that the row count stays below `rowsMax` (a
    /// reader that stops advancing would otherwise hang the fuzzer).
    static func read(_ path: String, format: FeedFormat, chunk: Int, rowsMax: Int) -> ReadOutcome {
        var outcome = ReadOutcome()
        let reader: FeedReader
        do {
            reader = try FeedReader(path: path, columns: OrdersFeed.columns, required: OrdersFeed.required,
                                    format: format, readChunkBytes: chunk)
        } catch {
            outcome.error = error
            outcome.failedAtOpen = true
            return outcome
        }
        while true {
            do {
                guard let row = try reader.next() else {
                    check((try? reader.next()) == .some(nil), "next() after the end must stay nil")
                    return outcome
                }
                outcome.rows.append(row)
                check(outcome.rows.count <= rowsMax, "more rows (\(outcome.rows.count)) than the content has lines")
            } catch {
                outcome.error = error
                do {
                    _ = try reader.next()
                    check(false, "next() after an error must throw again")
                } catch let again {
                    check(again == error, "next() after an error must repeat it: \(again) vs \(error)")
                }
                return outcome
            }
        }
    }

    /// Properties of every outcome, whatever the input: values line up with the requested
    /// columns, no cell is an empty text, raw text is cut to `rawCharactersMax` characters,
    /// lines only grow, columns of row errors are 1-based.
    static func checkInvariants(_ outcome: ReadOutcome, format: FeedFormat) {
        var lastLine = format == .csv ? 1 : 0
        for row in outcome.rows {
            switch row {
            case .record(let record):
                check(record.line > lastLine, "line \(record.line) after line \(lastLine)")
                lastLine = record.line
                check(record.values.count == OrdersFeed.columns.count, "one value per requested column")
                check(record.columns.count == OrdersFeed.columns.count, "one column number per requested column")
                check(record.raw.unicodeScalars.count <= FeedLimits.rawCharactersMax,
                      "raw text of \(record.raw.unicodeScalars.count) characters, over the limit")
                for (value, column) in zip(record.values, record.columns) {
                    guard let value else { continue }
                    check(!value.text.isEmpty, "an empty cell must be nil, not empty text")
                    check(column > 0, "a present value needs its column")
                    if format == .csv { check(!value.isJSONNumber, "CSV has no JSON numbers") }
                }
            case .malformed(let line, let column, let message, let raw):
                check(line > lastLine, "line \(line) after line \(lastLine)")
                lastLine = line
                check(column >= 1, "a row error's column is 1-based, found \(column)")
                check(!message.isEmpty, "a row error says why")
                check(raw.unicodeScalars.count <= FeedLimits.rawCharactersMax,
                      "raw text of \(raw.unicodeScalars.count) characters, over the limit")
            }
        }
        if let error = outcome.error {
            check(error.line >= 0 && error.column >= 0, "file error position \(error.line):\(error.column)")
            check(!error.message.isEmpty, "a file error says why")
        }
    }

    /// Bytes that make a line longer than the sniff window.
    static let filler = [UInt8](repeating: UInt8(ascii: "x"), count: FeedLimits.sniffBytesMax + 1000)

    /// The input with `filler` pushed into its first line (before the first line terminator),
    /// so every later byte lies beyond the part of the file the reader takes in before it
    /// scans. For CSV this lengthens the last header name; for JSON Lines it breaks the first
    /// line only.
    static func padded(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var at = input.firstIndex(of: 0x0A) ?? input.count
        if at > 0 && input[at - 1] == 0x0D { at -= 1 }
        return Array(input[0..<at]) + filler + Array(input[at...])
    }

    /// A read size from 64 to 1,087 bytes, taken from the input: small enough that the scan
    /// meets the window's end inside most records, large enough that filling the 64 KiB
    /// sniff window costs at most a thousand reads.
    static func smallChunk(for input: UnsafeBufferPointer<UInt8>) -> Int {
        64 + Int(fnv1a(input) % 1024)
    }

    /// Window mode: the padded input read in one piece and in small reads gives the same rows.
    /// It costs some 20 times a plain read (the coverage hooks see every byte of the 64 KiB
    /// filler), so it runs for one input in four, chosen by the input's hash.
    static func checkReadSizeIndependence(_ input: UnsafeBufferPointer<UInt8>, format: FeedFormat, name: String) {
        guard fnv1a(input) >> 60 & 3 == 0 else { return }
        let bytes = padded(input)
        let path = Scratch.path(name)
        Scratch.write(bytes, to: path)
        let rowsMax = bytes.count + 1
        let whole = read(path, format: format, chunk: FeedLimits.readChunkBytes, rowsMax: rowsMax)
        checkInvariants(whole, format: format)
        let chunk = smallChunk(for: input)
        let pieces = read(path, format: format, chunk: chunk, rowsMax: rowsMax)
        check(whole == pieces, "reads of \(chunk) bytes give other rows than one read:\n\(whole)\nvs\n\(pieces)")
    }
}

/// Expected results computed without the reader, from the rules in its documentation, with
/// the standard library's strict UTF-8 validation.
enum FeedReference {
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D

    static func isUTF8<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        String(validating: Array(bytes), as: UTF8.self) != nil
    }

    /// `FeedRecord.raw`: the text decoded with U+FFFD for bad bytes, cut to the character limit.
    static func raw<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let decoded = String(decoding: Array(bytes), as: UTF8.self)
        return String(String.UnicodeScalarView(decoded.unicodeScalars.prefix(FeedLimits.rawCharactersMax)))
    }

    /// 1 + the number of LFs before `offset`: the physical line an offset is on.
    static func line(of offset: Int, in content: [UInt8], from start: Int) -> Int {
        var n = 1
        for i in start..<offset where content[i] == lf { n += 1 }
        return n
    }

    /// The whole-file "not UTF-8 at all" rule, for content shorter than the sniff window.
    static func rejectsAsNotUTF8(_ content: [UInt8]) -> Bool {
        precondition(content.count <= FeedLimits.sniffBytesMax, "the reference sniffs short content only")
        if content.starts(with: [0x00, 0x00, 0xFE, 0xFF]) || content.starts(with: [0xFF, 0xFE, 0x00, 0x00])
            || content.starts(with: [0xFE, 0xFF]) || content.starts(with: [0xFF, 0xFE]) { return true }
        if content.contains(0) { return true }
        let start = bomLength(content)
        let end = content[start...].firstIndex(of: lf) ?? content.count
        if !isUTF8(content[start..<end]) { return true }
        // Text in another encoding: two or more invalid sequences (a byte that starts no valid
        // sequence, with the continuation bytes after it), and no more valid multi-byte
        // characters than that; a sequence the end cuts counts as neither.
        var invalid = 0, valid = 0, i = start
        while i < content.count {
            if content[i] < 0x80 { i += 1; continue }
            if let n = (2...4).first(where: { i + $0 <= content.count && isUTF8(content[i..<(i + $0)]) }) {
                valid += 1
                i += n
                continue
            }
            if completable(Array(content[i...])) { break }
            invalid += 1
            i += 1
            while i < content.count && content[i] & 0xC0 == 0x80 { i += 1 }
        }
        return invalid >= 2 && invalid >= valid
    }

    /// True when 1–3 bytes are the start of a valid sequence that more bytes could finish.
    static func completable(_ rest: [UInt8]) -> Bool {
        guard (1...3).contains(rest.count) else { return false }
        for extra in 1...(4 - rest.count) {
            for second in UInt8(0x80)...UInt8(0xBF) {
                let tail = rest.count == 1 ? [second] + Array(repeating: UInt8(0x80), count: extra - 1)
                                           : Array(repeating: UInt8(0x80), count: extra)
                if isUTF8(rest + tail) { return true }
            }
        }
        return false
    }

    static func bomLength(_ content: [UInt8]) -> Int {
        content.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }
}
