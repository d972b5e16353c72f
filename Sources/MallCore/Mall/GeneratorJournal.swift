// GeneratorJournal: the generated journal as a lazy sequence. Day by day it draws the day's
// arrivals (orders, in local time with a lunch and evening peak) and batch jobs (points grants,
// dealer repayments); each order's fate is decided when it is placed, and its later events
// (pay, ship, complete, refund, cancel) wait in a min-heap until their time comes. Three
// time-ordered streams are merged, so events come out in `at` order and memory holds only the
// orders still in flight.
//
// What the generator knows of the core's state (stock, coupon use, dealers' credit) it tracks
// itself, conservatively, so that nearly every event is accepted. The refusals it does write
// on purpose are realistic ones: a frozen dealer trying to pay, and two buyers racing for the
// last units of a limited SKU; each is followed by a cancellation.

/// The generated journal: a sequence of events in non-decreasing `at` order, lines numbered
/// from 1. Iterating twice gives the same events.
public struct MallJournal: Sequence, Sendable {
    let settings: GeneratorSettings
    let tables: GeneratorTables
    let clock: GenZoneClock

    public func makeIterator() -> Iterator {
        Iterator(engine: GenJournalEngine(settings: settings, tables: tables, clock: clock))
    }

    /// Produces the journal one event at a time.
    public struct Iterator: IteratorProtocol {
        var engine: GenJournalEngine
        public mutating func next() -> JournalEvent? { engine.next() }
    }
}

/// An event scheduled for later, ordered by time, then by when it was scheduled.
struct GenScheduledEvent {
    enum Action: UInt8 { case pay, cancel, ship, complete, refund }
    var at: Int64
    var sequence: UInt64
    var slot: Int32
    var action: Action
    /// The child order (ship, complete) or the refund step (refund).
    var index: UInt8

    @inline(__always)
    static func precedes(_ a: GenScheduledEvent, _ b: GenScheduledEvent) -> Bool {
        a.at != b.at ? a.at < b.at : a.sequence < b.sequence
    }
}

/// Scheduled events in time order: hour buckets for the future and a binary heap for the
/// earliest hour still holding events. A push appends to a bucket or touches the small heap, so
/// a million orders in flight cost little more per event than a thousand.
struct GenEventQueue {
    private static let bucketNanos: Int64 = 3600 * Instant.nanosPerSecond
    private let origin: Int64
    private var buckets: [[GenScheduledEvent]]
    private var inBuckets = 0
    /// The heap holds every event of the buckets up to `current`.
    private var current = 0
    private var heap: [GenScheduledEvent] = []
    private var sequence: UInt64 = 0

    /// For events from `origin` (inclusive) to `horizon` (exclusive).
    init(origin: Int64, horizon: Int64) {
        self.origin = origin
        buckets = Array(repeating: [], count: Int(max(0, horizon - origin) / GenEventQueue.bucketNanos) + 1)
    }

    var count: Int { heap.count + inBuckets }

    mutating func push(at: Int64, slot: Int32, action: GenScheduledEvent.Action, index: UInt8) {
        precondition(at >= origin, "an event scheduled before the journal starts")
        sequence += 1
        let event = GenScheduledEvent(at: at, sequence: sequence, slot: slot, action: action, index: index)
        let bucket = Int((at - origin) / GenEventQueue.bucketNanos)
        if bucket <= current {
            heapPush(event)
        } else {
            buckets[bucket].append(event)
            inBuckets += 1
        }
    }

    /// The time of the earliest event; `Int64.max` when there is none.
    mutating func nextAt() -> Int64 {
        while heap.isEmpty {
            guard inBuckets > 0 else { return Int64.max }
            current += 1
            guard !buckets[current].isEmpty else { continue }
            heap = buckets[current]
            buckets[current] = []
            inBuckets -= heap.count
            for start in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(from: start) }
        }
        return heap[0].at
    }

    /// Removes the earliest event; `nextAt()` must have found one.
    mutating func pop() -> GenScheduledEvent {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(from: 0)
        }
        return top
    }

    private mutating func heapPush(_ event: GenScheduledEvent) {
        heap.append(event)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard GenScheduledEvent.precedes(event, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = event
    }

    private mutating func siftDown(from start: Int) {
        let event = heap[start]
        let count = heap.count
        var parent = start
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count && GenScheduledEvent.precedes(heap[child + 1], heap[child]) { child += 1 }
            guard GenScheduledEvent.precedes(heap[child], event) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = event
    }
}

/// A cart line as planned: its child order and line number after the split, and its prices.
struct GenPlannedLine {
    var sku: Int32
    var child: UInt8
    var lineNo: UInt8
    var quantity: Int64
    /// The unit price the core should charge, and the lowest it could.
    var unitFen: Int64
    var lowFen: Int64
}

