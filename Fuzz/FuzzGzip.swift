// Fuzz/FuzzGzip.swift: libFuzzer target for ByteSource (gzip through zlib, or plain bytes),
// FeedReader.digest and SHA256 (SPEC section 3: gzip is orthogonal to the format; a gzip that
// fails its CRC or ends early is rejected whole).
//
// Each execution uses the input twice:
// 1. as a file: whatever it is (a gzip seed, a mutated one, plain text), reading it in one go
//    and in small reads gives the same bytes and the same error; plain input comes back as is;
// 2. as content: wrapped in one or two gzip members, it reads back exactly, its digest and
//    its CSV rows equal those of the plain file; cut inside its last member it is
//    `corrupt_gzip` after a prefix of the content; with one bit flipped it is an error or the
//    content itself. SHA256 fed in pieces equals SHA256 fed at once.

import CZlib
import MallCore
@testable import MallIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let hash = fnv1a(input)
    checkAsFile(input, hash: hash)
    checkAsContent(Array(input), hash: hash)
    checkSHA256Pieces(input, hash: hash)
    return 0
}

/// What a ByteSource served: its bytes (at most `limit`), then the end or an error.
struct Served: Equatable {
    var bytes: [UInt8] = []
    var error: FeedFileError?
    var hitLimit = false
}

/// Output read back from one file, at most 256 KiB of it (a mutated gzip may be a bomb).
let servedLimit = 256 << 10

func serve(_ path: String, chunk: Int) -> Served {
    var served = Served()
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 1)
    defer { buffer.deallocate() }
    do {
        let source = try ByteSource(path: path)
        while served.bytes.count < servedLimit {
            let n = try source.read(into: buffer)
            check(n >= 0 && n <= chunk, "read returned \(n) for a buffer of \(chunk)")
            if n == 0 {
                check((try? source.read(into: buffer)) == 0, "a source at its end stays at its end")
                return served
            }
            served.bytes += buffer[0..<n]
        }
        served.hitLimit = true
    } catch {
        served.error = error
    }
    return served
}

func checkAsFile(_ input: UnsafeBufferPointer<UInt8>, hash: UInt64) {
    let path = Scratch.path("input.bin")
    Scratch.write(input, to: path)
    let whole = serve(path, chunk: FeedLimits.readChunkBytes)
    let chunk = 1 + Int(hash % 64)
    let pieces = serve(path, chunk: chunk)
    // Bytes served before an error depend on where the reads fell (an error surfaces in the
    // read that meets it, and that read's bytes are dropped), so they need only agree.
    let common = min(whole.bytes.count, pieces.bytes.count)
    check(whole.bytes[0..<common] == pieces.bytes[0..<common], "reads of \(chunk) bytes serve other bytes")
    if !whole.hitLimit && !pieces.hitLimit {
        check(whole.error == pieces.error, "reads of \(chunk) bytes end with \(String(describing: pieces.error)), one read with \(String(describing: whole.error))")
        if whole.error == nil { check(whole.bytes == pieces.bytes, "reads of \(chunk) bytes serve other bytes") }
    }
    let isGzip = input.count >= 2 && input[0] == 0x1F && input[1] == 0x8B
    if !isGzip {
        check(whole.error == nil && whole.bytes == Array(input), "a plain file is served as it is")
    }
    if whole.error?.kind == .corruptGzip {
        // The digest reads the same stream, so it must reject the file too.
        check((try? FeedReader.digest(path: path)) == nil, "the digest of a corrupt gzip was taken")
    }
}

func checkAsContent(_ content: [UInt8], hash: UInt64) {
    let plainPath = Scratch.path("content.csv")
    Scratch.write(content, to: plainPath)
    // One member, or two split where the input says.
    let split = content.isEmpty || hash & 1 == 0 ? content.count : Int((hash >> 1) % UInt64(content.count + 1))
    let first = Gzip.member(Array(content[0..<split]), level: Int32((hash >> 8) % 10))
    let gz = first + (split < content.count ? Gzip.member(Array(content[split...]), level: 6) : [])
    let gzPath = Scratch.path("content.csv.gz")
    Scratch.write(gz, to: gzPath)

    let served = serve(gzPath, chunk: 1 + Int((hash >> 16) % 4096))
    check(served.error == nil && served.bytes == content, "gzip of the content does not read back: \(served.error.map(String.init(describing:)) ?? "other bytes")")

    // The digest and the CSV rows do not depend on the compression (unless the content is a
    // gzip itself: then the plain file is read as one).
    if !content.starts(with: [0x1F, 0x8B]) { checkSameAsPlain(content, plainPath: plainPath, gzPath: gzPath) }
    checkCutAndFlipped(content, gz: gz, lastStart: split < content.count ? first.count : 0, hash: hash)
}

