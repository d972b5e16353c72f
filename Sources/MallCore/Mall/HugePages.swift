// HugePages: the mall core's big record arrays backed by 2 MiB pages where the system allows.
// A replay of a million orders fills about 350 MB of records it reserved at the start; page
// by page (4 KiB), the first write to each page stopped the core's thread in the kernel for
// a tenth of its time. It is advice: where huge pages are off or none is free, the kernel
// uses small pages as before, and what the arrays hold is the same either way.
import Foundation

enum HugePages {
    /// Smallest reservation worth the advice: one huge page.
    static let bytesMin = 2 << 20

    /// Advises huge pages for the room `array` has reserved (its capacity, whole pages
    /// inside it). True when the kernel took the advice. Call it right after reserving: the
    /// advice applies to this buffer, and an array that outgrows its capacity moves.
    @discardableResult
    static func advise<T>(_ array: inout [T]) -> Bool {
        let bytes = array.capacity * MemoryLayout<T>.stride
        guard bytes >= bytesMin else { return false }
        return array.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
            let start = UInt(bitPattern: UnsafeMutableRawPointer(base))
            let first = (start + page - 1) & ~(page - 1)
            let end = (start + UInt(bytes)) & ~(page - 1)
            guard end > first else { return false }
            return madvise(UnsafeMutableRawPointer(bitPattern: first), Int(end - first), MADV_HUGEPAGE) == 0
        }
    }
}
