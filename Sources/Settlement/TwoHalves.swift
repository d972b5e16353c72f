// TwoHalves: one piece of work done on the two halves of a range at once, this thread and one
// other, for the few places where a night's one busy thread has a long, divisible loop (the
// ranking's CSV rows, the configuration's credit accounts) while the other core waits.

import Dispatch

enum TwoHalves {
    /// The two halves of `0..<count`, the first the shorter when `count` is odd.
    private static func halves(_ count: Int) -> [Range<Int>] { [0..<count / 2, count / 2..<count] }

    /// `work` on each of the `halves` of `0..<count` at once; the two results in that order.
    static func run<Result>(_ count: Int, _ work: @Sendable (Range<Int>) -> Result) -> [Result] {
        let ranges = halves(count)
        var results: [Result?] = [nil, nil]
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = Slots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: 2) { part in slots.set(part, work(ranges[part])) }
        }
        return results.map { $0! }
    }

    /// The two results' places: each written by one thread only, and read after both finished.
    private struct Slots<Result>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Result?>
        func set(_ index: Int, _ result: Result) { buffer[index] = result }
    }
}