/// One after-sale request planned for a child order.
struct GenRefundStep {
    var child: UInt8
    var kind: RefundKind
    var lines: [RefundRequestLine]
    /// Credit a dealer gets back (the goods refunded; freight, if any, is not counted).
    var creditBackFen: Int64
}

/// An order in flight.
struct GenOrderSlot {
    var orderID = ""
    var buyer: Int32 = 0
    var dealer = false
    var lines: [GenPlannedLine] = []
    var coupons: [Int32] = []
    var fate = GenOrderFate.normal
    var channel = 0
    /// What a dealer's order puts on credit (goods + freight, as the core should price them).
    var creditFen: Int64 = 0
    var reserved = false
    var paid = false
    var steps: [GenRefundStep] = []
    /// Scheduled events not yet written; the slot is reused when it reaches 0.
    var pending: Int32 = 0
}

/// What the generator knows of a dealer's credit.
struct GenDealerCredit {
    /// Used and not yet repaid (negative: prepaid).
    var owedFen: Int64 = 0
    /// Placed orders that will be paid on credit but are not paid yet.
    var reservedFen: Int64 = 0
    /// What was owed on the last bill day, and when and how much of it the dealer repays.
    var billFen: Int64 = 0
    var repayOn = Int.min
    var repayPPM: Int64 = 1_000_000
}

/// A day's arrival: an order placed at `at` by an employee or a dealer.
struct GenArrival {
    var at: Int64
    var dealer: Bool
}

/// A day's batch job item: a points grant or a repayment.
struct GenBatchItem {
    enum Kind: UInt8 { case monthlyGrant, birthdayGrant, billRepay, adHocRepay, oldDebtRepay }
    var at: Int64
    var kind: Kind
    var who: Int32
}

/// The state of one pass over the journal.
struct GenJournalEngine {
    let settings: GeneratorSettings
    let tables: GeneratorTables
    var clock: GenZoneClock
    var rng: GeneratorRandom

    private var out: [JournalEvent] = []
    private var outCursor = 0
    private var line = 0

    private var dayIndex = -1
    private var day: Day
    private var dayEndNanos: Int64
    private var dayDate: [UInt8] = []
    private let horizon: Int64
    private var orderSequence = 0

    private var arrivals: [GenArrival] = []
    private var arrivalCursor = 0
    private var batch: [GenBatchItem] = []
    private var batchCursor = 0
    private var queue: GenEventQueue
    private var slots: [GenOrderSlot] = []
    private var freeSlots: [Int32] = []

    private var stock: [Int64]
    /// Orders of a buyer holding a coupon, keyed by `buyer << 20 | coupon`.
    private var couponUse: [Int64: Int32] = [:]
    private var activeCoupons: [Int] = []
    private var credit: [GenDealerCredit]

    /// Ids of refunds, grants, repayments and transactions carry the business date of their
    /// event and a sequence within it.
    private var idDay = Day(ordinal: Int.min / 2)
    private var idDate: [UInt8] = []
    private var refundSequence = 0
    private var grantSequence = 0
    private var repaySequence = 0
    private var txnSequence = 0

    private static let welfareWeekdayHours = GenWeightTable(GeneratorKnobs.welfareHoursWeekday)
    private static let welfareWeekendHours = GenWeightTable(GeneratorKnobs.welfareHoursWeekend)
    private static let dealerWeekdayHours = GenWeightTable(GeneratorKnobs.dealerHoursWeekday)
    private static let dealerWeekendHours = GenWeightTable(GeneratorKnobs.dealerHoursWeekend)
    private static let nanosPerSecond = Instant.nanosPerSecond

    init(settings: GeneratorSettings, tables: GeneratorTables, clock: GenZoneClock) {
        self.settings = settings
        self.tables = tables
        self.clock = clock
        self.rng = GeneratorRandom(seed: settings.seed, stream: 2)
        self.day = settings.start.adding(days: -1)
        self.dayEndNanos = self.clock.nanos(settings.start, second: 0)
        self.horizon = self.clock.nanos(settings.start.adding(days: settings.days), second: 0)
        self.queue = GenEventQueue(origin: self.dayEndNanos, horizon: self.horizon)
        self.stock = tables.skus.map(\.stock)
        self.credit = Array(repeating: GenDealerCredit(), count: tables.dealers.count)
    }

    mutating func next() -> JournalEvent? {
        while outCursor == out.count {
            out.removeAll(keepingCapacity: true)
            outCursor = 0
            guard advance() else { return nil }
        }
        outCursor += 1
        return out[outCursor - 1]
    }

