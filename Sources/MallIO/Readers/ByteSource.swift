// Readers/ByteSource.swift: the bytes of a feed file, in bounded chunks, gunzipped on the
// fly when the file is gzip. SPEC section 3: "A gzip file that fails its CRC or ends early is
// rejected whole". Memory stays bounded whatever the compression ratio (no gzip-bomb limit
// is needed: nothing is ever held whole).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
internal import CZlib

/// A file's content, read front to back in chunks. A file whose first two bytes are the
/// gzip magic `1f 8b` is inflated (whatever its name); several concatenated gzip members are
/// one stream, as `gzip -d` treats them. Errors: `unreadable` (open/read failure) and
/// `corruptGzip` (bad header, data, CRC or length; input ending before a member's end;
/// bytes after a member that are not another gzip member).
public final class ByteSource {
    /// The path as given.
    public let path: String
    /// True when the file is gzip and its inflated content is served.
    public let isGzip: Bool
    private let file: FileHandleFD
    /// Bytes read from the file for sniffing that the plain path has not served yet.
    private var sniffed: [UInt8]
    private var sniffedOffset = 0
    private let inflater: GzipInflater?

    /// Opens `path` and sniffs the gzip magic.
    public init(path: String) throws(FeedFileError) {
        self.path = path
        file = try FileHandleFD(path: path)
        let head = UnsafeMutableRawBufferPointer.allocate(byteCount: 2, alignment: 1)
        defer { head.deallocate() }
        var headCount = 0
        while headCount < 2 {
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: head[headCount...]))
            if n == 0 { break }
            headCount += n
        }
        sniffed = Array(head[0..<headCount])
        isGzip = headCount == 2 && head[0] == 0x1f && head[1] == 0x8b
        inflater = isGzip ? try GzipInflater(path: path) : nil
    }

    /// Fills the start of `buffer` with the next bytes of the (decompressed) content and
    /// returns how many; 0 only at the end of the content.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FeedFileError) -> Int {
        guard buffer.count > 0 else { return 0 }
        if let inflater {
            return try inflater.inflate(into: buffer, sniffed: &sniffed, sniffedOffset: &sniffedOffset, file: file)
        }
        if sniffedOffset < sniffed.count {
            let n = min(buffer.count, sniffed.count - sniffedOffset)
            for i in 0..<n { buffer[i] = sniffed[sniffedOffset + i] }
            sniffedOffset += n
            return n
        }
        return try file.read(into: buffer)
    }
}

/// A POSIX file descriptor, closed on deinit. Reads retry on EINTR.
private final class FileHandleFD {
    let path: String
    private let fd: Int32

    init(path: String) throws(FeedFileError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw FeedFileError(kind: .unreadable, file: path, message: "cannot open: \(errnoText())")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FeedFileError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            #if canImport(Glibc)
            let n = Glibc.read(fd, base, buffer.count)
            #elseif canImport(Musl)
            let n = Musl.read(fd, base, buffer.count)
            #else
            let n = Darwin.read(fd, base, buffer.count)
            #endif
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw FeedFileError(kind: .unreadable, file: path, message: "cannot read: \(errnoText())")
        }
    }
}

private func errnoText() -> String {
    String(cString: strerror(errno))
}

/// zlib inflate over gzip members (windowBits 31: gzip wrapper only, CRC-32 and ISIZE
/// checked by zlib). The z_stream lives at a fixed address because zlib keeps a pointer back
/// to it and refuses a stream that moved.
final class GzipInflater {
    /// Compressed bytes read from the file per refill.
    private static let inputChunkBytes = 256 << 10

    private let path: String
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var inputEOF = false
    /// True between members: the previous member ended cleanly (CRC and length checked).
    private var atMemberBoundary = false
    /// True once the stream failed; every later call fails the same way.
    private var failed = false

    init(path: String) throws(FeedFileError) {
        self.path = path
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: Self.inputChunkBytes, alignment: 16)
        let status = czlib_inflateInit2(stream, 31)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            input.deallocate()
            throw FeedFileError(kind: .unreadable, file: path, message: "zlib inflateInit2 failed (\(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// Inflates into `out`; returns the byte count, 0 only at the clean end of the last member.
    fileprivate func inflate(
        into out: UnsafeMutableRawBufferPointer, sniffed: inout [UInt8], sniffedOffset: inout Int, file: FileHandleFD
    ) throws(FeedFileError) -> Int {
        if failed { throw corrupt("the gzip stream is corrupt") }
        let outBase = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.pointee.next_out = outBase
        stream.pointee.avail_out = UInt32(clamping: out.count)
        let outCapacity = Int(stream.pointee.avail_out)
        while true {
            if stream.pointee.avail_in == 0 && !inputEOF {
                try refill(sniffed: &sniffed, sniffedOffset: &sniffedOffset, file: file)
            }
            if stream.pointee.avail_in == 0 && inputEOF {
                if atMemberBoundary { return outCapacity - Int(stream.pointee.avail_out) }
                failed = true
                throw corrupt("the gzip stream ends early (truncated)")
            }
            if atMemberBoundary {
                // More input after a complete member: it must be another gzip member.
                guard inflateReset(stream) == Z_OK else {
                    failed = true
                    throw corrupt("cannot restart inflate for the next gzip member")
                }
                atMemberBoundary = false
            }
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_STREAM_END:
                atMemberBoundary = true
            case Z_OK, Z_BUF_ERROR:
                break  // Z_BUF_ERROR: no progress possible without more input; refilled above.
            default:
                failed = true
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw corrupt("the gzip stream is corrupt: \(detail)")
            }
            let produced = outCapacity - Int(stream.pointee.avail_out)
            if produced == outCapacity { return produced }
            if produced > 0 && stream.pointee.avail_in == 0 && !atMemberBoundary { return produced }
        }
    }

    private func refill(sniffed: inout [UInt8], sniffedOffset: inout Int, file: FileHandleFD) throws(FeedFileError) {
        let base = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var count = 0
        while sniffedOffset < sniffed.count {
            base[count] = sniffed[sniffedOffset]
            count += 1
            sniffedOffset += 1
        }
        let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: input[count...]))
        count += n
        if n == 0 { inputEOF = true }
        stream.pointee.next_in = base
        stream.pointee.avail_in = UInt32(count)
    }

    private func corrupt(_ message: String) -> FeedFileError {
        FeedFileError(kind: .corruptGzip, file: path, message: message)
    }
}
