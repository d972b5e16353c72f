// ByteOrder: texts compared byte by byte, as SQLite's BINARY collation orders them: every
// sort of ids, keys and names whose order an output or the store depends on uses it.

import Foundation

/// Whether text `a` comes before text `b` in byte order (a text comes before any longer text it
/// begins), their UTF-8 bytes compared in place (`memcmp`).
func bytesBefore(_ a: String, _ b: String) -> Bool {
    var (a, b) = (a, b)
    return a.withUTF8 { x in
        b.withUTF8 { y in
            let common = min(x.count, y.count)
            let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
            return order != 0 ? order < 0 : x.count < y.count
        }
    }
}
