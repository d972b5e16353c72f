// The zip container of an XLSX workbook: local file headers, raw-deflate data (zlib,
// windowBits −15), central directory, end record. Deterministic — every entry is dated
// 1980-01-01 00:00 and deflated at one fixed level — so the same workbook gives the same
// bytes. No zip64: an archive or entry past 4 GiB, or past 65,535 entries, is refused.
// The archive goes to a sink: memory for small workbooks, a file for statements of any size.
internal import CZlib
import Foundation

/// Where a zip archive's bytes go: appended in order, with a local header patched once its
/// entry's sizes and CRC are known.
protocol ZipSink {
    /// Bytes written so far (the offset of the next byte).
    var count: Int { get }
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Overwrites `bytes.count` bytes already written at `offset`.
    mutating func patch(at offset: Int, _ bytes: [UInt8]) throws
}

extension ZipSink {
    mutating func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }
}

/// A zip archive held in memory.
struct MemoryZipSink: ZipSink {
    var bytes: [UInt8] = []
    var count: Int { bytes.count }
    mutating func append(_ data: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: data) }
    mutating func patch(at offset: Int, _ data: [UInt8]) throws {
        bytes.replaceSubrange(offset ..< offset + data.count, with: data)
    }
}

/// A zip archive written to a file through an `AtomicFileWriter`; a patch goes straight to
/// the file once the writer's buffer is flushed.
final class FileZipSink: ZipSink {
    let file: AtomicFileWriter
    private(set) var count = 0

    init(file: AtomicFileWriter) {
        self.file = file
    }

    func append(_ data: UnsafeRawBufferPointer) throws {
        try file.write(data)
        count += data.count
    }

    func patch(at offset: Int, _ data: [UInt8]) throws {
        try file.patch(at: offset, data)
    }
}

extension XLSXWriter {
    /// One finished entry as the central directory lists it.
    struct ZipEntryRecord {
        let name: [UInt8]
        let crc: UInt32
        let compressed: UInt32
        let uncompressed: UInt32
        /// Offset of the local header in the sink that holds the entry.
        let offset: Int
    }

    /// Builds a zip archive into a sink, one entry at a time; an entry's data is deflated as
    /// it is appended, so the uncompressed XML of a large sheet is never held whole.
    struct ZipArchive<Sink: ZipSink> {
        /// Bytes of uncompressed input handed to zlib per call.
        static var deflateSliceBytesMax: Int { 1 << 20 }
        /// zip32 limits.
        static var sizeBytesMax: UInt64 { UInt64(UInt32.max) }
        static var entriesMax: Int { Int(UInt16.max) }

        private(set) var sink: Sink
        /// The entries finished so far, in order.
        private(set) var records: [ZipEntryRecord] = []
        private var current: OpenEntry?
        private let level: Int32
        /// The last entry's zlib stream, reset for the next entry of the same level: setting
        /// up a stream (a quarter of a megabyte of tables) cost more than deflating a small
        /// worksheet.
        private var spare: RawDeflater?

        private struct OpenEntry {
            let name: [UInt8]
            let headerOffset: Int
            let dataOffset: Int
            let deflater: RawDeflater
            var crc: UInt
            var uncompressedBytes: UInt64
        }

        init(sink: Sink, level: Int32 = RawDeflater.defaultLevel) {
            self.sink = sink
            self.level = level
        }

        /// Adds a whole entry. A small one is deflated once per process (`DeflatedParts`).
        mutating func add(name: String, data: [UInt8]) throws {
            guard data.count <= DeflatedParts.bytesMax else {
                try beginEntry(name: name)
                try data.withUnsafeBytes { try append($0) }
                try endEntry()
                return
            }
            let part = try DeflatedParts.shared.part(data, level: level)
            let (nameBytes, headerOffset) = try appendLocalHeader(name: name, crc: part.crc, compressed: UInt32(part.deflated.count),
                                                                  uncompressed: UInt32(data.count))
            try sink.append(part.deflated)
            guard UInt64(sink.count) <= Self.sizeBytesMax else { throw XLSXError.archiveTooLarge(entry: name) }
            records.append(ZipEntryRecord(name: nameBytes, crc: part.crc, compressed: UInt32(part.deflated.count),
                                          uncompressed: UInt32(data.count), offset: headerOffset))
        }

