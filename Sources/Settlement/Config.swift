// Config: the mall configuration (SPEC §4), read and checked before anything is written.

import Foundation
import MallCore
import MallIO

/// A configuration error naming the file, the line and column (1-based; 0 when the file could
/// not be read) and the JSON path of the bad value: `mall.json:14:23: $.suppliers[1].cycle_day: …`.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int
    public let column: Int
    public let path: String
    public let message: String

    public init(file: String, line: Int = 0, column: Int = 0, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(path): \(message)" : "\(file): \(path): \(message)"
    }
}

public enum SupplierMode: String, Sendable { case commission, purchase }
public enum Ships: String, Sendable { case supplier, platform }
public enum SettleOn: String, Sendable { case completed, paid }

/// A configured supplier.
public struct Supplier: Sendable {
    public let id: String
    public let name: String
    public let mode: SupplierMode
    public let ships: Ships
    public let cycle: Cycle
    public let settleOn: SettleOn
    public let entity: String
}

/// The fee kinds a rule may name, and the value each carries.
public enum FeeKind: String, Sendable, CaseIterable {
    case commission, payment_fee, refund_admin, delivery_fee, warehousing_fee, return_service_fee

    /// Rate kinds carry `rate_ppm`; the others carry `per_unit` money.
    public var isRate: Bool { self == .commission || self == .payment_fee || self == .refund_admin }
}

/// One fee rule with its selectors (SPEC §4).
public struct FeeRule: Sendable {
    public let index: Int
    public let fee: FeeKind
    public let ratePPM: Int64?
    public let perUnit: Money?
    public let supplierID: String?
    public let category: String?
    public let sku: String?
    public let channel: String?
    public let effectiveFrom: Day?
    public let effectiveTo: Day?
    public let reversible: Bool
    /// Depth of the category path (none = 0).
    public let categoryDepth: Int

    public init(index: Int, fee: FeeKind, ratePPM: Int64?, perUnit: Money?, supplierID: String?, category: String?,
                sku: String?, channel: String?, effectiveFrom: Day?, effectiveTo: Day?, reversible: Bool) {
        self.index = index
        self.fee = fee
        self.ratePPM = ratePPM
        self.perUnit = perUnit
        self.supplierID = supplierID
        self.category = category
        self.sku = sku
        self.channel = channel
        self.effectiveFrom = effectiveFrom
        self.effectiveTo = effectiveTo
        self.reversible = reversible
        categoryDepth = category.map { $0.split(separator: "/").count } ?? 0
    }
}

/// The whole configuration.
public struct MallConfig: Sendable {
    public let file: String
    public let timezone: String
    public let calendar: BusinessCalendar
    public let currency: String
    public let orphanWindowDays: Int
    public let reconcileWindowDays: Int
    public let suppliers: [Supplier]
    public let supplierByID: [String: Supplier]

    /// The supplier configured under exactly `id`, byte for byte: a feed's `Café` in NFD is
    /// not the configured `Café` in NFC (SPEC §3), though Swift's `==` says they are.
    public func supplier(exactly id: String) -> Supplier? {
        guard let supplier = supplierByID[id], supplier.id.utf8.elementsEqual(id.utf8) else { return nil }
        return supplier
    }
    public let feeRules: [FeeRule]
    /// The configured rebate policies and credit accounts, kept as read for the later stages.
    public let rebateCount: Int
    public let creditAccountCount: Int
    /// The credit accounts (SPEC §8), checked, in the order configured.
    public let creditAccounts: [CreditAccount]
    /// The rebate policies (SPEC §7), checked, in the order configured.
    public let rebatePolicies: [RebatePolicy]

    /// Reads and checks `path`; any problem throws a `ConfigError` naming the line, column
    /// and JSON path.
    public static func load(path: String) throws -> MallConfig {
        try parse(JSONFields.load(path: path, what: "configuration file"))
    }

    /// Reads and checks the configuration text `json`, as if read from `file`.
    public static func parse(_ json: String, file: String) throws -> MallConfig {
        try parse(JSONFields(file: file, document: Array(json.utf8)))
    }

    private static func parse(_ reader: JSONFields) throws -> MallConfig {
        let file = reader.file
        let root = try reader.object(reader.root, at: "$")
        try reader.allow(root, ["timezone", "currency", "orphan_window_days", "reconcile_window_days",
                                "suppliers", "fee_rules", "rebates", "credit_accounts"], at: "$")
        let timezone = try reader.string(root["timezone"], at: "$.timezone") ?? "Asia/Shanghai"
        guard let calendar = BusinessCalendar(timezone: timezone) else {
            throw reader.error("$.timezone", "'\(timezone)' is not a known IANA timezone")
        }
        let currency = try reader.string(root["currency"], at: "$.currency") ?? "CNY"
        guard currency.utf8.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw reader.error("$.currency", "'\(currency)' is not an ISO 4217 code like CNY")
        }
        let orphanDays = try reader.integer(root["orphan_window_days"], at: "$.orphan_window_days", range: 0...3650) ?? 3
        let reconcileDays = try reader.integer(root["reconcile_window_days"], at: "$.reconcile_window_days", range: 0...3650) ?? 2

