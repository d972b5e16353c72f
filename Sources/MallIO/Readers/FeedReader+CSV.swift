// Readers/FeedReader+CSV.swift: an RFC 4180 record scanner over a byte window. It can stop
// anywhere (the window ran out) and resume after a refill, so a record is scanned once and
// a record over the size limit can be skipped without being held.

extension FeedReader {
    /// Where one field's content lies, relative to the record start. For a quoted field the
    /// span excludes the surrounding quotes; `escaped` says it contains doubled quotes.
    struct CSVFieldSpan {
        var start: Int
        var end: Int
        var escaped: Bool
    }

    /// A resumable CSV record scanner.
    ///
    /// Rules: fields are separated by `,`; a record ends at LF or CRLF outside quotes (a lone
    /// CR is data, except as the very last byte of the file); a field starting with `"` is
    /// quoted, `""` inside it is one quote, and it may contain `,`, CR and LF. A `"` inside an
    /// unquoted field, text after a closing quote and a quote left open at the end of the file
    /// are errors; the scanner notes the first one and keeps going to the end of the record
    /// (treating the offending bytes as data), so the next record starts where it should.
    struct CSVScanner {
        enum State {
            case fieldStart
            case unquoted
            case quoted
            case afterQuote
        }

        enum Outcome {
            /// A record ended; its content is `[recordStart, contentEnd)` and the next record
            /// starts at `position`.
            case record(contentEnd: Int)
            /// An empty line, skipped; the next record starts at `position`.
            case blank
            /// The window ran out in the middle of the record.
            case needMore
            /// The end of the content, with no record started.
            case end
        }

        private static let comma: UInt8 = 0x2C
        private static let quote: UInt8 = 0x22
        private static let lf: UInt8 = 0x0A
        private static let cr: UInt8 = 0x0D

        private(set) var recordStart = 0
        private(set) var position = 0
        private var state = State.fieldStart
        private var fieldStart = 0
        private var quotedEnd = 0
        private var fieldEscaped = false
        /// 0-based index of the field being scanned.
        private(set) var fieldIndex = 0
        /// Fields of the record (empty while `recording` is off).
        private(set) var fields: [CSVFieldSpan] = []
        /// LFs inside quoted fields of the record, for physical line numbers.
        private(set) var quotedNewlines = 0
        /// The first structural error of the record: 1-based field and message.
        private(set) var error: (column: Int, message: String)?
        /// Off while skipping an oversized record: fields are counted, not stored.
        private(set) var recording = true

        /// Starts a new record at window offset `start`.
        mutating func begin(at start: Int) {
            recordStart = start
            position = start
            fieldStart = start
            state = .fieldStart
            fieldEscaped = false
            fieldIndex = 0
            fields.removeAll(keepingCapacity: true)
            quotedNewlines = 0
            error = nil
            recording = true
        }

        /// The window's bytes moved down by `delta` (compaction).
        mutating func shift(by delta: Int) {
            recordStart -= delta
            position -= delta
            fieldStart -= delta
            quotedEnd -= delta
        }

        /// Stops storing fields and forgets the bytes scanned so far (an oversized record is
        /// being skipped); the record now "starts" at the current position.
        mutating func stopRecording() {
            recording = false
            fields.removeAll(keepingCapacity: true)
            recordStart = position
            fieldStart = position
            quotedEnd = position
        }

        private mutating func endField(_ start: Int, _ end: Int) {
            if recording {
                fields.append(CSVFieldSpan(start: start - recordStart, end: end - recordStart, escaped: fieldEscaped))
            }
            fieldIndex += 1
            fieldEscaped = false
        }

        private mutating func note(_ message: String) {
            if error == nil { error = (fieldIndex + 1, message) }
        }

        /// Scans from `position` over `bytes[0..<tail]`. `atEOF`: no byte will follow `tail`.
        mutating func scan(_ bytes: UnsafePointer<UInt8>, tail: Int, atEOF: Bool) -> Outcome {
            var p = position
            defer { position = p }
            while true {
                let outcome: Outcome?
                switch state {
                case .fieldStart: outcome = scanFieldStart(bytes, &p, tail: tail, atEOF: atEOF)
                case .unquoted: outcome = scanUnquoted(bytes, &p, tail: tail, atEOF: atEOF)
                case .quoted: outcome = scanQuoted(bytes, &p, tail: tail, atEOF: atEOF)
                case .afterQuote: outcome = scanAfterQuote(bytes, &p, tail: tail, atEOF: atEOF)
                }
                if let outcome { return outcome }
            }
        }