        /// Writes the local header of a new entry (none may be open); returns the entry's name
        /// bytes and where its header starts.
        private mutating func appendLocalHeader(name: String, crc: UInt32, compressed: UInt32,
                                                uncompressed: UInt32) throws -> (name: [UInt8], offset: Int) {
            precondition(current == nil, "ZipArchive: entry already open")
            guard records.count < Self.entriesMax else { throw XLSXError.archiveTooLarge(entry: name) }
            let nameBytes = Array(name.utf8)
            precondition(!nameBytes.isEmpty && nameBytes.count <= Int(UInt16.max), "ZipArchive: bad entry name")
            let offset = sink.count
            var header: [UInt8] = []
            ZipFormat.appendLocalHeader(name: nameBytes, crc: crc, compressed: compressed, uncompressed: uncompressed, to: &header)
            try sink.append(header)
            return (nameBytes, offset)
        }

        /// Starts an entry (deflated at `level`, or the archive's); its data follows through
        /// `append`, and `endEntry` completes it.
        mutating func beginEntry(name: String, level entryLevel: Int32? = nil) throws {
            // Sizes and CRC are patched in by `endEntry`.
            let (nameBytes, headerOffset) = try appendLocalHeader(name: name, crc: 0, compressed: 0, uncompressed: 0)
            let wanted = entryLevel ?? level
            let deflater: RawDeflater
            if let spare, spare.level == wanted {
                try spare.reset()
                deflater = spare
            } else {
                deflater = try RawDeflater.reused(level: wanted) ?? RawDeflater(level: wanted)
            }
            spare = nil
            current = OpenEntry(name: nameBytes, headerOffset: headerOffset, dataOffset: sink.count,
                                deflater: deflater, crc: 0, uncompressedBytes: 0)
        }

        /// Appends data to the open entry.
        mutating func append(_ data: UnsafeRawBufferPointer) throws {
            guard var entry = current else { preconditionFailure("ZipArchive: no open entry") }
            var offset = 0
            while offset < data.count {
                let slice = UnsafeRawBufferPointer(rebasing: data[offset ..< min(data.count, offset + Self.deflateSliceBytesMax)])
                entry.crc = CZlib.crc32(entry.crc, slice.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(slice.count))
                entry.uncompressedBytes += UInt64(slice.count)
                try entry.deflater.deflate(slice, finish: false, into: &sink)
                offset += slice.count
                // Refuse as soon as the limit is passed rather than after building gigabytes more.
                if entry.uncompressedBytes > Self.sizeBytesMax || UInt64(sink.count) > Self.sizeBytesMax {
                    current = nil
                    throw XLSXError.archiveTooLarge(entry: String(decoding: entry.name, as: UTF8.self))
                }
            }
            current = entry
        }

        /// Finishes the open entry: flushes zlib, patches the local header, records the
        /// central directory entry.
        mutating func endEntry() throws {
            guard let entry = current else { preconditionFailure("ZipArchive: no open entry") }
            current = nil
            try entry.deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, into: &sink)
            let compressed = UInt64(sink.count - entry.dataOffset)
            let name = String(decoding: entry.name, as: UTF8.self)
            guard compressed <= Self.sizeBytesMax, UInt64(sink.count) <= Self.sizeBytesMax else {
                throw XLSXError.archiveTooLarge(entry: name)
            }
            // CRC-32, compressed size, uncompressed size sit at offset 14 of the local header.
            var patch: [UInt8] = []
            ZipFormat.put32(UInt32(truncatingIfNeeded: entry.crc), &patch)
            ZipFormat.put32(UInt32(compressed), &patch)
            ZipFormat.put32(UInt32(entry.uncompressedBytes), &patch)
            try sink.patch(at: entry.headerOffset + 14, patch)
            records.append(ZipEntryRecord(name: entry.name, crc: UInt32(truncatingIfNeeded: entry.crc),
                                          compressed: UInt32(compressed), uncompressed: UInt32(entry.uncompressedBytes),
                                          offset: entry.headerOffset))
            spare = entry.deflater
        }

        /// Appends the central directory and the end record for `records` (by default this
        /// archive's own), each local header offset moved by `shift`.
        mutating func finish(records listed: [ZipEntryRecord]? = nil) throws {
            precondition(current == nil, "ZipArchive: entry still open")
            let entries = listed ?? records
            guard entries.count <= Self.entriesMax else { throw XLSXError.archiveTooLarge(entry: "central directory") }
            let directoryOffset = sink.count
            var central: [UInt8] = []
            for entry in entries {
                guard UInt64(entry.offset) <= Self.sizeBytesMax else { throw XLSXError.archiveTooLarge(entry: "central directory") }
                ZipFormat.appendCentralHeader(name: entry.name, crc: entry.crc, compressed: entry.compressed,
                                              uncompressed: entry.uncompressed, localHeaderOffset: UInt32(entry.offset),
                                              to: &central)
            }
            guard UInt64(directoryOffset + central.count) + 22 <= Self.sizeBytesMax else {
                throw XLSXError.archiveTooLarge(entry: "central directory")
            }
            let directoryBytes = UInt32(central.count)
            ZipFormat.put32(0x0605_4b50, &central)           // end of central directory signature
            ZipFormat.put16(0, &central)                     // this disk
            ZipFormat.put16(0, &central)                     // disk with the central directory
            ZipFormat.put16(UInt16(entries.count), &central) // entries on this disk
            ZipFormat.put16(UInt16(entries.count), &central) // entries in total
            ZipFormat.put32(directoryBytes, &central)
            ZipFormat.put32(UInt32(directoryOffset), &central)
            ZipFormat.put16(0, &central)                     // comment length
            try sink.append(central)
            if let spare { RawDeflater.keep(spare) }
            spare = nil
        }