    /// Handles the earliest of the day's batch items, the scheduled events and the day's
    /// arrivals (in that order at equal times); starts the next day when today's are done.
    /// False when the journal is over.
    private mutating func advance() -> Bool {
        let batchAt = batchCursor < batch.count ? batch[batchCursor].at : Int64.max
        let arrivalAt = arrivalCursor < arrivals.count ? arrivals[arrivalCursor].at : Int64.max
        let heapAt = queue.nextAt()
        if batchAt == Int64.max && arrivalAt == Int64.max {
            if heapAt < dayEndNanos {
                handleScheduled(queue.pop())
                return true
            }
            guard dayIndex + 1 < settings.days else { return false }
            startDay(dayIndex + 1)
            return true
        }
        if batchAt <= heapAt && batchAt <= arrivalAt {
            let item = batch[batchCursor]
            batchCursor += 1
            handleBatch(item)
        } else if heapAt <= arrivalAt {
            handleScheduled(queue.pop())
        } else {
            let arrival = arrivals[arrivalCursor]
            arrivalCursor += 1
            if arrival.dealer { placeDealerOrder(at: arrival.at) } else { placeWelfareOrder(at: arrival.at) }
        }
        return true
    }

    // MARK: Writing events and ids

    private mutating func emit(_ at: Int64, _ command: MallCommand) {
        line += 1
        out.append(JournalEvent(line: line, at: Instant(nanos: at), command: command))
    }

    /// The `YYYYMMDD` bytes of the business date of `at`, restarting the dated sequences on a new date.
    private mutating func datedPrefix(_ at: Int64) -> [UInt8] {
        let date = clock.date(of: at)
        if date != idDay {
            idDay = date
            idDate = GeneratorText.dateBytes(date)
            refundSequence = 0; grantSequence = 0; repaySequence = 0; txnSequence = 0
        }
        return idDate
    }

    private static let refundPrefix = Array("R".utf8)
    private static let grantPrefix = Array("G".utf8)
    private static let repayPrefix = Array("P".utf8)
    private static let orderPrefix = Array("O".utf8)
    private static let refundTxnPrefix = Array("RF".utf8)
    private static let payTxnPrefixes = GeneratorKnobs.channelTxnPrefix.map { Array($0.utf8) }

    private mutating func refundID(_ at: Int64) -> String {
        let date = datedPrefix(at)
        refundSequence += 1
        return GeneratorText.dated(GenJournalEngine.refundPrefix, date, refundSequence, width: 5)
    }

    private mutating func txnID(_ prefix: [UInt8], _ at: Int64) -> String {
        let date = datedPrefix(at)
        txnSequence += 1
        return GeneratorText.dated(prefix, date, txnSequence, width: 8)
    }

    // MARK: Days

    private mutating func startDay(_ index: Int) {
        dayIndex = index
        day = settings.start.adding(days: index)
        let dayStart = clock.nanos(day, second: 0)
        dayEndNanos = clock.nanos(day.adding(days: 1), second: 0)
        dayDate = GeneratorText.dateBytes(day)
        orderSequence = 0
        activeCoupons = tables.coupons.indices.filter {
            tables.coupons[$0].fromNanos < dayEndNanos && tables.coupons[$0].toNanos > dayStart
        }
        makeArrivals()
        makeBatch()
    }

    /// The day's orders at local times drawn from the hour profiles (weekday or weekend).
    private mutating func makeArrivals() {
        arrivals.removeAll(keepingCapacity: true)
        arrivalCursor = 0
        let weekend = day.isoWeekday >= 6
        let welfareHours = weekend ? GenJournalEngine.welfareWeekendHours : GenJournalEngine.welfareWeekdayHours
        let dealerHours = weekend ? GenJournalEngine.dealerWeekendHours : GenJournalEngine.dealerWeekdayHours
        for _ in 0..<tables.welfareOrdersByDay[dayIndex] {
            arrivals.append(GenArrival(at: localTime(welfareHours), dealer: false))
        }
        for _ in 0..<tables.dealerOrdersByDay[dayIndex] {
            arrivals.append(GenArrival(at: localTime(dealerHours), dealer: true))
        }
        arrivals.sort { $0.at != $1.at ? $0.at < $1.at : (!$0.dealer && $1.dealer) }
    }

    /// An instant today: an hour drawn from `hours`, then a uniform second and millisecond.
    private mutating func localTime(_ hours: GenWeightTable) -> Int64 {
        let hour = Int64(hours.draw(&rng))
        let second = hour * 3600 + Int64(rng.below(3600))
        return clock.nanos(day, second: second) + Int64(rng.below(1000)) * 1_000_000
    }

    /// Seconds into a day between two local hours (the last hour included).
    private mutating func secondBetween(_ hours: ClosedRange<Int>) -> Int64 {
        Int64(hours.lowerBound * 3600) + Int64(rng.below(UInt64((hours.upperBound - hours.lowerBound + 1) * 3600)))
    }

