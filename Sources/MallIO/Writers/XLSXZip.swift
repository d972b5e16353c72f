// The zip container of an XLSX workbook: local file headers, raw-deflate data (zlib,
// windowBits −15), central directory, end record. Deterministic — every entry is dated
// 1980-01-01 00:00 and deflated at one fixed level — so the same workbook gives the same
// bytes. No zip64: an archive or entry past 4 GiB, or past 65,535 entries, is refused.
internal import CZlib

extension XLSXWriter {
    /// Builds a zip archive in memory, one entry at a time; an entry's data is deflated as it
    /// is appended, so the uncompressed XML of a large sheet is never held whole.
    struct ZipArchive {
        /// Bytes of uncompressed input handed to zlib per call.
        static let deflateSliceBytesMax = 1 << 20
        /// zip32 limits.
        static let sizeBytesMax = UInt64(UInt32.max)
        static let entriesMax = Int(UInt16.max)

        private(set) var bytes: [UInt8] = []
        private var central: [UInt8] = []
        private var entryCount = 0
        private var current: OpenEntry?

        private struct OpenEntry {
            let name: [UInt8]
            let headerOffset: Int
            let dataOffset: Int
            let deflater: RawDeflater
            var crc: UInt
            var uncompressedBytes: UInt64
        }

        init() {}

        /// Adds a whole entry.
        mutating func add(name: String, data: [UInt8]) throws {
            try beginEntry(name: name)
            try data.withUnsafeBytes { try append($0) }
            try endEntry()
        }

        /// Starts an entry; its data follows through `append`, and `endEntry` completes it.
        mutating func beginEntry(name: String) throws {
            precondition(current == nil, "ZipArchive: entry already open")
            guard entryCount < Self.entriesMax else { throw XLSXError.archiveTooLarge(entry: name) }
            let nameBytes = Array(name.utf8)
            precondition(!nameBytes.isEmpty && nameBytes.count <= Int(UInt16.max), "ZipArchive: bad entry name")
            let headerOffset = bytes.count
            Self.appendLocalHeader(name: nameBytes, crc: 0, compressed: 0, uncompressed: 0, to: &bytes)
            current = OpenEntry(name: nameBytes, headerOffset: headerOffset, dataOffset: bytes.count,
                                deflater: try RawDeflater(), crc: 0, uncompressedBytes: 0)
        }

        /// Appends data to the open entry.
        mutating func append(_ data: UnsafeRawBufferPointer) throws {
            guard var entry = current else { preconditionFailure("ZipArchive: no open entry") }
            var offset = 0
            while offset < data.count {
                let slice = UnsafeRawBufferPointer(rebasing: data[offset ..< min(data.count, offset + Self.deflateSliceBytesMax)])
                entry.crc = CZlib.crc32(entry.crc, slice.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(slice.count))
                entry.uncompressedBytes += UInt64(slice.count)
                try entry.deflater.deflate(slice, finish: false, into: &bytes)
                offset += slice.count
                // Refuse as soon as the limit is passed rather than after building gigabytes more.
                if entry.uncompressedBytes > Self.sizeBytesMax || UInt64(bytes.count) > Self.sizeBytesMax {
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
            try entry.deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, into: &bytes)
            let compressed = UInt64(bytes.count - entry.dataOffset)
            let name = String(decoding: entry.name, as: UTF8.self)
            guard compressed <= Self.sizeBytesMax, UInt64(bytes.count) <= Self.sizeBytesMax else {
                throw XLSXError.archiveTooLarge(entry: name)
            }
            // CRC-32, compressed size, uncompressed size sit at offset 14 of the local header.
            var patch: [UInt8] = []
            Self.put32(UInt32(truncatingIfNeeded: entry.crc), &patch)
            Self.put32(UInt32(compressed), &patch)
            Self.put32(UInt32(entry.uncompressedBytes), &patch)
            bytes.replaceSubrange(entry.headerOffset + 14 ..< entry.headerOffset + 26, with: patch)
            Self.appendCentralHeader(name: entry.name, crc: UInt32(truncatingIfNeeded: entry.crc),
                                     compressed: UInt32(compressed), uncompressed: UInt32(entry.uncompressedBytes),
                                     localHeaderOffset: UInt32(entry.headerOffset), to: &central)
            entryCount += 1
        }

        /// Appends the central directory and the end record; returns the archive.
        mutating func finish() throws -> [UInt8] {
            precondition(current == nil, "ZipArchive: entry still open")
            let directoryOffset = bytes.count
            bytes.append(contentsOf: central)
            guard UInt64(bytes.count) + 22 <= Self.sizeBytesMax else {
                throw XLSXError.archiveTooLarge(entry: "central directory")
            }
            Self.put32(0x0605_4b50, &bytes)          // end of central directory signature
            Self.put16(0, &bytes)                    // this disk
            Self.put16(0, &bytes)                    // disk with the central directory
            Self.put16(UInt16(entryCount), &bytes)   // entries on this disk
            Self.put16(UInt16(entryCount), &bytes)   // entries in total
            Self.put32(UInt32(central.count), &bytes)
            Self.put32(UInt32(directoryOffset), &bytes)
            Self.put16(0, &bytes)                    // comment length
            central = []
            return bytes
        }

        // MARK: Headers

        /// 1980-01-01 00:00:00 in MS-DOS form: the earliest date zip can say, fixed for determinism.
        private static let dosTime: UInt16 = 0
        private static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1
        private static let versionNeeded: UInt16 = 20   // 2.0: deflate
        private static let methodDeflate: UInt16 = 8

        private static func appendLocalHeader(name: [UInt8], crc: UInt32, compressed: UInt32,
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

        private static func appendCentralHeader(name: [UInt8], crc: UInt32, compressed: UInt32, uncompressed: UInt32,
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

        private static func put16(_ value: UInt16, _ out: inout [UInt8]) {
            out.append(UInt8(truncatingIfNeeded: value))
            out.append(UInt8(truncatingIfNeeded: value >> 8))
        }

        private static func put32(_ value: UInt32, _ out: inout [UInt8]) {
            out.append(UInt8(truncatingIfNeeded: value))
            out.append(UInt8(truncatingIfNeeded: value >> 8))
            out.append(UInt8(truncatingIfNeeded: value >> 16))
            out.append(UInt8(truncatingIfNeeded: value >> 24))
        }
    }
}

/// A zlib raw-deflate stream. The `z_stream` lives at a fixed heap address because zlib
/// keeps a pointer back to it and refuses a stream that has moved.
private final class RawDeflater {
    /// Fixed for determinism: the same input always compresses to the same bytes.
    private static let level: Int32 = 6
    private static let outputChunkBytes = 64 * 1024

    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = [UInt8](repeating: 0, count: Self.outputChunkBytes)
        let code = czlib_deflateInit2(stream, Self.level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)
        guard code == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw XLSXError.compression(code: code)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input` (at most `UInt32.max` bytes) and appends what zlib produces to `out`;
    /// with `finish`, also ends the stream.
    func deflate(_ input: UnsafeRawBufferPointer, finish: Bool, into out: inout [UInt8]) throws {
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
            out.append(contentsOf: output[0 ..< produced])
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