        /// At the start of a field: a quote opens a quoted field, a comma or a line end ends an
        /// empty one. Each step returns nil to go on scanning (in the state it left), or the
        /// outcome `scan` returns.
        @inline(__always)
        private mutating func scanFieldStart(_ bytes: UnsafePointer<UInt8>, _ p: inout Int, tail: Int, atEOF: Bool) -> Outcome? {
            guard p < tail else {
                guard atEOF else { return .needMore }
                if recording && fieldIndex == 0 && p == recordStart { return .end }
                endField(p, p)
                return .record(contentEnd: p)
            }
            let c = bytes[p]
            if c == Self.quote {
                state = .quoted
                p += 1
                fieldStart = p
            } else if c == Self.comma {
                endField(p, p)
                p += 1
            } else if c == Self.lf || c == Self.cr {
                let terminator = terminatorLength(bytes, at: p, tail: tail, atEOF: atEOF)
                if terminator < 0 { return .needMore }
                if terminator == 0 {
                    fieldStart = p
                    state = .unquoted
                    p += 1
                    return nil
                }
                if recording && fieldIndex == 0 && p == recordStart {
                    p += terminator
                    return .blank
                }
                endField(p, p)
                p += terminator
                return .record(contentEnd: p - terminator)
            } else {
                fieldStart = p
                state = .unquoted
                p += 1
            }
            return nil
        }

        /// Inside an unquoted field, up to a comma, a quote or a line end.
        @inline(__always)
        private mutating func scanUnquoted(_ bytes: UnsafePointer<UInt8>, _ p: inout Int, tail: Int, atEOF: Bool) -> Outcome? {
            while p < tail {
                let c = bytes[p]
                if c > Self.comma { p += 1; continue }
                if c == Self.comma || c == Self.quote || c == Self.lf || c == Self.cr { break }
                p += 1
            }
            guard p < tail else {
                guard atEOF else { return .needMore }
                endField(fieldStart, p)
                return .record(contentEnd: p)
            }
            let c = bytes[p]
            if c == Self.comma {
                endField(fieldStart, p)
                p += 1
                state = .fieldStart
            } else if c == Self.quote {
                note("a quote inside an unquoted field")
                p += 1
            } else {
                let terminator = terminatorLength(bytes, at: p, tail: tail, atEOF: atEOF)
                if terminator < 0 { return .needMore }
                if terminator == 0 {
                    p += 1  // a lone CR: data
                    return nil
                }
                endField(fieldStart, p)
                p += terminator
                return .record(contentEnd: p - terminator)
            }
            return nil
        }

        /// Inside a quoted field, up to its closing quote (a doubled quote is data).
        @inline(__always)
        private mutating func scanQuoted(_ bytes: UnsafePointer<UInt8>, _ p: inout Int, tail: Int, atEOF: Bool) -> Outcome? {
            while p < tail {
                let c = bytes[p]
                if c == Self.quote { break }
                if c == Self.lf { quotedNewlines += 1 }
                p += 1
            }
            guard p < tail else {
                guard atEOF else { return .needMore }
                note("a quoted field is not closed before the end of the file")
                endField(fieldStart, p)
                return .record(contentEnd: p)
            }
            if p + 1 < tail {
                if bytes[p + 1] == Self.quote {
                    fieldEscaped = true
                    p += 2
                } else {
                    quotedEnd = p
                    p += 1
                    state = .afterQuote
                }
            } else if atEOF {
                endField(fieldStart, p)
                p += 1
                return .record(contentEnd: p)
            } else {
                return .needMore
            }
            return nil
        }

        /// After a closing quote: a comma or a line end ends the field; anything else is an
        /// error, and data.
        @inline(__always)
        private mutating func scanAfterQuote(_ bytes: UnsafePointer<UInt8>, _ p: inout Int, tail: Int, atEOF: Bool) -> Outcome? {
            guard p < tail else {
                guard atEOF else { return .needMore }
                endField(fieldStart, quotedEnd)
                return .record(contentEnd: p)
            }
            let c = bytes[p]
            if c == Self.comma {
                endField(fieldStart, quotedEnd)
                p += 1
                state = .fieldStart
                return nil
            }
            if c == Self.lf || c == Self.cr {
                let terminator = terminatorLength(bytes, at: p, tail: tail, atEOF: atEOF)
                if terminator < 0 { return .needMore }
                if terminator > 0 {
                    endField(fieldStart, quotedEnd)
                    p += terminator
                    return .record(contentEnd: p - terminator)
                }
            }
            note("text after the closing quote of a field")
            state = .unquoted
            return nil
        }

        /// At an LF or CR at `p`: the length of the record terminator there (1 for LF or a CR
        /// ending the file, 2 for CRLF), 0 when it is a lone CR (data), -1 when the next byte
        /// is not in the window yet.
        private func terminatorLength(_ bytes: UnsafePointer<UInt8>, at p: Int, tail: Int, atEOF: Bool) -> Int {
            if bytes[p] == Self.lf { return 1 }
            if p + 1 < tail { return bytes[p + 1] == Self.lf ? 2 : 0 }
            return atEOF ? 1 : -1
        }
    }
}