    /// Today's grants (monthly on the 1st and on the first day of the run; birthdays) and
    /// dealers' repayments (bills, extra repayments, a frozen dealer's old debt).
    private mutating func makeBatch() {
        batch.removeAll(keepingCapacity: true)
        batchCursor = 0
        if day.dayOfMonth == 1 || dayIndex == 0 {
            let at = clock.nanos(day, second: Int64(GeneratorKnobs.monthlyGrantSecond))
            for index in tables.employees.indices { batch.append(GenBatchItem(at: at, kind: .monthlyGrant, who: Int32(index))) }
        }
        let dayOfYear = day.ordinal - Day(year: day.year, month: 1, day: 1)!.ordinal
        if dayOfYear < tables.birthdays.count {
            let at = clock.nanos(day, second: Int64(GeneratorKnobs.birthdayGrantSecond))
            for index in tables.birthdays[dayOfYear] { batch.append(GenBatchItem(at: at, kind: .birthdayGrant, who: index)) }
        }
        let weekday = day.isoWeekday <= 5
        for (index, dealer) in tables.dealers.enumerated() {
            if dealer.frozen {
                if dayIndex == dealer.oldDebtDay {
                    batch.append(GenBatchItem(at: clock.nanos(day, second: secondBetween(9...17)), kind: .oldDebtRepay, who: Int32(index)))
                }
                continue
            }
            if day.dayOfMonth == dealer.billDay { planBillRepayment(index) }
            if day.ordinal == credit[index].repayOn {
                batch.append(GenBatchItem(at: clock.nanos(day, second: secondBetween(9...17)), kind: .billRepay, who: Int32(index)))
            }
            if weekday && rng.chance(ppm: GeneratorKnobs.adHocRepayPPM) {
                batch.append(GenBatchItem(at: clock.nanos(day, second: secondBetween(9...17)), kind: .adHocRepay, who: Int32(index)))
            }
        }
        batch.sort {
            if $0.at != $1.at { return $0.at < $1.at }
            if $0.kind != $1.kind { return $0.kind.rawValue < $1.kind.rawValue }
            return $0.who < $1.who
        }
    }

    /// On a dealer's bill day: what it owes now is the bill; when it repays depends on its habit.
    private mutating func planBillRepayment(_ index: Int) {
        let dealer = tables.dealers[index]
        credit[index].billFen = max(credit[index].owedFen, 0)
        var due = day.adding(days: 1)
        while due.dayOfMonth != dealer.repayDay { due = due.adding(days: 1) }
        credit[index].repayPPM = 1_000_000
        switch dealer.style {
        case .onTime: credit[index].repayOn = due.ordinal
        case .early: credit[index].repayOn = max(day.ordinal + 1, due.ordinal - rng.int(1...3))
        case .late: credit[index].repayOn = due.ordinal + rng.int(2...12)
        case .partial:
            credit[index].repayOn = due.ordinal
            credit[index].repayPPM = Int64(rng.int(500_000...800_000))
        }
    }

    // MARK: Batch jobs

    private mutating func handleBatch(_ item: GenBatchItem) {
        switch item.kind {
        case .monthlyGrant:
            let employee = tables.employees[Int(item.who)]
            let expires = clock.nanos(day.firstOfMonth.adding(months: employee.expiryMonths), second: 0)
            grant(item.at, employee: employee, fen: employee.grantFen, expires: expires)
        case .birthdayGrant:
            let employee = tables.employees[Int(item.who)]
            let expires = clock.nanos(day.adding(days: GeneratorKnobs.birthdayGrantDays + 1), second: 0)
            grant(item.at, employee: employee, fen: rng.element(GeneratorKnobs.birthdayGrantFen), expires: expires)
        case .billRepay:
            let index = Int(item.who)
            let wanted = credit[index].billFen * credit[index].repayPPM / 1_000_000
            repay(item.at, dealer: index, fen: min(wanted, credit[index].owedFen) / 100 * 100)
            credit[index].billFen = 0
        case .adHocRepay:
            let index = Int(item.who)
            guard credit[index].owedFen >= GeneratorKnobs.adHocRepayMinOwedFen else { return }
            let part = credit[index].owedFen * Int64(rng.int(GeneratorKnobs.adHocRepayPercent)) / 100
            repay(item.at, dealer: index, fen: part / 10_000 * 10_000)
        case .oldDebtRepay:
            repay(item.at, dealer: Int(item.who), fen: tables.dealers[Int(item.who)].oldDebtFen)
        }
    }

    private mutating func grant(_ at: Int64, employee: GenEmployee, fen: Int64, expires: Int64) {
        guard fen > 0 else { return }
        let date = datedPrefix(at)
        grantSequence += 1
        let id = GeneratorText.dated(GenJournalEngine.grantPrefix, date, grantSequence, width: 6)
        emit(at, .grantPoints(grantID: id, buyerID: employee.id, amount: Money(fen: fen), expiresAt: Instant(nanos: expires)))
    }

