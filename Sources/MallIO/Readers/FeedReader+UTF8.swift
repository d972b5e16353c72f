// Readers/FeedReader+UTF8.swift: strict UTF-8 validation over raw bytes, the whole-file
// "not UTF-8 at all" rule, and the cutting of raw record text for the quarantine file.

extension FeedReader {
    /// Strict UTF-8 checks (RFC 3629: no overlong forms, no surrogates, nothing past
    /// U+10FFFF), with an eight-bytes-at-a-time path for ASCII.
    enum UTF8Check {
        /// The offset of the first byte that starts an invalid sequence, or nil when all of
        /// `bytes` is valid UTF-8. With `allowTruncatedEnd`, a sequence that is valid so far
        /// but cut by the end of `bytes` is accepted (the input was cut, not the text).
        static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>, allowTruncatedEnd: Bool = false) -> Int? {
            guard let p = bytes.baseAddress else { return nil }
            let count = bytes.count
            var i = 0
            while i < count {
                while i + 8 <= count {
                    let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    i += 8
                }
                guard i < count else { return nil }
                let lead = p[i]
                if lead < 0x80 {
                    i += 1
                    continue
                }
                var need = 0
                var low: UInt8 = 0x80
                var high: UInt8 = 0xBF
                switch lead {
                case 0xC2...0xDF: need = 1
                case 0xE0: need = 2; low = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: need = 2
                case 0xED: need = 2; high = 0x9F
                case 0xF0: need = 3; low = 0x90
                case 0xF1...0xF3: need = 3
                case 0xF4: need = 3; high = 0x8F
                default: return i
                }
                for k in 1...need {
                    guard i + k < count else { return allowTruncatedEnd ? nil : i }
                    let byte = p[i + k]
                    let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
                    if byte < lo || byte > hi { return i }
                }
                i += need + 1
            }
            return nil
        }

        /// The invalid sequences in `bytes` — a byte that starts no valid sequence, with the
        /// continuation bytes right after it — the first one's offset, and the valid
        /// multi-byte characters. A sequence cut by the end of `bytes` counts as neither (a
        /// file cut short, or the 64 KiB limit). For the whole-file rule, on the first 64 KiB
        /// only: not a hot path.
        static func tally(_ bytes: UnsafeBufferPointer<UInt8>) -> (invalid: Int, firstInvalid: Int?, validMultiByte: Int) {
            var invalid = 0, valid = 0
            var first: Int?
            var i = 0
            while i < bytes.count {
                if bytes[i] < 0x80 {
                    i += 1
                    continue
                }
                let rest = UnsafeBufferPointer(rebasing: bytes[i..<min(bytes.count, i + 4)])
                if firstInvalidOffset(rest, allowTruncatedEnd: true) == 0 {
                    invalid += 1
                    if first == nil { first = i }
                    i += 1
                    while i < bytes.count && bytes[i] & 0xC0 == 0x80 { i += 1 }
                    continue
                }
                let length = sequenceLength(bytes[i])
                if i + length > bytes.count { break }
                valid += 1
                i += length
            }
            return (invalid, first, valid)
        }

        /// The length a valid lead byte announces.
        static func sequenceLength(_ lead: UInt8) -> Int {
            lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        }

