// Readers/FeedReader.swift: reads one feed file (CSV or JSON Lines, plain or gzip) record
// by record, projected onto the columns a staging step asks for. SPEC section 3.
//
// Memory is bounded: one window of `FeedLimits.rowBytesMax + FeedLimits.readChunkBytes`
// bytes (plus zlib's buffers). A record is scanned in place in the window; only the
// requested cells become Strings.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a feed file.
///
/// - Format: given, or from the name after stripping `.gz`: `.jsonl`, `.ndjson`, `.json` are
///   JSON Lines, anything else CSV. Gzip is detected by its magic bytes, not by name.
/// - File errors (the whole file is rejected): `missingColumn` (CSV header lacks a required
///   column, or the header row cannot be read), `duplicateColumn` (the CSV header names one
///   of the requested columns twice), `notUTF8`, `corruptGzip`, `unreadable`.
/// - "Not UTF-8 at all" (`notUTF8`) means, on the decompressed content: it starts with a
///   UTF-32 or UTF-16 byte-order mark; or its first 64 KiB contain a NUL byte; or its first
///   line (after an optional UTF-8 BOM, up to the first LF, within the first 64 KiB) is not
///   valid UTF-8; or, for CSV, the header record is not valid UTF-8. Invalid UTF-8 anywhere
///   else is a row error (`malformed_row`) of the row it is in.
/// - `init` checks the header and the not-UTF-8 rule;
///   `corruptGzip` can surface from any `next()` call, since a gzip stream is only known to
///   be good at its end: a caller must drop every row of a file whose reading threw (or run
///   `digest(path:)` first, which reads the whole stream).
/// - Row errors are rows: `.malformed` (quarantine reason `malformed_row`): a CSV record with
///   a bad quote or a field count other than the header's, a JSON line that is not a flat
///   object, invalid UTF-8, a record over `FeedLimits.rowBytesMax` (skipped without being
///   held; its column is 1). "Characters" in columns and in the cut of `raw` are Unicode
///   scalars.
/// - Line numbers are physical lines (LF count + 1), so they stay right across quoted line
///   breaks and skipped blank lines.
public final class FeedReader {
    /// The path as given.
    public let path: String
    public let format: FeedFormat
    /// The requested columns, in the order values are returned.
    public let columns: [String]

    private let source: ByteSource
    private let readChunkBytes: Int
    private let window: UnsafeMutablePointer<UInt8>
    private let windowCapacity: Int
    /// Valid bytes are `window[0..<tail]`.
    private var tail = 0
    /// True once the source returned its last byte.
    private var sourceEOF = false
    /// The physical line the next record starts on.
    private var nextLine = 1
    /// Set once `next()` returned nil or threw: later calls repeat it.
    private var finished = false
    private var failure: FeedFileError?

    // CSV
    private var csv = CSVScanner()
    private var headerFieldCount = 0
    /// For each requested column, the 0-based header field holding it.
    private var fieldForColumn: [Int?] = []
    /// `FeedRecord.columns` for every CSV record (1-based field numbers, 0 when absent).
    private var csvColumnNumbers: [Int] = []
    /// `fieldForColumn` with -1 for an absent column, for `CSVRecordView`.
    private var fieldIndexForColumn: [Int] = []
    private var unescapeScratch: [UInt8] = []

    // JSON Lines
    private var json: JSONLineParser
    /// Where the next line starts in the window.
    private var jsonLineStart = 0

    /// Opens `path`, applies the not-UTF-8 rule and, for CSV, reads and checks the header:
    /// every name in `required` must be in it (else `missingColumn` naming the missing ones,
    /// line of the header); unknown columns are ignored (and may repeat); columns may come in
    /// any order; a requested column named twice is `duplicateColumn`, at the second copy's
    /// field (checked after the missing ones). Header names are compared exactly (no
    /// trimming, case-sensitive). For JSON Lines `required` is not checked here: a missing
    /// key is an absent (nil) value of that record.
    public convenience init(path: String, columns: [String], required: Set<String>, format: FeedFormat? = nil) throws(FeedFileError) {
        try self.init(path: path, columns: columns, required: required, format: format, readChunkBytes: FeedLimits.readChunkBytes)
    }