    private mutating func repay(_ at: Int64, dealer index: Int, fen: Int64) {
        guard fen >= 100 else { return }
        let date = datedPrefix(at)
        repaySequence += 1
        let id = GeneratorText.dated(GenJournalEngine.repayPrefix, date, repaySequence, width: 5)
        emit(at, .repay(repaymentID: id, buyerID: tables.dealers[index].id, amount: Money(fen: fen)))
        credit[index].owedFen -= fen
    }

    // MARK: Placing orders

    /// Child numbers, line numbers and prices for a drawn cart (lines sorted by SKU, so the
    /// children follow supplier id order). Returns the lines and what the order should cost.
    private func plan(_ picks: [GenCartPick], level: GenMemberLevel, dealer: Int?) -> (lines: [GenPlannedLine], totalFen: Int64) {
        var lines: [GenPlannedLine] = []
        lines.reserveCapacity(picks.count)
        var child: UInt8 = 0
        var lineNo: UInt8 = 0
        var supplier = -1
        var total: Int64 = 0
        var goods: Int64 = 0
        for pick in picks {
            let pickSupplier = tables.skus[pick.sku].supplier
            if pickSupplier != supplier {
                if supplier >= 0 { total += goods + tables.freightFen(supplier: supplier, goodsFen: goods) }
                supplier = pickSupplier
                child += 1
                lineNo = 0
                goods = 0
            }
            lineNo += 1
            let price = tables.unitFen(pick.sku, level: level, quantity: pick.quantity, dealer: dealer)
            goods += price.expected * pick.quantity
            lines.append(GenPlannedLine(sku: Int32(pick.sku), child: child, lineNo: lineNo, quantity: pick.quantity,
                                     unitFen: price.expected, lowFen: price.low))
        }
        if supplier >= 0 { total += goods + tables.freightFen(supplier: supplier, goodsFen: goods) }
        return (lines, total)
    }

    private func cartLines(_ lines: [GenPlannedLine]) -> [CartLine] {
        lines.map { CartLine(sku: tables.skus[Int($0.sku)].id, quantity: $0.quantity) }
    }

    /// A cart of what is in stock as far as the generator knows; a stale page (a few welfare
    /// carts) still offers sold-out limited SKUs.
    private mutating func drawCart(dealer: Bool) -> [GenCartPick] {
        let stale = !dealer && rng.chance(ppm: GeneratorKnobs.staleCartPPM)
        var draws = rng
        let picks = tables.drawCart(dealer: dealer, rng: &draws) { sku, quantity in
            stock[sku] >= quantity || (stale && tables.skus[sku].limited)
        }
        rng = draws
        return picks
    }

    private mutating func nextOrderID() -> String {
        orderSequence += 1
        return GeneratorText.dated(GenJournalEngine.orderPrefix, dayDate, orderSequence, width: tables.orderSequenceWidth)
    }

    private mutating func placeWelfareOrder(at: Int64) {
        let buyer = tables.employeePick.draw(&rng)
        let employee = tables.employees[buyer]
        let picks = drawCart(dealer: false)
        guard !picks.isEmpty else { return }
        let (lines, total) = plan(picks, level: employee.level, dealer: nil)
        let coupons = rng.chance(ppm: GeneratorKnobs.couponTryPPM) ? chooseCoupons(at: at, buyer: buyer, lines: lines) : []
        var pointsLimit: Money?
        switch GeneratorKnobs.pointsLimitStyle.draw(&rng) {
        case .cap: pointsLimit = nil
        case .none: pointsLimit = .zero
        case .part:
            let part = total * Int64(rng.int(GeneratorKnobs.pointsPartPercent)) / 100
            pointsLimit = Money(fen: max(1000, part / 1000 * 1000))
        }
        let orderID = nextOrderID()
        emit(at, .placeOrder(orderID: orderID, buyerID: employee.id, lines: cartLines(lines),
                             coupons: coupons.map { tables.coupons[Int($0)].id }, pointsLimit: pointsLimit))
        for coupon in coupons { couponUse[Int64(buyer) << 20 | Int64(coupon), default: 0] += 1 }
        var slot = GenOrderSlot(orderID: orderID, buyer: Int32(buyer), dealer: false, lines: lines, coupons: coupons)
        slot.fate = GeneratorKnobs.welfareFate.draw(&rng)
        slot.channel = GeneratorKnobs.channels.draw(&rng)
        scheduleFirst(slot, placedAt: at, payDelay: GeneratorKnobs.welfarePayDelay)
    }

