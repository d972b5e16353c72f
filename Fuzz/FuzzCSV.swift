// Fuzz/FuzzCSV.swift: libFuzzer target for the CSV feed reader (FeedReader, SPEC section 3).
//
// The input is a whole orders file. Each execution:
// 1. reads it as staging does (orders columns of SPEC 3.1) and checks the reader's invariants;
// 2. compares every row with a plain, whole-buffer RFC 4180 parser written from the reader's
//    documented rules (header, blank lines, lone CRs, quotes, field counts, UTF-8, lines, raw);
// 3. pushes the input past the 64 KiB sniff window and checks that small reads give the same
//    rows as one read (the scanner stops and resumes at every window end).

import MallCore
@testable import MallIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let path = Scratch.path("orders.csv")
    Scratch.write(input, to: path)
    let outcome = FeedRun.read(path, format: .csv, chunk: FeedLimits.readChunkBytes, rowsMax: size + 1)
    FeedRun.checkInvariants(outcome, format: .csv)
    CSVReference.compare(Array(input), outcome)
    FeedRun.checkReadSizeIndependence(input, format: .csv, name: "orders-padded.csv")
    return 0
}

/// The CSV rules of `FeedReader.CSVScanner`, applied to the whole content at once.
enum CSVReference {
    private static let comma: UInt8 = 0x2C
    private static let quote: UInt8 = 0x22

    struct Record {
        var start: Int
        /// End of the content, before the terminator.
        var end: Int
        var fields: [[UInt8]] = []
        /// 0-based field of the first structural error.
        var errorField: Int?
    }

    /// At `i` (an LF or CR): the terminator's length, 0 for a lone CR (data).
    private static func terminator(_ c: [UInt8], _ i: Int) -> Int {
        if c[i] == FeedReference.lf { return 1 }
        if c[i] == FeedReference.cr { return i + 1 == c.count ? 1 : (c[i + 1] == FeedReference.lf ? 2 : 0) }
        return 0
    }

    private static func isTerminator(_ c: [UInt8], _ i: Int) -> Bool {
        (c[i] == FeedReference.lf || c[i] == FeedReference.cr) && terminator(c, i) > 0
    }

    /// Splits `c[from...]` into records, skipping blank lines.
    static func records(_ c: [UInt8], from: Int) -> [Record] {
        var out: [Record] = []
        var i = from
        while i < c.count {
            if isTerminator(c, i) {
                i += terminator(c, i)  // a blank line
                continue
            }
            var record = Record(start: i, end: i)
            var ended = false
            while !ended {
                var field: [UInt8] = []
                var unquoted = true
                if i < c.count && c[i] == quote {
                    unquoted = false
                    i += 1
                    var closed = false
                    while i < c.count {
                        if c[i] == quote {
                            if i + 1 < c.count && c[i + 1] == quote { field.append(quote); i += 2; continue }
                            i += 1
                            closed = true
                            break
                        }
                        field.append(c[i])
                        i += 1
                    }
                    if !closed {
                        record.errorField = record.errorField ?? record.fields.count
                    } else if i < c.count && c[i] != comma && !isTerminator(c, i) {
                        // Text after the closing quote: an error; the rest is data.
                        record.errorField = record.errorField ?? record.fields.count
                        unquoted = true
                    }
                }
                if unquoted {
                    while i < c.count && c[i] != comma && !isTerminator(c, i) {
                        if c[i] == quote { record.errorField = record.errorField ?? record.fields.count }
                        field.append(c[i])
                        i += 1
                    }
                }
                record.fields.append(field)
                if i < c.count && c[i] == comma {
                    i += 1
                    continue
                }
                record.end = i
                if i < c.count { i += terminator(c, i) }
                ended = true
            }
            out.append(record)
        }
        return out
    }