    /// `readChunkBytes`: how much to ask the source for per read; tests make it tiny so that
    /// every record boundary case meets the end of the window.
    init(path: String, columns: [String], required: Set<String>, format: FeedFormat?, readChunkBytes: Int) throws(FeedFileError) {
        precondition(readChunkBytes > 0 && readChunkBytes <= FeedLimits.readChunkBytes, "read chunk out of range")
        self.path = path
        self.readChunkBytes = readChunkBytes
        self.format = format ?? FeedFormat.inferred(fromPath: path)
        self.columns = columns
        json = JSONLineParser(columns: columns)
        source = try ByteSource(path: path)
        windowCapacity = FeedLimits.rowBytesMax + readChunkBytes + 64
        window = .allocate(capacity: windowCapacity)
        try sniff()
        if self.format == .csv { try readHeader(required: required) }
    }

    deinit { window.deallocate() }

    /// The next record or malformed row; nil at the end of the file.
    public func next() throws(FeedFileError) -> FeedRow? {
        try step { () throws(FeedFileError) in try format == .csv ? nextCSVRow() : nextJSONRow() }
    }

    /// One read of the file: after the end or a failure, every later read repeats it.
    private func step<T>(_ read: () throws(FeedFileError) -> T?) throws(FeedFileError) -> T? {
        if let failure { throw failure }
        if finished { return nil }
        do {
            let result = try read()
            if result == nil { finished = true }
            return result
        } catch {
            failure = error
            throw error
        }
    }

    /// Reads the next row and hands it to `plain` as a `CSVRecordView` when it is a CSV
    /// record that is all ASCII with no quoting error, the header's field count and no
    /// doubled quote; to `otherwise`, as `next()` would return it, when it is anything else or
    /// `plain` returns false (a row it leaves to the general path). False at the end of the
    /// file. Not generic on purpose: a generic across modules runs unspecialised, through
    /// witness tables, on every row.
    public func next(plain: (CSVRecordView) -> Bool, otherwise: (FeedRow) -> Void) throws(FeedFileError) -> Bool {
        guard format == .csv else {
            guard let row = try next() else { return false }
            otherwise(row)
            return true
        }
        guard let scanned = try step({ () throws(FeedFileError) in try scanCSVRecord() }) else { return false }
        if case .record(let line, let contentEnd) = scanned {
            let record = bytes(csv.recordStart, contentEnd)
            if csv.error == nil, csv.fields.count == headerFieldCount, !endsWithoutLineEnd(contentEnd),
               UTF8Check.isASCII(record), !csv.fields.contains(where: { $0.escaped }) {
                let taken = csv.fields.withUnsafeBufferPointer { spans in
                    fieldIndexForColumn.withUnsafeBufferPointer { fields in
                        plain(CSVRecordView(line: line, columns: csvColumnNumbers, record: record, spans: spans,
                                            fieldForColumn: fields))
                    }
                }
                if taken {
                    csv.begin(at: csv.position)
                    return true
                }
            }
        }
        otherwise(csvRow(scanned))
        return true
    }