    private mutating func placeDealerOrder(at: Int64) {
        let buyer = tables.dealerPick.draw(&rng)
        let dealer = tables.dealers[buyer]
        var picks = drawCart(dealer: true)
        guard !picks.isEmpty else { return }
        var (lines, total) = plan(picks, level: .enterprise, dealer: buyer)
        let fate = dealer.frozen ? GenOrderFate.normal : GeneratorKnobs.dealerFate.draw(&rng)
        let willPay = !dealer.frozen && (fate == .normal || fate == .cancelAfterPay)
        if willPay {
            // Keep the core's credit check passing: repay what is owed when the order would not
            // fit, and buy less when even that is not enough.
            let headroom = dealer.limitFen * GeneratorKnobs.creditHeadroomPPM / 1_000_000
            if credit[buyer].owedFen + credit[buyer].reservedFen + total > headroom && credit[buyer].owedFen > 0 {
                repay(at, dealer: buyer, fen: credit[buyer].owedFen)
            }
            var halvings = 0
            while credit[buyer].owedFen + credit[buyer].reservedFen + total > headroom && halvings < 6 {
                halvings += 1
                for index in picks.indices { picks[index].quantity = max(1, picks[index].quantity / 2) }
                (lines, total) = plan(picks, level: .enterprise, dealer: buyer)
            }
            guard credit[buyer].owedFen + credit[buyer].reservedFen + total <= headroom else { return }
        }
        let orderID = nextOrderID()
        emit(at, .placeOrder(orderID: orderID, buyerID: dealer.id, lines: cartLines(lines), coupons: [], pointsLimit: nil))
        var slot = GenOrderSlot(orderID: orderID, buyer: Int32(buyer), dealer: true, lines: lines)
        slot.fate = fate
        slot.creditFen = total
        scheduleFirst(slot, placedAt: at, payDelay: GeneratorKnobs.dealerPayDelay)
    }

    /// The order's first later event: its payment, or a cancellation before payment.
    private mutating func scheduleFirst(_ slot: GenOrderSlot, placedAt: Int64, payDelay: GenChoice<ClosedRange<Int64>>) {
        switch slot.fate {
        case .neverPaid:
            return
        case .cancelBeforePay:
            let at = placedAt + rng.int64(GeneratorKnobs.cancelBeforePayDelay) * GenJournalEngine.nanosPerSecond
            guard at < horizon else { return }
            let index = allocate(slot)
            schedule(index, .cancel, 0, at: at)
        case .normal, .cancelAfterPay:
            let at = placedAt + rng.int64(payDelay.draw(&rng)) * GenJournalEngine.nanosPerSecond
                + Int64(rng.below(1000)) * 1_000_000
            guard at < horizon else { return }
            var slot = slot
            if slot.dealer && !tables.dealers[Int(slot.buyer)].frozen {
                slot.reserved = true
                credit[Int(slot.buyer)].reservedFen += slot.creditFen
            }
            let index = allocate(slot)
            schedule(index, .pay, 0, at: at)
        }
    }

    /// Up to two coupons whose window, scope and threshold the order surely meets (with the
    /// lowest possible prices, and after the other coupon's largest possible discount), within
    /// the buyer's per-coupon limit.
    private mutating func chooseCoupons(at: Int64, buyer: Int, lines: [GenPlannedLine]) -> [Int32] {
        let candidates = activeCoupons.count
        guard candidates > 0 else { return [] }
        let skuCount = tables.skus.count
        let start = Int(rng.below(UInt64(candidates)))
        var chosen: [Int32] = []
        var takenFen: Int64 = 0
        for offset in 0..<candidates {
            let index = activeCoupons[(start + offset) % candidates]
            let coupon = tables.coupons[index]
            guard coupon.fromNanos <= at && at < coupon.toNanos else { continue }
            var lowFen: Int64 = 0
            var highFen: Int64 = 0
            var any = false
            for line in lines where tables.couponEligible[index * skuCount + Int(line.sku)] {
                any = true
                lowFen += line.lowFen * line.quantity
                highFen += tables.skus[Int(line.sku)].saleFen * line.quantity
            }
            let safety = max(100, coupon.thresholdFen / 100)
            guard any, lowFen - takenFen >= coupon.thresholdFen + safety,
                  couponUse[Int64(buyer) << 20 | Int64(index), default: 0] < coupon.perBuyerLimit else { continue }
            chosen.append(Int32(index))
            takenFen += coupon.maxDiscountFen(eligibleHighFen: highFen)
            if chosen.count == 2 || !rng.chance(ppm: GeneratorKnobs.secondCouponPPM) { break }
        }
        return chosen
    }

    // MARK: Scheduled events

    private mutating func allocate(_ slot: GenOrderSlot) -> Int32 {
        if let free = freeSlots.popLast() {
            slots[Int(free)] = slot
            return free
        }
        slots.append(slot)
        return Int32(slots.count - 1)
    }

    /// Schedules an event unless it falls after the journal's end (the run simply stops then).
    @discardableResult
    private mutating func schedule(_ slot: Int32, _ action: GenScheduledEvent.Action, _ index: Int, at: Int64) -> Bool {
        guard at < horizon else { return false }
        queue.push(at: at, slot: slot, action: action, index: UInt8(index))
        slots[Int(slot)].pending += 1
        return true
    }