        /// Appends entries already written elsewhere (local headers and data, `count` bytes
        /// read through `copy`), returning their records moved to where they now start.
        mutating func appendWritten(_ moved: [ZipEntryRecord], bytes count: Int,
                                    copy: (inout Sink) throws -> Void) throws -> [ZipEntryRecord] {
            precondition(current == nil, "ZipArchive: entry still open")
            let base = sink.count
            try copy(&sink)
            precondition(sink.count == base + count, "ZipArchive: copied entries have the wrong size")
            guard UInt64(sink.count) <= Self.sizeBytesMax else { throw XLSXError.archiveTooLarge(entry: "worksheets") }
            return moved.map { ZipEntryRecord(name: $0.name, crc: $0.crc, compressed: $0.compressed,
                                              uncompressed: $0.uncompressed, offset: $0.offset + base) }
        }
    }

    /// The byte layouts of zip headers.
    enum ZipFormat {
        // MARK: Headers

        /// 1980-01-01 00:00:00 in MS-DOS form: the earliest date zip can say, fixed for determinism.
        private static let dosTime: UInt16 = 0
        private static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1
        private static let versionNeeded: UInt16 = 20   // 2.0: deflate
        private static let methodDeflate: UInt16 = 8

        static func appendLocalHeader(name: [UInt8], crc: UInt32, compressed: UInt32,
                                              uncompressed: UInt32, to out: inout [UInt8]) {
            put32(0x0403_4b50, &out)
            put16(versionNeeded, &out)
            put16(0, &out)                           // flags: sizes are in this header
            put16(methodDeflate, &out)
            put16(dosTime, &out)
            put16(dosDate, &out)
            put32(crc, &out)
            put32(compressed, &out)
            put32(uncompressed, &out)
            put16(UInt16(name.count), &out)
            put16(0, &out)                           // extra field length
            out.append(contentsOf: name)
        }

        static func appendCentralHeader(name: [UInt8], crc: UInt32, compressed: UInt32, uncompressed: UInt32,
                                                localHeaderOffset: UInt32, to out: inout [UInt8]) {
            put32(0x0201_4b50, &out)
            put16(versionNeeded, &out)               // version made by: 2.0, MS-DOS attributes
            put16(versionNeeded, &out)
            put16(0, &out)
            put16(methodDeflate, &out)
            put16(dosTime, &out)
            put16(dosDate, &out)
            put32(crc, &out)
            put32(compressed, &out)
            put32(uncompressed, &out)
            put16(UInt16(name.count), &out)
            put16(0, &out)                           // extra field length
            put16(0, &out)                           // comment length
            put16(0, &out)                           // disk number start
            put16(0, &out)                           // internal attributes
            put32(0, &out)                           // external attributes
            put32(localHeaderOffset, &out)
            out.append(contentsOf: name)
        }

        static func put16(_ value: UInt16, _ out: inout [UInt8]) {
            out.append(UInt8(truncatingIfNeeded: value))
            out.append(UInt8(truncatingIfNeeded: value >> 8))
        }

        static func put32(_ value: UInt32, _ out: inout [UInt8]) {
            out.append(UInt8(truncatingIfNeeded: value))
            out.append(UInt8(truncatingIfNeeded: value >> 8))
            out.append(UInt8(truncatingIfNeeded: value >> 16))
            out.append(UInt8(truncatingIfNeeded: value >> 24))
        }
    }
}

/// A zlib raw-deflate stream. The `z_stream` lives at a fixed heap address because zlib
/// keeps a pointer back to it and refuses a stream that has moved.
final class RawDeflater {
    /// Fixed for determinism: the same input at the same level always compresses to the same
    /// bytes. Workbooks use `defaultLevel`; statements with very many lines use `fastLevel`.
    static let defaultLevel: Int32 = 6
    static let fastLevel: Int32 = 1
    private static let outputChunkBytes = 64 * 1024