    /// SHA-256 (lowercase hex) of the file's decompressed content, in one streaming pass.
    /// Throws `unreadable`, `corruptGzip` (the whole gzip stream is checked), and `notUTF8`
    /// when the content's start fails the not-UTF-8 rule (see `notUTF8Reason`; the CSV
    /// header-record part of that rule is checked by `init`, not here).
    public static func digest(path: String) throws(FeedFileError) -> String {
        let source = try ByteSource(path: path)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: FeedLimits.readChunkBytes, alignment: 16)
        defer { chunk.deallocate() }
        var hasher = SHA256()
        // The rule looks at the first `sniffBytesMax` bytes and needs to know whether more
        // follow, so one byte more is collected before it is applied.
        var prefix: [UInt8] = []
        var prefixChecked = false
        while true {
            let n = try source.read(into: chunk)
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[0..<n])
            if !prefixChecked {
                let take = min(n, FeedLimits.sniffBytesMax + 1 - prefix.count)
                prefix.append(contentsOf: bytes[0..<take])
                if prefix.count > FeedLimits.sniffBytesMax || n == 0 {
                    prefixChecked = true
                    let count = min(prefix.count, FeedLimits.sniffBytesMax)
                    let reason = prefix.withUnsafeBufferPointer {
                        notUTF8Reason(prefix: UnsafeBufferPointer(rebasing: $0[0..<count]),
                                      contentIsLonger: prefix.count > count)
                    }
                    if let reason { throw FeedFileError(kind: .notUTF8, file: path, message: reason) }
                }
            }
            if n == 0 { break }
            hasher.update(bytes)
        }
        return hasher.finalizeHex()
    }

    // MARK: - Window

    /// Moves `window[keepFrom..<tail]` to the front and reads more after it. Returns the
    /// distance the kept bytes moved; sets `sourceEOF` when the source has no more bytes.
    private func compactAndFill(keepFrom: Int) throws(FeedFileError) -> Int {
        precondition(!sourceEOF, "no refill after the end of the source")
        if keepFrom > 0 {
            let kept = tail - keepFrom
            if kept > 0 { window.update(from: window + keepFrom, count: kept) }
            tail = kept
        }
        let room = min(windowCapacity - tail, readChunkBytes)
        precondition(room > 0, "the window must have room after compaction")
        let n = try source.read(into: UnsafeMutableRawBufferPointer(start: window + tail, count: room))
        if n == 0 { sourceEOF = true }
        tail += n
        return keepFrom
    }

    /// Fills the window with the start of the content and applies the not-UTF-8 rule; strips
    /// a UTF-8 BOM.
    private func sniff() throws(FeedFileError) {
        while tail <= FeedLimits.sniffBytesMax && !sourceEOF {
            _ = try compactAndFill(keepFrom: 0)
        }
        let sniffCount = min(tail, FeedLimits.sniffBytesMax)
        let longer = tail > sniffCount
        if let reason = Self.notUTF8Reason(prefix: UnsafeBufferPointer(start: window, count: sniffCount), contentIsLonger: longer) {
            throw FeedFileError(kind: .notUTF8, file: path, message: reason)
        }
        let start = tail >= 3 && window[0] == 0xEF && window[1] == 0xBB && window[2] == 0xBF ? 3 : 0
        csv.begin(at: start)
        jsonLineStart = start
    }

    private func bytes(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: window + start, count: end - start)
    }

    // MARK: - CSV

    /// One CSV record's scan result.
    private enum ScannedRecord {
        case record(line: Int, contentEnd: Int)
        /// Longer than `FeedLimits.rowBytesMax`; only its start was kept.
        case oversized(line: Int, raw: String)
    }

    /// Scans the next CSV record (skipping blank lines); nil at the end of the content.
    private func scanCSVRecord() throws(FeedFileError) -> ScannedRecord? {
        var oversizedRaw: String?
        while true {
            let line = nextLine
            switch csv.scan(window, tail: tail, atEOF: sourceEOF) {
            case .end:
                return nil
            case .blank:
                nextLine += 1
                csv.begin(at: csv.position)
            case .record(let contentEnd):
                nextLine += 1 + csv.quotedNewlines
                if let raw = oversizedRaw {
                    csv.begin(at: csv.position)
                    return .oversized(line: line, raw: raw)
                }
                if contentEnd - csv.recordStart > FeedLimits.rowBytesMax {
                    let raw = Self.rawText(bytes(csv.recordStart, contentEnd))
                    csv.begin(at: csv.position)
                    return .oversized(line: line, raw: raw)
                }
                return .record(line: line, contentEnd: contentEnd)
            case .needMore:
                // Every byte before the scan position is record content (a pending CR or
                // quote sits at the position), so this is exactly "content over the limit".
                if oversizedRaw == nil && csv.position - csv.recordStart > FeedLimits.rowBytesMax {
                    // Over the limit and not ended: keep its start for the quarantine, then
                    // scan on without holding it.
                    let head = min(tail, csv.recordStart + FeedLimits.rawCharactersMax * 4)
                    oversizedRaw = Self.rawText(bytes(csv.recordStart, head))
                }
                if oversizedRaw != nil { csv.stopRecording() }
                let moved = try compactAndFill(keepFrom: csv.recordStart)
                csv.shift(by: moved)
            }
        }
    }

    private func readHeader(required: Set<String>) throws(FeedFileError) {
        var names: [String] = []
        var headerLine = 1
        switch try scanCSVRecord() {
        case nil:
            break
        case .oversized(let line, _):
            throw FeedFileError(kind: .missingColumn, file: path, line: line,
                                message: "the header row is longer than 1 MiB and cannot be read")
        case .record(let line, let contentEnd):
            headerLine = line
            if let error = csv.error {
                throw FeedFileError(kind: .missingColumn, file: path, line: line, column: error.column,
                                    message: "the header row cannot be read: \(error.message)")
            }
            let record = bytes(csv.recordStart, contentEnd)
            for (i, span) in csv.fields.enumerated() {
                if UTF8Check.firstInvalidOffset(Self.fieldBytes(span, in: record)) != nil {
                    throw FeedFileError(kind: .notUTF8, file: path, line: line, column: i + 1,
                                        message: "the header row is not valid UTF-8 (field \(i + 1))")
                }
                names.append(cellText(span, in: record))
            }
            csv.begin(at: csv.position)
        }
        headerFieldCount = names.count
        var firstIndex: [String: Int] = [:]
        for (i, name) in names.enumerated() where firstIndex[name] == nil { firstIndex[name] = i }
        fieldForColumn = columns.map { firstIndex[$0] }
        csvColumnNumbers = fieldForColumn.map { $0.map { $0 + 1 } ?? 0 }
        fieldIndexForColumn = fieldForColumn.map { $0 ?? -1 }
        let missing = (columns.filter { required.contains($0) } + required.subtracting(columns).sorted())
            .filter { firstIndex[$0] == nil }
        guard missing.isEmpty else {
            let list = missing.map { "\"\($0)\"" }.joined(separator: ", ")
            let what = names.isEmpty ? "the file has no header row; missing" : "the header lacks"
            throw FeedFileError(kind: .missingColumn, file: path, line: headerLine,
                                message: "\(what) required column\(missing.count == 1 ? "" : "s") \(list)")
        }
        // A feed column named twice: which copy holds the value is anybody's guess, so the
        // file is refused whole (unknown extra columns may repeat; they are never read).
        let wanted = Set(columns)
        for (i, name) in names.enumerated() where wanted.contains(name) && firstIndex[name] != i {
            throw FeedFileError(kind: .duplicateColumn, file: path, line: headerLine, column: i + 1,
                                message: "the header names column \"\(name)\" twice (fields \(firstIndex[name]! + 1) and \(i + 1))")
        }
    }

    private func nextCSVRow() throws(FeedFileError) -> FeedRow? {
        guard let scanned = try scanCSVRecord() else { return nil }
        return csvRow(scanned)
    }

    /// The last row of a file that does not end with a line end.
    private func endsWithoutLineEnd(_ contentEnd: Int) -> Bool {
        sourceEOF && csv.position == contentEnd && contentEnd == tail
    }

    /// The row a scanned record makes; the scanner moves on to the next record.
    private func csvRow(_ scanned: ScannedRecord) -> FeedRow {
        switch scanned {
        case .oversized(let line, let raw):
            // Column 1: the row as a whole is at fault, and where the limit falls inside it
            // would depend on how the bytes happened to be chunked.
            return .malformed(line: line, column: 1, message: "row longer than 1 MiB", raw: raw)
        case .record(let line, let contentEnd):
            defer { csv.begin(at: csv.position) }
            // The last row of a file that does not end with a line end may have been cut
            // anywhere, even inside its last amount ("100.00" → "100.0"): it is refused rather
            // than taken with a value nobody sent (docs/decisions.md).
            if endsWithoutLineEnd(contentEnd) && csv.error == nil {
                return .malformed(line: line, column: max(1, csv.fields.count),
                                  message: "the file ends inside this row, with no line end after it: the file may have been cut short",
                                  raw: Self.rawText(bytes(csv.recordStart, contentEnd)))
            }
            return csvRow(line: line, record: bytes(csv.recordStart, contentEnd))
        }
    }

    /// Checks a complete CSV record and projects it onto the requested columns.
    private func csvRow(line: Int, record: UnsafeBufferPointer<UInt8>) -> FeedRow {
        let fields = csv.fields
        if let error = csv.error {
            return .malformed(line: line, column: error.column, message: error.message, raw: Self.rawText(record))
        }
        if fields.count != headerFieldCount {
            return .malformed(line: line, column: min(fields.count, headerFieldCount) + 1,
                              message: "expected \(headerFieldCount) fields, found \(fields.count)",
                              raw: Self.rawText(record))
        }
        if !UTF8Check.isASCII(record) {
            for (i, span) in fields.enumerated() where UTF8Check.firstInvalidOffset(Self.fieldBytes(span, in: record)) != nil {
                return .malformed(line: line, column: i + 1, message: "invalid UTF-8 in field \(i + 1)",
                                  raw: Self.rawText(record))
            }
        }
        let wanted = fieldForColumn
        var values: [FeedValue?] = []
        values.reserveCapacity(wanted.count)
        for field in wanted {
            if let field, fields[field].end > fields[field].start {
                values.append(FeedValue(text: cellText(fields[field], in: record), isJSONNumber: false))
            } else {
                values.append(nil)
            }
        }
        return .record(FeedRecord(line: line, values: values, columns: csvColumnNumbers, raw: Self.rawText(record)))
    }

    private static func fieldBytes(_ span: CSVFieldSpan, in record: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: record.baseAddress! + span.start, count: span.end - span.start)
    }

    /// A field's text, doubled quotes undone.
    private func cellText(_ span: CSVFieldSpan, in record: UnsafeBufferPointer<UInt8>) -> String {
        let content = Self.fieldBytes(span, in: record)
        guard span.escaped else { return String(decoding: content, as: UTF8.self) }
        unescapeScratch.removeAll(keepingCapacity: true)
        var i = 0
        while i < content.count {
            unescapeScratch.append(content[i])
            i += content[i] == 0x22 ? 2 : 1
        }
        return String(decoding: unescapeScratch, as: UTF8.self)
    }

    // MARK: - JSON Lines

    private func nextJSONRow() throws(FeedFileError) -> FeedRow? {
        var searchFrom = jsonLineStart
        var oversizedRaw: String?
        while true {
            let remaining = tail - searchFrom
            let newline = remaining > 0 ? memchrOffset(searchFrom, remaining) : nil
            guard let end = newline ?? (sourceEOF ? tail : nil) else {
                // No LF yet: content over the limit even if the last byte is a CR of a CRLF.
                if oversizedRaw == nil && tail - jsonLineStart > FeedLimits.rowBytesMax + 1 {
                    let head = min(tail, jsonLineStart + FeedLimits.rawCharactersMax * 4)
                    oversizedRaw = Self.rawText(bytes(jsonLineStart, head))
                }
                if oversizedRaw != nil { jsonLineStart = tail }  // skipping: hold nothing
                let searchedTo = tail
                let moved = try compactAndFill(keepFrom: jsonLineStart)
                jsonLineStart -= moved
                searchFrom = searchedTo - moved
                continue
            }
            if newline == nil && end == jsonLineStart && oversizedRaw == nil { return nil }
            let line = nextLine
            nextLine += 1
            let start = jsonLineStart
            jsonLineStart = newline == nil ? tail : end + 1
            searchFrom = jsonLineStart
            if let raw = oversizedRaw {
                return .malformed(line: line, column: 1, message: "row longer than 1 MiB", raw: raw)
            }
            var contentEnd = end
            if contentEnd > start && window[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let text = bytes(start, contentEnd)
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            if text.count > FeedLimits.rowBytesMax {
                return .malformed(line: line, column: 1, message: "row longer than 1 MiB", raw: Self.rawText(text))
            }
            return jsonRow(line: line, text: text)
        }
    }

    /// The window offset of the first LF in `window[from..<from + count]`.
    private func memchrOffset(_ from: Int, _ count: Int) -> Int? {
        guard let hit = memchr(window + from, 0x0A, count) else { return nil }
        return window.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    private func jsonRow(line: Int, text: UnsafeBufferPointer<UInt8>) -> FeedRow {
        let ascii = UTF8Check.isASCII(text)
        func column(_ offset: Int) -> Int {
            ascii ? offset + 1 : UTF8Check.scalarCount(text, upTo: offset) + 1
        }
        if !ascii, let bad = UTF8Check.firstInvalidOffset(text) {
            return .malformed(line: line, column: column(bad), message: "invalid UTF-8", raw: Self.rawText(text))
        }
        var values: [FeedValue?] = Array(repeating: nil, count: columns.count)
        var offsets: [Int] = Array(repeating: -1, count: columns.count)
        do {
            try json.parse(text, values: &values, offsets: &offsets)
        } catch {
            return .malformed(line: line, column: column(error.offset), message: error.message, raw: Self.rawText(text))
        }
        let numbers = offsets.map { $0 < 0 ? 0 : column($0) }
        return .record(FeedRecord(line: line, values: values, columns: numbers, raw: Self.rawText(text)))
    }
}
