// Coupons (SPEC §13): which lines a coupon reaches and how much it takes off. The order of
// coupons, the threshold and the per-buyer limit are applied by MallState at place_order.

/// Category paths: `digital` covers `digital` and `digital/phone`, never `digitalx`.
public enum CategoryPath {
    /// Whether `category` is `scope` or lies below it. Compared byte by byte (no Unicode folding).
    public static func category(_ category: String, isWithin scope: String) -> Bool {
        let path = category.utf8
        let prefix = scope.utf8
        guard path.starts(with: prefix) else { return false }
        if path.count == prefix.count { return true }
        return path[path.index(path.startIndex, offsetBy: prefix.count)] == UInt8(ascii: "/")
    }
}

extension CouponScope {
    /// Whether a line of this SKU is eligible: every selector the scope names must match
    /// (supplier equal; category equal or an ancestor path; SKU in the list when it is not empty).
    public func matches(supplierID: String, category: String, sku: String) -> Bool {
        matches(supplierID: supplierID, category: category) && (skus.isEmpty || skus.contains(sku))
    }

    /// The supplier and category selectors only; the SKU list is checked by the caller.
    func matches(supplierID: String, category: String) -> Bool {
        if let wanted = self.supplierID, wanted != supplierID { return false }
        if let wanted = self.category, !CategoryPath.category(category, isWithin: wanted) { return false }
        return true
    }
}

extension Coupon {
    /// Whether the coupon may be used at `at`: `validFrom` ≤ at < `validTo`.
    public func isValid(at instant: Instant) -> Bool {
        validFrom <= instant && instant < validTo
    }

    /// The discount on eligible lines whose remaining amount (after earlier coupons) is
    /// `eligible`: `amountOff(x)` → min(x, eligible); `percentOff(r, cap)` → round(eligible × r),
    /// at most `cap`, never above `eligible`. Never negative. The threshold is checked by the caller.
    public func discount(onEligible eligible: Money) -> Money {
        let raw: Money
        switch kind {
        case .amountOff(let amount):
            raw = amount
        case .percentOff(let rate, let cap):
            let percent = eligible.applying(rate)
            raw = cap.map { min(percent, $0) } ?? percent
        }
        return max(.zero, min(raw, eligible))
    }
}
