// Arguments: `mallsettle <command> [options]`, options after the command in any order.

import Foundation
import MallCore

/// A usage error: exit 2 with the message and a pointer to `--help`.
struct UsageError: Error {
    let message: String
}

/// Parsed options and positional arguments.
struct Arguments {
    var command: String
    var options: [String: String] = [:]
    /// Every value of an option given more than once, in order (`whatif --config A --config B`).
    var repeated: [String: [String]] = [:]
    var flags: Set<String> = []
    var positional: [String] = []

    /// Options that take a value, and flags that do not.
    static let valued: Set<String> = ["--db", "--config", "--reports", "--date", "--pipeline", "--inbox", "--through",
                                      "--supplier", "--period", "--buyer", "--out", "--journal", "--catalog",
                                      "--replay", "--days", "--orders-per-day", "--suppliers", "--buyers", "--seed",
                                      "--start", "--from", "--to"]
    static let flagNames: Set<String> = ["--help", "-h", "--json", "--quiet", "--progress"]

    init(_ argv: [String]) throws {
        guard let first = argv.first else { throw UsageError(message: "no command given") }
        command = first
        var index = 1
        while index < argv.count {
            let word = argv[index]
            if Arguments.flagNames.contains(word) {
                flags.insert(word == "-h" ? "--help" : word)
            } else if let equals = word.firstIndex(of: "="), word.hasPrefix("--"),
                      Arguments.valued.contains(String(word[..<equals])) {
                let name = String(word[..<equals])
                options[name] = String(word[word.index(after: equals)...])
                repeated[name, default: []].append(options[name]!)
            } else if Arguments.valued.contains(word) {
                guard index + 1 < argv.count else { throw UsageError(message: "\(word) needs a value") }
                options[word] = argv[index + 1]
                repeated[word, default: []].append(argv[index + 1])
                index += 1
            } else if word.hasPrefix("--") {
                throw UsageError(message: "unknown option \(word)")
            } else {
                positional.append(word)
            }
            index += 1
        }
    }

    func value(_ name: String) -> String? { options[name] }

    /// The date given as `name`, or nil when not given; a value that is not `YYYY-MM-DD`, or
    /// a date that does not exist (`2026-02-30`), is a usage error saying which.
    func day(_ name: String) throws -> Day? {
        guard let text = options[name] else { return nil }
        return try Arguments.day(text, option: name)
    }

    static func day(_ text: String, option: String) throws -> Day {
        if let day = Day(parsing: text) { return day }
        let bytes = Array(text.utf8)
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let shaped = bytes.count == 10 && bytes[4] == UInt8(ascii: "-") && bytes[7] == UInt8(ascii: "-")
            && bytes.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 7 || isDigit($0.element) }
        guard shaped else { throw UsageError(message: "\(option) '\(text)' is not a date: write it as YYYY-MM-DD") }
        throw UsageError(message: "\(option) '\(text)': there is no such date")
    }
    func values(_ name: String) -> [String] { repeated[name] ?? [] }

    /// Refuses, as a usage error saying why, a file that cannot be read: `cannot read F: no
    /// such file` (or `permission denied`, `it is a folder, not a file`, …).
    static func requireReadable(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFDIR { throw UsageError(message: "cannot read \(path): it is a folder, not a file") }
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 {
                close(descriptor)
                return
            }
        }
        let why: String
        switch errno {
        case ENOENT: why = "no such file"
        case EACCES, EPERM: why = "permission denied"
        case ENOTDIR: why = "a folder on its path is a file"
        default: why = String(cString: strerror(errno)).lowercased()
        }
        throw UsageError(message: "cannot read \(path): \(why)")
    }
    var wantsHelp: Bool { flags.contains("--help") }

    /// Refuses options the command does not take.
    func allowOnly(_ allowed: Set<String>) throws {
        if let stray = options.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw UsageError(message: "\(command) does not take \(stray)")
        }
    }
}
