// HashSlots: where entries already added lie, found by a 64-bit hash the entry carries, so
// that a line adds to its SKU's sums (or notes its buyer) without hashing texts again.

/// An open-addressing table of entry positions keyed by a precomputed 64-bit hash (linear
/// probing, at most half full). It holds positions only, four bytes a slot: the caller keeps
/// the entries, tells for each position probed whether its entry is the one looked for (a
/// key compares its hash first), and hands over the entries' hashes when the table grows.
///
/// A caller that may stop looking up tells the table what each look-up found (`noteFound`,
/// `noteNew`); the table gives up when most entries are new.
struct HashSlots {
    /// Position + 1 per slot; 0: empty.
    private var positions: [Int32] = []
    private var count = 0
    private var shift = 64
    /// Look-ups noted so far; -1 once the table gave up (`noteNew`).
    private(set) var lookUps = 0

    /// The position of the entry with `hash` for which `isIt` holds, if added.
    func position(of hash: UInt64, where isIt: (Int) -> Bool) -> Int? {
        guard count > 0 else { return nil }
        var slot = self.slot(hash)
        let mask = positions.count - 1
        while positions[slot] != 0 {
            if isIt(Int(positions[slot]) - 1) { return Int(positions[slot]) - 1 }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Whether the next `add` must wait for `grow`.
    var isFull: Bool { (count + 1) * 2 > positions.count }

    /// Doubles the table; `hashes` are the hashes of the entries added, in order of position.
    mutating func grow<Hashes: Sequence<UInt64>>(_ hashes: Hashes) {
        let size = max(64, positions.count * 2)
        shift = 64 - size.trailingZeroBitCount
        positions = Array(repeating: 0, count: size)
        for (position, hash) in hashes.enumerated() { place(hash, Int32(position + 1)) }
    }

    /// Notes an entry with `hash` at `position` (the next one); the caller has found no equal
    /// one, and grown the table when it was full.
    mutating func add(_ hash: UInt64, at position: Int) {
        precondition(!isFull, "HashSlots.add on a full table: grow it first")
        place(hash, Int32(position + 1))
        count += 1
    }

    /// The entry looked up was found.
    mutating func noteFound() { lookUps += 1 }

    /// The entry looked up was not found: it is added at `position` (`hashes`: those of the
    /// entries added before, should the table grow). Unless, `judgedAfter` look-ups in, at
    /// least half of them were new entries: then the table gives up, lets its slots go and
    /// finds nothing again, and the caller keeps its entries without looking them up.
    mutating func noteNew<Hashes: Sequence<UInt64>>(_ hash: UInt64, at position: Int, judgedAfter: Int, hashes: Hashes) {
        guard lookUps >= 0 else { return }
        lookUps += 1
        if lookUps >= judgedAfter && count * 2 >= lookUps {
            self = HashSlots()
            lookUps = -1
            return
        }
        if isFull { grow(hashes) }
        add(hash, at: position)
    }

    /// Fibonacci hashing: the top bits of the hash times the golden ratio pick the slot.
    private func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    private mutating func place(_ hash: UInt64, _ stored: Int32) {
        let mask = positions.count - 1
        var slot = self.slot(hash)
        while positions[slot] != 0 { slot = (slot + 1) & mask }
        positions[slot] = stored
    }
}