        var suppliers: [Supplier] = []
        var byID: [String: Supplier] = [:]
        for (index, element) in try reader.array(root["suppliers"], at: "$.suppliers").enumerated() {
            let at = "$.suppliers[\(index)]"
            let supplier = try parseSupplier(element, at: at, reader: reader)
            guard byID[supplier.id] == nil else {
                throw reader.error("\(at).id", "supplier '\(supplier.id)' is configured twice")
            }
            byID[supplier.id] = supplier
            suppliers.append(supplier)
        }
        var rules: [FeeRule] = []
        for (index, element) in try reader.array(root["fee_rules"], at: "$.fee_rules").enumerated() {
            rules.append(try parseRule(element, index: index, reader: reader))
        }
        try checkConflicts(rules, reader: reader)
        let rebates = try RebatePolicy.parseAll(root["rebates"], reader: reader)
        let credit = try CreditAccount.parseAll(root["credit_accounts"], reader: reader)
        return MallConfig(file: file, timezone: timezone, calendar: calendar, currency: currency,
                          orphanWindowDays: orphanDays, reconcileWindowDays: reconcileDays,
                          suppliers: suppliers, supplierByID: byID, feeRules: rules,
                          rebateCount: rebates.count, creditAccountCount: credit.count, creditAccounts: credit,
                          rebatePolicies: rebates)
    }

    private static func parseSupplier(_ element: JSONValue, at: String, reader: JSONFields) throws -> Supplier {
        let fields = try reader.object(element, at: at)
        try reader.allow(fields, ["id", "name", "mode", "ships", "cycle", "cycle_day", "settle_on", "entity"], at: at)
        let id = try reader.requiredString(fields["id"], at: "\(at).id")
        let name = try reader.string(fields["name"], at: "\(at).name") ?? id
        let mode = try reader.choice(fields["mode"], at: "\(at).mode", SupplierMode.self)
        let ships = try reader.choice(fields["ships"], at: "\(at).ships", Ships.self)
        let settleOn = try reader.choice(fields["settle_on"], at: "\(at).settle_on", SettleOn.self)
        let entity = try reader.requiredString(fields["entity"], at: "\(at).entity")
        let cycleName = try reader.requiredString(fields["cycle"], at: "\(at).cycle")
        let cycle: Cycle
        switch cycleName {
        case "monthly":
            let day = try reader.integer(fields["cycle_day"], at: "\(at).cycle_day", range: 1...28)
            guard let day else { throw reader.error("\(at).cycle_day", "a monthly cycle needs cycle_day 1..28") }
            cycle = .monthly(startDay: day)
        case "weekly":
            let day = try reader.integer(fields["cycle_day"], at: "\(at).cycle_day", range: 1...7)
            guard let day else { throw reader.error("\(at).cycle_day", "a weekly cycle needs cycle_day 1..7 (Monday = 1)") }
            cycle = .weekly(startWeekday: day)
        case "semimonthly", "daily":
            if fields["cycle_day"] != nil {
                throw reader.error("\(at).cycle_day", "a \(cycleName) cycle takes no cycle_day")
            }
            cycle = cycleName == "daily" ? .daily : .semimonthly
        default:
            throw reader.error("\(at).cycle", "'\(cycleName)' is not one of monthly, semimonthly, weekly, daily")
        }
        for (key, value) in [("id", id), ("entity", entity)] {
            if value.isEmpty || value.utf8.count > 64 { throw reader.error("\(at).\(key)", "must be 1 to 64 characters") }
            // Sheet ids are made of these and name the statement folders: nothing that could
            // reach outside them (`/`, `..`, control characters) is allowed.
            let safe = value.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                    || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
            }
            if !safe || value.hasPrefix(".") {
                throw reader.error("\(at).\(key)", "'\(value)' may hold only letters A-Z and a-z, digits, '-', '_' and '.', and may not start with '.'")
            }
        }
        return Supplier(id: id, name: name, mode: mode, ships: ships, cycle: cycle, settleOn: settleOn, entity: entity)
    }

    private static func parseRule(_ element: JSONValue, index: Int, reader: JSONFields) throws -> FeeRule {
        let at = "$.fee_rules[\(index)]"
        let fields = try reader.object(element, at: at)
        try reader.allow(fields, ["fee", "rate_ppm", "per_unit", "supplier_id", "category", "sku", "channel",
                                  "effective_from", "effective_to", "reversible"], at: at)
        let fee = try reader.choice(fields["fee"], at: "\(at).fee", FeeKind.self)
        var rate: Int64?
        var perUnit: Money?
        if fee.isRate {
            guard fields["per_unit"] == nil else { throw reader.error("\(at).per_unit", "a \(fee.rawValue) rule takes rate_ppm, not per_unit") }
            guard let value = try reader.integer(fields["rate_ppm"], at: "\(at).rate_ppm", range: 0...1_000_000) else {
                throw reader.error("\(at).rate_ppm", "a \(fee.rawValue) rule needs rate_ppm (parts per million, 8% = 80000)")
            }
            rate = Int64(value)
        } else {
            guard fields["rate_ppm"] == nil else { throw reader.error("\(at).rate_ppm", "a \(fee.rawValue) rule takes per_unit, not rate_ppm") }
            let text = try reader.requiredString(fields["per_unit"], at: "\(at).per_unit")
            switch Money.parse(text) {
            case .success(let money) where money.fen >= 0: perUnit = money
            case .success: throw reader.error("\(at).per_unit", "must not be negative")
            case .failure(let failure): throw reader.error("\(at).per_unit", failure.message)
            }
        }
        let channel = try reader.string(fields["channel"], at: "\(at).channel")
        if channel != nil && fee != .payment_fee {
            throw reader.error("\(at).channel", "only payment_fee rules may name a channel")
        }
        let reversible = try reader.bool(fields["reversible"], at: "\(at).reversible") ?? false
        if fields["reversible"] != nil && fee != .payment_fee {
            throw reader.error("\(at).reversible", "only payment_fee rules are reversible or not")
        }
        let from = try reader.day(fields["effective_from"], at: "\(at).effective_from")
        let to = try reader.day(fields["effective_to"], at: "\(at).effective_to")
        if let from, let to, to <= from {
            throw reader.error("\(at).effective_to", "must be after effective_from")
        }
        var category = try reader.string(fields["category"], at: "\(at).category")
        if let path = category {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
                throw reader.error("\(at).category", "'\(path)' is not a category path like digital/phone")
            }
            category = parts.joined(separator: "/")
        }
        return FeeRule(index: index, fee: fee, ratePPM: rate, perUnit: perUnit,
                       supplierID: try reader.string(fields["supplier_id"], at: "\(at).supplier_id"),
                       category: category, sku: try reader.string(fields["sku"], at: "\(at).sku"),
                       channel: channel, effectiveFrom: from, effectiveTo: to, reversible: reversible)
    }

    /// Two rules of one fee conflict when they name the same selectors with the same values
    /// and their windows overlap (SPEC §4).
    private static func checkConflicts(_ rules: [FeeRule], reader: JSONFields) throws {
        for (i, a) in rules.enumerated() {
            for b in rules[(i + 1)...] where a.fee == b.fee {
                guard a.supplierID == b.supplierID, a.category == b.category, a.sku == b.sku,
                      a.channel == b.channel else { continue }
                let aStart = a.effectiveFrom?.ordinal ?? Int.min, aEnd = a.effectiveTo?.ordinal ?? Int.max
                let bStart = b.effectiveFrom?.ordinal ?? Int.min, bEnd = b.effectiveTo?.ordinal ?? Int.max
                if aStart < bEnd && bStart < aEnd {
                    throw reader.error("$.fee_rules[\(b.index)]",
                                       "conflicts with fee_rules[\(a.index)]: same fee and selectors, overlapping dates")
                }
            }
        }
    }
}