func checkSameAsPlain(_ content: [UInt8], plainPath: String, gzPath: String) {
    let plainDigest = Result { () throws(FeedFileError) in try FeedReader.digest(path: plainPath) }
    let gzDigest = Result { () throws(FeedFileError) in try FeedReader.digest(path: gzPath) }
    switch (plainDigest, gzDigest) {
    case (.success(let a), .success(let b)): check(a == b, "digest \(b) of the gzip, \(a) of the plain file")
    case (.failure(let a), .failure(let b)): check(a.kind == b.kind && a.message == b.message, "digest errors differ: \(a) vs \(b)")
    default: check(false, "digest of the plain file \(plainDigest), of the gzip \(gzDigest)")
    }
    var plainRows = FeedRun.read(plainPath, format: .csv, chunk: FeedLimits.readChunkBytes, rowsMax: content.count + 1)
    var gzRows = FeedRun.read(gzPath, format: .csv, chunk: FeedLimits.readChunkBytes, rowsMax: content.count + 1)
    // Errors name their file; the rest must be equal.
    plainRows.error = plainRows.error.map { FeedFileError(kind: $0.kind, file: "", line: $0.line, column: $0.column, message: $0.message) }
    gzRows.error = gzRows.error.map { FeedFileError(kind: $0.kind, file: "", line: $0.line, column: $0.column, message: $0.message) }
    check(plainRows == gzRows, "CSV rows of the gzip differ from those of the plain file")
}

/// Cut inside the last member: corrupt, after a prefix of the content. (A file of one byte is
/// not gzip at all, so a single member is cut after its magic.)
func checkCutAndFlipped(_ content: [UInt8], gz: [UInt8], lastStart: Int, hash: UInt64) {
    let cutRange = max(lastStart + 1, 2)..<gz.count
    let cut = cutRange.lowerBound + Int((hash >> 24) % UInt64(cutRange.count))
    let cutPath = Scratch.path("cut.csv.gz")
    Scratch.write(Array(gz[0..<cut]), to: cutPath)
    let cutServed = serve(cutPath, chunk: FeedLimits.readChunkBytes)
    check(cutServed.error?.kind == .corruptGzip, "a gzip cut at \(cut) of \(gz.count) bytes was read without error")
    check(content.starts(with: cutServed.bytes), "a cut gzip served bytes that are not the content's")

    // One bit flipped, after the magic (without it the file is plain bytes): an error, or (a
    // header field zlib does not check) the content itself.
    var flipped = gz
    let bit = 16 + Int((hash >> 32) % UInt64(gz.count * 8 - 16))
    flipped[bit / 8] ^= UInt8(1 << (bit % 8))
    let flipPath = Scratch.path("flip.csv.gz")
    Scratch.write(flipped, to: flipPath)
    let flipServed = serve(flipPath, chunk: FeedLimits.readChunkBytes)
    check(flipServed.error != nil || flipServed.hitLimit || flipServed.bytes == content,
          "a gzip with bit \(bit) flipped read without error as other content")
}

func checkSHA256Pieces(_ input: UnsafeBufferPointer<UInt8>, hash: UInt64) {
    var once = SHA256()
    once.update(UnsafeRawBufferPointer(input))
    var pieces = SHA256()
    var at = 0
    var state = hash
    while at < input.count {
        let n = min(input.count - at, Int(state % 130))
        pieces.update(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(input)[at..<(at + n)]))
        at += n
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    }
    check(once.finalizeHex() == pieces.finalizeHex(), "SHA-256 fed in pieces differs from SHA-256 fed at once")
}

/// Gzip members made with zlib itself (deflate, gzip wrapper).
enum Gzip {
    static func member(_ bytes: [UInt8], level: Int32) -> [UInt8] {
        // zlib keeps a pointer back to its stream, so the stream must not move.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        let status = czlib_deflateInit2(stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY)
        precondition(status == Z_OK, "deflateInit2 failed")
        defer { deflateEnd(stream) }
        let capacity = Int(deflateBound(stream, UInt(bytes.count))) + 64
        var out = [UInt8](repeating: 0, count: capacity)
        var input = bytes
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.pointee.next_in = inBuf.baseAddress
                stream.pointee.avail_in = UInt32(inBuf.count)
                stream.pointee.next_out = outBuf.baseAddress
                stream.pointee.avail_out = UInt32(outBuf.count)
                let result = deflate(stream, Z_FINISH)
                precondition(result == Z_STREAM_END, "deflate did not finish (\(result))")
                return outBuf.count - Int(stream.pointee.avail_out)
            }
        }
        return Array(out[0..<produced])
    }
}
