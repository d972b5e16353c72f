// MallClock: the one clock the program reads. Commands get the system clock; tests get a
// `ManualClock` that stands still until the test moves it, so run records, stage timings and
// progress stamps are the test's to choose.

import Foundation

/// Where the time comes from: the wall clock for records, and a clock that never goes back
/// for measuring how long something took.
public protocol MallClock: Sendable {
    /// The wall-clock time now.
    func now() -> Instant
    /// A reading for durations, in nanoseconds from an arbitrary start; never decreases.
    func elapsedNanos() -> UInt64
}

extension MallClock {
    /// `now()` cut to whole milliseconds, in UTC: how run records note when a run started
    /// and finished (`2026-11-11T01:02:03.456Z`, trailing zeros of the fraction left out).
    public func timestamp() -> String {
        let millis = now().nanos / 1_000_000
        return Instant(nanos: millis * 1_000_000).description
    }
}

/// The operating system's clocks.
public struct SystemClock: MallClock {
    public init() {}

    public func now() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(nanos: Int64(spec.tv_sec) * Instant.nanosPerSecond + Int64(spec.tv_nsec))
    }

    public func elapsedNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * UInt64(Instant.nanosPerSecond) + UInt64(spec.tv_nsec)
    }
}

/// A clock for tests: it shows `start` and moves only when `advance` or `set` is called;
/// both readings move together.
public final class ManualClock: MallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Instant
    private var elapsed: UInt64 = 0

    public init(_ start: Instant) { current = start }

    public func now() -> Instant { lock.withLock { current } }
    public func elapsedNanos() -> UInt64 { lock.withLock { elapsed } }

    /// Moves both readings forward by `nanos` (≥ 0).
    public func advance(nanos: Int64) {
        precondition(nanos >= 0, "a clock does not go back")
        lock.withLock {
            current = Instant(nanos: current.nanos + nanos)
            elapsed += UInt64(nanos)
        }
    }
}
