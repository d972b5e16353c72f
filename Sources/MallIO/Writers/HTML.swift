// HTML escaping (SPEC §10: "HTML output escapes every value"). Every value that goes into a
// statement or report page passes through `HTML.escape`, in text and in attributes alike.

/// HTML helpers.
public enum HTML {
    /// Escapes `&`, `<`, `>`, `"` and `'`, which makes `s` safe both as element text and as
    /// a quoted attribute value. Strings with nothing to escape are returned unchanged.
    public static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: isSpecial) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"):
            return true
        default:
            return false
        }
    }
}