/// A JSON object's members in their order, looked up by name. The parser has refused a name
/// given twice; objects here have a handful of members, so a search beats hashing each name.
struct JSONMembers {
    let members: [(String, JSONValue)]

    subscript(name: String) -> JSONValue? {
        members.first { $0.0 == name }?.1
    }
}

/// Strict readers for a configuration or pipeline file parsed by MallIO's `JSONParser` (the
/// reader the journals use), each naming the JSON path on failure. An error is located by
/// walking its path from the root as far as the document goes: a bad value's own line and
/// column, or the object a missing field belongs in.
struct JSONFields {
    let file: String
    private let document: [UInt8]
    let root: JSONValue

    /// Parses `document`; a syntax error is a `ConfigError` at `$` with its line and column.
    init(file: String, document: [UInt8]) throws {
        self.file = file
        self.document = document
        do {
            root = try JSONParser.parse(document)
        } catch {
            throw ConfigError(file: file, line: error.line, column: error.column, path: "$",
                              message: "not valid JSON: \(error.message)")
        }
    }

    /// Reads `path` and parses it; a file that cannot be read is a `ConfigError` naming `what`.
    static func load(path: String, what: String) throws -> JSONFields {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, path: "$", message: "cannot read the \(what): \(whyUnreadable(path))")
        }
        return try JSONFields(file: path, document: Array(data))
    }

    /// Why `path` cannot be read, as a person would say it.
    static func whyUnreadable(_ path: String) -> String {
        var info = stat()
        if stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR { return "it is a folder, not a file" }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            close(descriptor)
            return "it could not be read whole"
        }
        switch errno {
        case ENOENT: return "no such file"
        case EACCES, EPERM: return "permission denied"
        default: return String(cString: strerror(errno)).lowercased()
        }
    }

    func error(_ path: String, _ message: String) -> ConfigError {
        let position = JSONPosition(bytes: document, offset: JSONFields.value(at: path, in: root).offset)
        return ConfigError(file: file, line: position.line, column: position.column, path: path, message: message)
    }

    /// The deepest value along `path` (`$`, then `.name` and `[index]` steps) that exists.
    static func value(at path: String, in root: JSONValue) -> JSONValue {
        var value = root
        var rest = Substring(path.hasPrefix("$") ? path.dropFirst() : Substring(path))
        while let first = rest.first {
            let step = rest.dropFirst().prefix { $0 != "." && $0 != "[" }
            rest = rest.dropFirst(1 + step.count)
            var next: JSONValue?
            switch (first, value) {
            case (".", .object(let members, _)):
                next = members.first { $0.0 == step }?.1
            case ("[", .array(let items, _)):
                let index = step.hasSuffix("]") ? Int(step.dropLast()) : nil
                next = index.flatMap { items.indices.contains($0) ? items[$0] : nil }
            default:
                next = nil
            }
            guard let next else { return value }
            value = next
        }
        return value
    }

    func object(_ value: JSONValue?, at path: @autoclosure () -> String) throws -> JSONMembers {
        guard case .object(let members, _)? = value else { throw error(path(), "must be a JSON object") }
        return JSONMembers(members: members)
    }

    func array(_ value: JSONValue?, at path: @autoclosure () -> String) throws -> [JSONValue] {
        guard let value else { return [] }
        guard case .array(let items, _) = value else { throw error(path(), "must be a JSON array") }
        return items
    }

    func allow(_ object: JSONMembers, _ keys: Set<String>, at path: @autoclosure () -> String) throws {
        guard object.members.contains(where: { !keys.contains($0.0) }) else { return }
        if let unknown = object.members.map(\.0).sorted().first(where: { !keys.contains($0) }) {
            throw error("\(path()).\(unknown)", "unknown field (expected one of: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    func string(_ value: JSONValue?, at path: @autoclosure () -> String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text, _)?: return text
        default: throw error(path(), "must be a string")
        }
    }

    func requiredString(_ value: JSONValue?, at path: @autoclosure () -> String) throws -> String {
        guard let text = try string(value, at: path()), !text.isEmpty else { throw error(path(), "is required") }
        return text
    }

    /// A whole number written without a fraction or exponent (`28`, not `28.0` or `2.8e1`).
    func integer(_ value: JSONValue?, at path: @autoclosure () -> String, range: ClosedRange<Int>) throws -> Int? {
        switch value {
        case nil, .null?: return nil
        case .number(let text, _)?:
            guard let int = Int(text) else { throw error(path(), "must be a whole number, not \(text)") }
            guard range.contains(int) else { throw error(path(), "\(int) is not in \(range.lowerBound)..\(range.upperBound)") }
            return int
        default: throw error(path(), "must be a whole number")
        }
    }

    func bool(_ value: JSONValue?, at path: @autoclosure () -> String) throws -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag, _)?: return flag
        default: throw error(path(), "must be true or false")
        }
    }

    func day(_ value: JSONValue?, at path: @autoclosure () -> String) throws -> Day? {
        guard let text = try string(value, at: path()) else { return nil }
        guard let day = Day(parsing: text) else { throw error(path(), "'\(text)' is not a date YYYY-MM-DD") }
        return day
    }

    func choice<T: RawRepresentable>(_ value: JSONValue?, at path: @autoclosure () -> String, _ type: T.Type) throws -> T where T.RawValue == String {
        let text = try requiredString(value, at: path())
        guard let choice = T(rawValue: text) else { throw error(path(), "'\(text)' is not allowed here") }
        return choice
    }
}
