// ByteCursor: bytes laid down one after another in memory the caller has made room for.
// Replay writes millions of feed rows of twenty-odd cells each; growing an array cell by cell
// (a capacity and uniqueness check and a generic copy per cell) cost more than the cells'
// bytes. A row is written here instead, into room sized for its longest form, and goes to the
// file's buffer in one append.

/// Writes bytes at `start`, `start + 1`, …: the caller guarantees room for all it writes
/// (`capacity`, checked in debug builds only: it is a bound the caller computed, not a guess).
public struct ByteCursor {
    public let start: UnsafeMutablePointer<UInt8>
    public let capacity: Int
    public private(set) var count = 0

    public init(_ room: UnsafeMutableBufferPointer<UInt8>) {
        start = room.baseAddress!
        capacity = room.count
    }

    /// What has been written.
    public var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }

    @inline(__always)
    public mutating func put(_ byte: UInt8) {
        assert(count < capacity, "ByteCursor: no room left")
        start[count] = byte
        count += 1
    }

    /// Copies `bytes`. Most cells are short: up to 16 bytes are moved as two words that
    /// overlap (each read and written inside the cell's bytes), without a call to `memcpy`.
    @inline(__always)
    public mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress else { return }
        let n = bytes.count
        assert(count + n <= capacity, "ByteCursor: no room left")
        let source = UnsafeRawPointer(from), target = UnsafeMutableRawPointer(start + count)
        if n >= 8, n <= 16 {
            let head = source.loadUnaligned(as: UInt64.self)
            let tail = source.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4, n < 8 {
            let head = source.loadUnaligned(as: UInt32.self)
            let tail = source.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            target.storeBytes(of: head, as: UInt32.self)
            target.storeBytes(of: tail, toByteOffset: n - 4, as: UInt32.self)
        } else {
            (start + count).update(from: from, count: n)
        }
        count += n
    }

    /// Overwrites the last byte written (a row's final separator becomes its line end).
    @inline(__always)
    public mutating func replaceLast(with byte: UInt8) {
        precondition(count > 0, "ByteCursor: nothing written")
        start[count - 1] = byte
    }

    /// Room for `body` to write at most `bytes` bytes directly; it returns how many it wrote.
    @inline(__always)
    public mutating func write(atMost bytes: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        assert(count + bytes <= capacity, "ByteCursor: no room left")
        let wrote = body(UnsafeMutableBufferPointer(start: start + count, count: bytes))
        assert(wrote <= bytes)
        count += wrote
    }
}

extension Array where Element == UInt8 {
    /// Appends what `body` writes through a cursor with room for `bytes` bytes (on the stack
    /// when it is small): the array forms of the cursor writers (CSV cells, timestamps,
    /// journal lines) are this around their cursor form.
    @inline(__always)
    public mutating func append(writingAtMost bytes: Int, _ body: (inout ByteCursor) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes) { room in
            var out = ByteCursor(room)
            body(&out)
            append(contentsOf: out.written)
        }
    }
}

/// Room for rows written through a `ByteCursor`, grown to the longest row asked for. One per
/// writer (not shared between threads).
public final class ByteRoom {
    private var room: UnsafeMutableBufferPointer<UInt8>

    public init(bytes: Int = 4096) {
        room = .allocate(capacity: max(bytes, 64))
    }

    deinit { room.deallocate() }

    /// A cursor at the start of room for at least `bytes` bytes (what was written through an
    /// earlier cursor is given up).
    @inline(__always)
    public func cursor(forAtMost bytes: Int) -> ByteCursor {
        if bytes > room.count {
            room.deallocate()
            room = .allocate(capacity: max(bytes, room.count * 2))
        }
        return ByteCursor(room)
    }
}
