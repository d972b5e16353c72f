// GeneratorText: the few texts the journal generator writes: ids built from bytes (they are made
// millions of times, so no string interpolation or formatting on that path), money as decimal
// text and JSON string literals for the configuration.

enum GeneratorText {
    /// `prefix` + `date` (the `YYYYMMDD` bytes) + `sequence` zero-padded to `width` digits; a
    /// sequence with more digits than `width` is written in full, so ids never collide.
    static func dated(_ prefix: [UInt8], _ date: [UInt8], _ sequence: Int, width: Int) -> String {
        precondition(sequence >= 0, "id sequences start at 0")
        var digits = 1
        var power = 10
        while power <= sequence { digits += 1; power *= 10 }
        let count = prefix.count + date.count + max(digits, width)
        return String(unsafeUninitializedCapacity: count) { buffer in
            var index = 0
            for byte in prefix { buffer[index] = byte; index += 1 }
            for byte in date { buffer[index] = byte; index += 1 }
            var value = sequence
            var position = count - 1
            while position >= index {
                buffer[position] = UInt8(48 + value % 10)
                value /= 10
                position -= 1
            }
            return count
        }
    }

    /// `prefix` + `number` zero-padded to `width` digits: `SUP-0001`, `EMP-000042`.
    static func numbered(_ prefix: String, _ number: Int, width: Int) -> String {
        dated(Array(prefix.utf8), [], number, width: width)
    }

    /// A child order id: `{orderID}-{k}`, k from 1 (SPEC §13, the order split).
    static func child(_ orderID: String, _ k: Int) -> String { MallState.childOrderID(orderID, k) }

    /// The `YYYYMMDD` bytes of a date.
    static func dateBytes(_ day: Day) -> [UInt8] { Array(day.compact.utf8) }
}