    private mutating func handleScheduled(_ event: GenScheduledEvent) {
        let slot = Int(event.slot)
        switch event.action {
        case .pay: pay(slot, at: event.at)
        case .cancel: cancel(slot, at: event.at)
        case .ship:
            emit(event.at, .ship(childOrderID: GeneratorText.child(slots[slot].orderID, Int(event.index))))
        case .complete:
            emit(event.at, .complete(childOrderID: GeneratorText.child(slots[slot].orderID, Int(event.index))))
        case .refund: refund(slot, step: Int(event.index), at: event.at)
        }
        slots[slot].pending -= 1
        if slots[slot].pending == 0 {
            slots[slot] = GenOrderSlot()
            freeSlots.append(event.slot)
        }
    }

    private mutating func pay(_ slot: Int, at: Int64) {
        let dealer = slots[slot].dealer
        let buyer = Int(slots[slot].buyer)
        if dealer {
            emit(at, .pay(orderID: slots[slot].orderID, channel: nil, txnID: nil))
            if slots[slot].reserved { credit[buyer].reservedFen -= slots[slot].creditFen }
        } else {
            let channel = slots[slot].channel
            let txn = txnID(GenJournalEngine.payTxnPrefixes[channel], at)
            emit(at, .pay(orderID: slots[slot].orderID, channel: GeneratorKnobs.channelNames[channel], txnID: txn))
        }
        let refusedDelay = GeneratorKnobs.refusedPayCancelDelay
        if dealer && tables.dealers[buyer].frozen {
            schedule(Int32(slot), .cancel, 0, at: at + rng.int64(refusedDelay) * GenJournalEngine.nanosPerSecond)
            return
        }
        if slots[slot].lines.contains(where: { stock[Int($0.sku)] < $0.quantity }) {
            schedule(Int32(slot), .cancel, 0, at: at + rng.int64(refusedDelay) * GenJournalEngine.nanosPerSecond)
            return
        }
        for line in slots[slot].lines { stock[Int(line.sku)] -= line.quantity }
        slots[slot].paid = true
        if dealer { credit[buyer].owedFen += slots[slot].creditFen }
        if slots[slot].fate == .cancelAfterPay {
            schedule(Int32(slot), .cancel, 0, at: at + rng.int64(GeneratorKnobs.cancelAfterPayDelay) * GenJournalEngine.nanosPerSecond)
            return
        }
        planChildren(slot, paidAt: at)
        slots[slot].lines = []
        slots[slot].coupons = []
    }

    /// A cancellation: before payment without a refund id (the buyer gave up), otherwise with one
    /// (after payment, or after a payment the core refused, where either reading needs none
    /// or takes one). Coupons come back.
    private mutating func cancel(_ slot: Int, at: Int64) {
        let withRefund = slots[slot].fate != .cancelBeforePay
        let id = withRefund ? refundID(at) : nil
        emit(at, .cancel(orderID: slots[slot].orderID, refundID: id))
        let buyer = Int64(slots[slot].buyer)
        if !slots[slot].dealer {
            for coupon in slots[slot].coupons {
                let key = buyer << 20 | Int64(coupon)
                couponUse[key] = max(0, couponUse[key, default: 0] - 1)
            }
        } else if slots[slot].paid {
            credit[Int(buyer)].owedFen -= slots[slot].creditFen
        }
    }

    private mutating func refund(_ slot: Int, step: Int, at: Int64) {
        let plan = slots[slot].steps[step]
        let id = refundID(at)
        let txn = slots[slot].dealer ? nil : txnID(GenJournalEngine.refundTxnPrefix, at)
        emit(at, .refund(refundID: id, childOrderID: GeneratorText.child(slots[slot].orderID, Int(plan.child)),
                         kind: plan.kind, lines: plan.lines, txnID: txn))
        if slots[slot].dealer { credit[Int(slots[slot].buyer)].owedFen -= plan.creditBackFen }
    }

    // MARK: Fulfilment and after-sale