        /// True when no byte has its high bit set.
        static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let p = bytes.baseAddress else { return true }
            let count = bytes.count
            var i = 0
            var any: UInt64 = 0
            while i + 8 <= count {
                any |= UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                i += 8
            }
            while i < count {
                any |= UInt64(p[i])
                i += 1
            }
            return any & 0x8080_8080_8080_8080 == 0
        }

        /// The number of Unicode scalars that `bytes[0..<offset]` decodes to, for character
        /// columns (continuation bytes do not start a character; each invalid byte would
        /// count as one, as it decodes to one U+FFFD).
        static func scalarCount(_ bytes: UnsafeBufferPointer<UInt8>, upTo offset: Int) -> Int {
            var n = 0
            for i in 0..<min(offset, bytes.count) where bytes[i] & 0xC0 != 0x80 { n += 1 }
            return n
        }
    }

    /// The whole-file "not UTF-8 at all" rule (quarantine reason `not_utf8`), applied to
    /// the start of the decompressed content, at most `FeedLimits.sniffBytesMax` bytes:
    ///
    /// 1. the content starts with a UTF-32 or UTF-16 byte-order mark
    ///    (`00 00 FE FF`, `FF FE 00 00`, `FE FF`, `FF FE`); or
    /// 2. those first bytes contain a NUL byte (UTF-16/32 without a mark, binary data); or
    /// 3. the first line (after an optional UTF-8 BOM, up to the first LF, within those
    ///    first bytes) is not valid UTF-8 — a sequence cut by the 64 KiB limit is not counted; or
    /// 4. those first bytes hold at least `legacyInvalidSequencesMin` invalid sequences (a
    ///    byte that starts no valid sequence, with the continuation bytes after it) and no
    ///    more valid multi-byte characters than invalid sequences: text in another encoding
    ///    (a GBK export from Excel under an ASCII header). A sequence cut by the end counts as
    ///    neither.
    ///
    /// Anything else is a UTF-8 file; invalid bytes further on are row errors
    /// (`malformed_row`). A CSV header record that is not valid UTF-8 as a whole (quoted
    /// line breaks, longer than 64 KiB) also makes the file `not_utf8`.
    /// Returns the reason, or nil when the rule does not reject the file.
    static func notUTF8Reason(prefix: UnsafeBufferPointer<UInt8>, contentIsLonger: Bool) -> String? {
        let count = prefix.count
        func startsWith(_ mark: [UInt8]) -> Bool {
            count >= mark.count && mark.indices.allSatisfy { prefix[$0] == mark[$0] }
        }
        if startsWith([0x00, 0x00, 0xFE, 0xFF]) || startsWith([0xFF, 0xFE, 0x00, 0x00]) {
            return "the file starts with a UTF-32 byte-order mark"
        }
        if startsWith([0xFE, 0xFF]) || startsWith([0xFF, 0xFE]) {
            return "the file starts with a UTF-16 byte-order mark"
        }
        if let nul = prefix.firstIndex(of: 0) {
            return "NUL byte at offset \(nul) in the first \(FeedLimits.sniffBytesMax / 1024) KiB"
        }
        let start = startsWith([0xEF, 0xBB, 0xBF]) ? 3 : 0
        let lineEnd = prefix[start...].firstIndex(of: 0x0A) ?? count
        let line = UnsafeBufferPointer(rebasing: prefix[start..<lineEnd])
        let cut = lineEnd == count && contentIsLonger
        if let bad = UTF8Check.firstInvalidOffset(line, allowTruncatedEnd: cut) {
            return notUTF8Advice(prefix, start: start, at: start + bad)
        }
        let text = UnsafeBufferPointer(rebasing: prefix[start...])
        let tally = UTF8Check.tally(text)
        if tally.invalid >= legacyInvalidSequencesMin && tally.invalid >= tally.validMultiByte, let bad = tally.firstInvalid {
            return notUTF8Advice(prefix, start: start, at: start + bad)
        }
        return nil
    }

    /// Rule 4 of `notUTF8Reason`: this many invalid sequences in the first 64 KiB, and no
    /// more valid multi-byte characters than that, make text of another encoding (a GBK
    /// export holds two or more in each Chinese word); one stray byte is its row's error.
    static let legacyInvalidSequencesMin = 2

    /// Where the first byte that is not UTF-8 is, and what to do about it.
    static func notUTF8Advice(_ prefix: UnsafeBufferPointer<UInt8>, start: Int, at offset: Int) -> String {
        let before = UnsafeBufferPointer(rebasing: prefix[start..<offset])
        let lineStart = (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0)
        let line = 1 + before.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let column = UTF8Check.scalarCount(UnsafeBufferPointer(rebasing: before[lineStart...]), upTo: before.count - lineStart) + 1
        let byte = String(prefix[offset], radix: 16, uppercase: true)
        return "the file is not UTF-8: line \(line), column \(column) holds the byte 0x\(byte.count == 1 ? "0" : "")\(byte), "
            + "which UTF-8 does not allow there (GBK or another legacy encoding, as Excel's plain \"CSV\" saves Chinese text); "
            + "save it as \"CSV UTF-8\" or convert it (iconv -f GBK -t UTF-8 FILE > FILE.utf8) and deliver it again"
    }

    /// Raw record text for `FeedRecord.raw`: decoded (invalid bytes become U+FFFD) and cut
    /// to `FeedLimits.rawCharactersMax` Unicode scalars.
    static func rawText(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let limit = FeedLimits.rawCharactersMax
        if bytes.count <= limit { return String(decoding: bytes, as: UTF8.self) }
        // A scalar takes at most 4 bytes, and an invalid byte decodes to one scalar.
        let head = UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, limit * 4)])
        let decoded = String(decoding: head, as: UTF8.self)
        return String(String.UnicodeScalarView(decoded.unicodeScalars.prefix(limit)))
    }
}
