// Journal/JournalReader.swift: reads a journal file line by line in bounded memory. Lines are
// found in place in one window of the file (big reads, `memchr` for the line ends) and handed
// to the codec as bytes, without a copy per line.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import MallCore

/// Reads a journal file (plain or gzip) line by line in bounded memory. Blank lines are
/// skipped; a UTF-8 byte-order mark at the start is allowed; CRLF is accepted.
public final class JournalReader {
    public let path: String
    private let source: ByteSource
    /// The bytes read and not yet handed out are `window[start..<end]`. It holds the longest
    /// line `FeedLimits.rowBytesMax` (plus one byte, to tell it is longer) and a chunk.
    private let window: UnsafeMutableBufferPointer<UInt8>
    private var start = 0
    private var end = 0
    private var atEOF = false
    /// The rest of an overlong line is still to be skipped.
    private var skippingRest = false
    private(set) public var lineNumber = 0

    public init(path: String) throws(FeedFileError) {
        self.path = path
        source = try ByteSource(path: path)
        window = .allocate(capacity: FeedLimits.rowBytesMax + 1 + FeedLimits.readChunkBytes)
    }

    deinit { window.deallocate() }

    /// The next event or the error of the next bad line; nil at the end of the file.
    public func next() throws(FeedFileError) -> Result<JournalEvent, JSONFieldError>? {
        while true {
            guard let line = try nextLine() else { return nil }
            lineNumber += 1
            if let result = Self.read(line, lineNumber: lineNumber) { return result }
        }
    }

    /// One line without its `\n`; nil when it is blank.
    private static func read(_ raw: UnsafeBufferPointer<UInt8>, lineNumber: Int) -> Result<JournalEvent, JSONFieldError>? {
        var line = raw
        if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = UnsafeBufferPointer(rebasing: line[3...]) }
        if line.last == 0x0D { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        if line.count > FeedLimits.rowBytesMax {
            return .failure(JSONFieldError(line: lineNumber, column: 1, field: "(line)",
                                           message: "the line is longer than \(FeedLimits.rowBytesMax) bytes"))
        }
        return JournalCodec.decode(line, lineNumber: lineNumber)
    }

    /// The next line without its `\n` (valid until the next call), nil at the end. Of a line
    /// longer than `FeedLimits.rowBytesMax`, its first `rowBytesMax + 1` bytes are handed
    /// out (the caller reports the line as too long) and the rest is skipped, so an endless
    /// line cannot exhaust memory.
    private func nextLine() throws(FeedFileError) -> UnsafeBufferPointer<UInt8>? {
        if skippingRest { try skipRestOfLine() }
        var searched = start
        while true {
            if let newline = newlineOffset(from: searched) {
                let line = UnsafeBufferPointer(rebasing: window[start..<min(newline, start + FeedLimits.rowBytesMax + 1)])
                start = newline + 1
                return line
            }
            if end - start > FeedLimits.rowBytesMax {
                let line = UnsafeBufferPointer(rebasing: window[start..<start + FeedLimits.rowBytesMax + 1])
                start += FeedLimits.rowBytesMax + 1
                skippingRest = true
                return line
            }
            if atEOF {
                guard end > start else { return nil }
                let line = UnsafeBufferPointer(rebasing: window[start..<end])
                start = end
                return line
            }
            searched = end - start
            try refill()
        }
    }

    private func newlineOffset(from: Int) -> Int? {
        guard end > from, let base = window.baseAddress, let hit = memchr(base + from, 0x0A, end - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// Drops the bytes up to and with the next `\n`.
    private func skipRestOfLine() throws(FeedFileError) {
        while true {
            if let newline = newlineOffset(from: start) {
                start = newline + 1
                break
            }
            start = end
            if atEOF { break }
            try refill()
        }
        skippingRest = false
    }

    /// Moves the unread bytes to the window's start and reads behind them.
    private func refill() throws(FeedFileError) {
        if start > 0, let base = window.baseAddress {
            if end > start { memmove(base, base + start, end - start) }
            end -= start
            start = 0
        }
        let room = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(window)[end...])
        let n = try source.read(into: room)
        end += n
        if n == 0 { atEOF = true }
    }
}