    /// Ships each child order within days, completes most of them days later (some late, some
    /// never) and plans the child's after-sale by its category's rates.
    private mutating func planChildren(_ slot: Int, paidAt: Int64) {
        let lines = slots[slot].lines
        let paidDay = clock.date(of: paidAt)
        let dealer = slots[slot].dealer
        var start = 0
        while start < lines.count {
            var end = start + 1
            while end < lines.count && lines[end].child == lines[start].child { end += 1 }
            let child = Array(lines[start..<end])
            start = end
            let supplier = tables.suppliers[tables.skus[Int(child[0].sku)].supplier]
            let shipDays = (supplier.platformShips ? GeneratorKnobs.platformShipDays : GeneratorKnobs.supplierShipDays).draw(&rng)
            var shipAt = clock.nanos(paidDay.adding(days: shipDays), second: secondBetween(GeneratorKnobs.shipHours))
            if shipAt <= paidAt + 1800 * GenJournalEngine.nanosPerSecond {
                shipAt = clock.nanos(paidDay.adding(days: shipDays + 1), second: secondBetween(GeneratorKnobs.shipHours))
            }
            let number = Int(child[0].child)
            guard schedule(Int32(slot), .ship, number, at: shipAt) else { continue }
            var completeAt: Int64?
            let neverPPM = GeneratorKnobs.neverCompletePPM + (dealer ? 10_000 : 0)
            if !rng.chance(ppm: neverPPM) {
                let days = rng.chance(ppm: GeneratorKnobs.lateCompletePPM)
                    ? rng.int(GeneratorKnobs.lateCompleteDays) : GeneratorKnobs.completeDays.draw(&rng)
                let at = clock.nanos(clock.date(of: shipAt).adding(days: days), second: secondBetween(GeneratorKnobs.completeHours))
                completeAt = at
                schedule(Int32(slot), .complete, number, at: at)
            }
            planAfterSale(slot, child: child, shippedAt: shipAt, completedAt: completeAt)
        }
    }

    private mutating func planAfterSale(_ slot: Int, child: [GenPlannedLine], shippedAt: Int64, completedAt: Int64?) {
        let trade = GenCategoryLeaf.tree[tables.skus[Int(child[0].sku)].leaf].trade
        let roll = Int(rng.below(1_000_000))
        guard roll < trade.refundOnlyPPM + trade.returnPPM else { return }
        let chosen = child.count == 1 || rng.chance(ppm: GeneratorKnobs.oneLineAfterSalePPM)
            ? [rng.element(child)] : child
        let second = GenJournalEngine.nanosPerSecond
        let day = 86_400 * second
        if roll < trade.refundOnlyPPM {
            // Money back, goods kept: a small amount, never more than a fifth of the line's lowest value.
            var requests: [RefundRequestLine] = []
            var back: Int64 = 0
            for line in chosen {
                let bound = line.quantity * line.lowFen * GeneratorKnobs.refundOnlyMaxPercent / 100 / 10 * 10
                let amount = min(rng.element(GeneratorKnobs.refundOnlyFen), bound)
                guard amount >= 100 else { continue }
                requests.append(RefundRequestLine(lineNo: Int64(line.lineNo), quantity: 0, amount: Money(fen: amount)))
                back += amount
            }
            guard !requests.isEmpty else { return }
            let at = shippedAt + rng.int64(3600...(12 * 86_400)) * second
            addStep(slot, GenRefundStep(child: child[0].child, kind: .refundOnly, lines: requests, creditBackFen: back), at: at)
            return
        }
        // A return: all units, or some now and (sometimes) the rest later. A return that empties
        // the child comes after its completion, so the completion is never refused.
        var first: [RefundRequestLine] = []
        var rest: [RefundRequestLine] = []
        var firstBack: Int64 = 0
        var restBack: Int64 = 0
        for line in chosen {
            var units = line.quantity
            if line.quantity >= 2 && rng.chance(ppm: GeneratorKnobs.partialReturnPPM) {
                units = rng.int64(1...(line.quantity - 1))
                rest.append(RefundRequestLine(lineNo: Int64(line.lineNo), quantity: line.quantity - units))
                restBack += (line.quantity - units) * line.unitFen
            }
            first.append(RefundRequestLine(lineNo: Int64(line.lineNo), quantity: units))
            firstBack += units * line.unitFen
        }
        let everyLine = chosen.count == child.count
        let firstCloses = everyLine && rest.isEmpty
        var firstAt: Int64
        if let completedAt {
            firstAt = firstCloses ? completedAt + rng.int64(3600...(7 * 86_400)) * second
                : shippedAt + rng.int64(3600...max(3600, (completedAt - shippedAt) / second + 5 * 86_400)) * second
        } else {
            firstAt = shippedAt + rng.int64(86_400...(8 * 86_400)) * second
        }
        addStep(slot, GenRefundStep(child: child[0].child, kind: .return, lines: first, creditBackFen: firstBack), at: firstAt)
        if !rest.isEmpty && rng.chance(ppm: GeneratorKnobs.secondReturnPPM) {
            var restAt = firstAt + rng.int64(1...6) * day + rng.int64(0...86_399) * second
            if everyLine, let completedAt { restAt = max(restAt, completedAt + 3600 * second) }
            addStep(slot, GenRefundStep(child: child[0].child, kind: .return, lines: rest, creditBackFen: restBack), at: restAt)
        }
    }

    private mutating func addStep(_ slot: Int, _ step: GenRefundStep, at: Int64) {
        guard at < horizon, slots[slot].steps.count < Int(UInt8.max) else { return }
        slots[slot].steps.append(step)
        schedule(Int32(slot), .refund, slots[slot].steps.count - 1, at: at)
    }
}