    static func compare(_ content: [UInt8], _ outcome: ReadOutcome) {
        if FeedReference.rejectsAsNotUTF8(content) {
            check(outcome.failedAtOpen && outcome.error?.kind == .notUTF8,
                  "content the not-UTF-8 rule rejects was read: \(outcome)")
            return
        }
        let start = FeedReference.bomLength(content)
        let all = records(content, from: start)
        guard let header = all.first else {
            check(outcome.failedAtOpen && outcome.error?.kind == .missingColumn && outcome.error?.line == 1,
                  "a file without a header must lack its columns: \(outcome)")
            return
        }
        let headerLine = FeedReference.line(of: header.start, in: content, from: start)
        if header.errorField != nil {
            check(outcome.failedAtOpen && outcome.error?.kind == .missingColumn && outcome.error?.line == headerLine,
                  "a header with a bad quote cannot be read: \(outcome)")
            return
        }
        if let bad = header.fields.firstIndex(where: { !FeedReference.isUTF8($0) }) {
            check(outcome.failedAtOpen && outcome.error?.kind == .notUTF8 && outcome.error?.column == bad + 1,
                  "a header that is not UTF-8 makes the file not UTF-8: \(outcome)")
            return
        }
        var firstIndex: [[UInt8]: Int] = [:]
        for (i, name) in header.fields.enumerated() where firstIndex[name] == nil { firstIndex[name] = i }
        let fieldForColumn = OrdersFeed.columns.map { firstIndex[Array($0.utf8)] }
        if OrdersFeed.required.contains(where: { firstIndex[Array($0.utf8)] == nil }) {
            check(outcome.failedAtOpen && outcome.error?.kind == .missingColumn && outcome.error?.line == headerLine,
                  "a header without the required columns: \(outcome)")
            return
        }
        let feedColumns = Set(OrdersFeed.columns.map { Array($0.utf8) })
        if let twice = header.fields.indices.first(where: { feedColumns.contains(header.fields[$0]) && firstIndex[header.fields[$0]] != $0 }) {
            check(outcome.failedAtOpen && outcome.error?.kind == .duplicateColumn && outcome.error?.line == headerLine
                  && outcome.error?.column == twice + 1, "a header naming a feed column twice: \(outcome)")
            return
        }
        check(outcome.error == nil, "a plain CSV file cannot fail after its header: \(outcome)")
        let data = Array(all.dropFirst())
        check(data.count == outcome.rows.count, "\(data.count) records expected, \(outcome.rows.count) read")
        for (expected, row) in zip(data, outcome.rows) {
            let line = FeedReference.line(of: expected.start, in: content, from: start)
            let raw = FeedReference.raw(content[expected.start..<expected.end])
            var expectedColumn: Int?
            if let field = expected.errorField {
                expectedColumn = field + 1
            } else if expected.fields.count != header.fields.count {
                expectedColumn = min(expected.fields.count, header.fields.count) + 1
            } else if let bad = expected.fields.firstIndex(where: { !FeedReference.isUTF8($0) }) {
                expectedColumn = bad + 1
            }
            switch row {
            case .malformed(let l, let column, _, let r):
                check(expectedColumn == column && l == line && r == raw,
                      "row error at \(l):\(column) \(r.debugDescription), expected line \(line) column \(String(describing: expectedColumn)) \(raw.debugDescription)")
            case .record(let record):
                check(expectedColumn == nil, "line \(line) read as a record, expected a row error in column \(expectedColumn ?? 0)")
                check(record.line == line, "record on line \(record.line), expected \(line)")
                check(record.raw == raw, "raw \(record.raw.debugDescription), expected \(raw.debugDescription)")
                for (k, field) in fieldForColumn.enumerated() {
                    let want: [UInt8]? = field.flatMap { expected.fields[$0].isEmpty ? nil : expected.fields[$0] }
                    let got = record.values[k].map { Array($0.text.utf8) }
                    check(want == got, "column \(OrdersFeed.columns[k]) on line \(line): \(String(describing: got)) expected \(String(describing: want))")
                    check(record.columns[k] == (field.map { $0 + 1 } ?? 0), "column number of \(OrdersFeed.columns[k])")
                }
            }
        }
    }
}