    /// The level the stream deflates at.
    let level: Int32
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]

    init(level: Int32) throws {
        self.level = level
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = [UInt8](repeating: 0, count: Self.outputChunkBytes)
        let code = czlib_deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)
        guard code == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw XLSXError.compression(code: code)
        }
    }

    /// Starts a new stream at the same level, keeping the tables: the bytes it makes are
    /// those of a new `RawDeflater`.
    func reset() throws {
        let code = deflateReset(stream)
        guard code == Z_OK else { throw XLSXError.compression(code: code) }
    }

    /// Streams finished archives gave back, for the next archives (a night writes thousands
    /// of small workbooks, each of which set up a stream: 200,000 instructions apiece).
    nonisolated(unsafe) private static var kept: [RawDeflater] = []
    private static let keptLock = NSLock()
    private static let keptMax = 8

    /// A kept stream of `level`, reset; nil when none is kept.
    static func reused(level: Int32) throws -> RawDeflater? {
        let found: RawDeflater? = keptLock.withLock {
            guard let index = kept.lastIndex(where: { $0.level == level }) else { return nil }
            return kept.remove(at: index)
        }
        try found?.reset()
        return found
    }

    /// Keeps `deflater` for a later archive (at most `keptMax` are kept).
    static func keep(_ deflater: RawDeflater) {
        keptLock.withLock {
            if kept.count < keptMax { kept.append(deflater) }
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input` (at most `UInt32.max` bytes) and appends what zlib produces to `out`;
    /// with `finish`, also ends the stream.
    func deflate<Sink: ZipSink>(_ input: UnsafeRawBufferPointer, finish: Bool, into out: inout Sink) throws {
        stream.pointee.next_in = input.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
        }
        stream.pointee.avail_in = uInt(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            var code: Int32 = Z_OK
            let produced = output.withUnsafeMutableBufferPointer { buffer -> Int in
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = uInt(buffer.count)
                code = CZlib.deflate(stream, flush)
                return buffer.count - Int(stream.pointee.avail_out)
            }
            // Z_BUF_ERROR only means "no progress possible": not an error here.
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                throw XLSXError.compression(code: code)
            }
            try output.withUnsafeBytes { try out.append(UnsafeRawBufferPointer(rebasing: $0[0 ..< produced])) }
            if finish {
                if code == Z_STREAM_END { break }
            } else if stream.pointee.avail_out != 0 {
                break  // all input consumed and all output drained
            }
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
    }
}

/// Small whole entries, deflated once per process and kept by their bytes and level. Every
/// workbook carries the same package parts (content types, relationships, properties,
/// styles), and a buyer's bill workbook is nine entries of a few hundred bytes: deflating
/// them afresh, each through a new zlib stream, was most of the cost of writing one. The
/// same bytes at the same level always deflate to the same bytes, so a kept entry is what a
/// new one would be.
final class DeflatedParts: @unchecked Sendable {
    static let shared = DeflatedParts()
    /// Entries at most this large are kept; larger ones are deflated as they come.
    static let bytesMax = 16 * 1024
    /// Distinct entries kept; past it, new ones are deflated each time (workbook.xml names
    /// the sheets, so a workbook of unusual sheet names is a new entry).
    static let keptMax = 512

    struct Part {
        let crc: UInt32
        let deflated: [UInt8]
    }

    private struct Key: Hashable {
        let level: Int32
        let data: [UInt8]

        /// The bytes hashed as one block (an array hashes byte by byte).
        func hash(into hasher: inout Hasher) {
            hasher.combine(level)
            data.withUnsafeBytes { hasher.combine(bytes: $0) }
        }

        static func == (a: Key, b: Key) -> Bool {
            a.level == b.level && a.data.count == b.data.count
                && (a.data.isEmpty || a.data.withUnsafeBytes { x in b.data.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } })
        }
    }

    private let lock = NSLock()
    private var parts: [Key: Part] = [:]

    func part(_ data: [UInt8], level: Int32) throws -> Part {
        let key = Key(level: level, data: data)
        if let kept = lock.withLock({ parts[key] }) { return kept }
        var sink = MemoryZipSink()
        let deflater = try RawDeflater(level: level)
        // As `ZipArchive.append` and `endEntry` deflate a streamed entry: the same calls make the same bytes.
        try data.withUnsafeBytes { try deflater.deflate($0, finish: false, into: &sink) }
        try deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, into: &sink)
        let crc = data.withUnsafeBytes { bytes in
            CZlib.crc32(0, bytes.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(bytes.count))
        }
        let part = Part(crc: UInt32(truncatingIfNeeded: crc), deflated: sink.bytes)
        lock.withLock {
            if parts.count < Self.keptMax { parts[key] = part }
        }
        return part
    }
}
