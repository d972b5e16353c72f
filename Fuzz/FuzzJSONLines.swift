// Fuzz/FuzzJSONLines.swift: libFuzzer target for the JSON Lines feed reader (FeedReader's
// flat-object parser, SPEC section 3).
//
// The input is a whole orders file in JSON Lines. Each execution:
// 1. reads it as staging does (orders columns of SPEC 3.1) and checks the reader's invariants;
// 2. compares every line with the journal's independent JSON parser (`JSONParser`), adjusted
//    for the feed rules it does not share (flat objects only, RFC 8259 numbers without leading
//    zeros, first duplicate key wins), so each parser checks the other;
// 3. pushes the input past the 64 KiB sniff window and checks that small reads give the same
//    rows as one read.

import MallCore
@testable import MallIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONLines(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let path = Scratch.path("orders.jsonl")
    Scratch.write(input, to: path)
    let outcome = FeedRun.read(path, format: .jsonLines, chunk: FeedLimits.readChunkBytes, rowsMax: size + 1)
    FeedRun.checkInvariants(outcome, format: .jsonLines)
    JSONLinesReference.compare(Array(input), outcome)
    FeedRun.checkReadSizeIndependence(input, format: .jsonLines, name: "orders-padded.jsonl")
    return 0
}

enum JSONLinesReference {
    /// One non-blank line: where it starts and its text without terminator.
    struct Line {
        var number: Int
        var text: [UInt8]
    }

    static func lines(_ content: [UInt8]) -> [Line] {
        var out: [Line] = []
        var start = FeedReference.bomLength(content)
        var number = 1
        while start < content.count {
            let end = content[start...].firstIndex(of: FeedReference.lf) ?? content.count
            var text = Array(content[start..<end])
            if text.last == FeedReference.cr { text.removeLast() }
            if !text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { out.append(Line(number: number, text: text)) }
            number += 1
            start = end + 1
        }
        return out
    }

    /// RFC 8259 number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. The
    /// journal parser takes leading zeros; the feed reader does not.
    static func isStrictNumber(_ text: String) -> Bool {
        var b = Array(text.utf8)[...]
        if b.first == UInt8(ascii: "-") { b = b.dropFirst() }
        let integer = b.prefix { $0 >= 0x30 && $0 <= 0x39 }
        return !(integer.count > 1 && integer.first == 0x30)
    }

    /// The cells the feed reader must give for a line, or nil when the line must be a row error.
    /// `skip` when the journal parser refuses what the feed reader accepts by design.
    enum Expected {
        case record([(value: FeedValue?, offset: Int)])
        case rowError
        case skip
    }

    static func expected(_ line: [UInt8]) -> Expected {
        guard FeedReference.isUTF8(line) else { return .rowError }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            // The feed reader lets the first of two equal keys win, the journal refuses them.
            return error.message.hasSuffix("appears twice") ? .skip : .rowError
        }
        guard case .object(let members, _) = value else { return .rowError }
        var cells: [(value: FeedValue?, offset: Int)] = Array(repeating: (nil, -1), count: OrdersFeed.columns.count)
        for (key, member) in members {
            switch member {
            case .object, .array: return .rowError
            case .number(let text, _): if !isStrictNumber(text) { return .rowError }
            default: break
            }
            guard let k = OrdersFeed.columns.firstIndex(where: { Array($0.utf8) == Array(key.utf8) }) else { continue }
            switch member {
            case .string(let text, let offset): cells[k] = (text.isEmpty ? nil : FeedValue(text: text), offset)
            case .number(let text, let offset): cells[k] = (FeedValue(text: text, isJSONNumber: true), offset)
            case .bool(let flag, let offset): cells[k] = (FeedValue(text: flag ? "true" : "false"), offset)
            case .null(let offset): cells[k] = (nil, offset)
            case .object, .array: return .rowError
            }
        }
        return .record(cells)
    }

    static func compare(_ content: [UInt8], _ outcome: ReadOutcome) {
        if FeedReference.rejectsAsNotUTF8(content) {
            check(outcome.failedAtOpen && outcome.error?.kind == .notUTF8,
                  "content the not-UTF-8 rule rejects was read: \(outcome)")
            return
        }
        check(outcome.error == nil, "a plain JSON Lines file cannot fail: \(outcome)")
        let lines = lines(content)
        check(lines.count == outcome.rows.count, "\(lines.count) lines expected, \(outcome.rows.count) read")
        for (line, row) in zip(lines, outcome.rows) {
            let raw = FeedReference.raw(line.text)
            switch (expected(line.text), row) {
            case (.skip, _):
                continue
            case (.rowError, .malformed(let number, _, _, let r)):
                check(number == line.number && r == raw, "row error on line \(number), expected \(line.number)")
            case (.record(let cells), .record(let record)):
                check(record.line == line.number, "record on line \(record.line), expected \(line.number)")
                check(record.raw == raw, "raw \(record.raw.debugDescription), expected \(raw.debugDescription)")
                for (k, cell) in cells.enumerated() {
                    let got = record.values[k]
                    check(got?.isJSONNumber == cell.value?.isJSONNumber && got.map { Array($0.text.utf8) } == cell.value.map { Array($0.text.utf8) },
                          "\(OrdersFeed.columns[k]) on line \(line.number): \(String(describing: got)) expected \(String(describing: cell.value))")
                    let column = cell.offset < 0 ? 0 : String(decoding: line.text[0..<cell.offset], as: UTF8.self).unicodeScalars.count + 1
                    check(record.columns[k] == column, "\(OrdersFeed.columns[k]) on line \(line.number) in column \(record.columns[k]), expected \(column)")
                }
            case (.rowError, .record(let record)):
                check(false, "line \(line.number) read as a record, the reference refuses it: \(record)")
            case (.record, .malformed(let number, let column, let message, _)):
                check(false, "line \(number) refused at column \(column) (\(message)), the reference reads it")
            }
        }
    }
}
