// Replay/Replay.swift: runs journal events through the mall core and writes the feeds they
// imply (SPEC section 13): one folder per business day, each an inbox `mallsettle run` can
// take, plus `rejected.csv` (events the core refused, or could not read) and
// `points_lost.csv` (points a refund could not restore because their grant had expired).
import Foundation
import MallCore
import MallIO

/// Counts of one replay, for the command's summary and the benchmark.
public struct ReplaySummary: Sendable, Equatable {
    public var events = 0
    public var accepted = 0
    public var rejected = 0
    public var orderRows = 0
    public var refundRows = 0
    public var paymentRows = 0
    public var repaymentRows = 0
    public var pointsLost = 0
    public var days = 0
    /// Refused events by `event reason` (`pay credit_frozen`), for telling the generator's
    /// deliberate refusals from the others.
    public var refusals: [String: Int] = [:]
    public init() {}
}

/// What the core made of the events, handed from the core's thread to the writer's:
/// accepted events of one day counted together until one emits rows, which follow it, each
/// an item of its own (no array per event).
enum Applied: Sendable {
    case accepted(day: Day, events: Int)
    case row(MallRow)
    case refused(day: Day, line: Int, event: String, refusal: Refusal)
    case unreadable(JSONFieldError)
}

/// A journal event (or why its line could not be read) on its way to the core, with the
/// index hashes of the order and buyer it names, computed by the thread that made it
/// (OrderSlots.swift).
struct ReplayItem: Sendable {
    var event: Result<JournalEvent, JSONFieldError>
    var keys: EventKeyHashes

    /// Takes the event over (consumed: no copy of its texts and lists on the way to the core).
    init(_ event: consuming Result<JournalEvent, JSONFieldError>) {
        if case .success(let e) = event { keys = MallState.keyHashes(e.command) } else { keys = EventKeyHashes() }
        self.event = event
    }
}

/// How the core's arrays and order index are sized before the first event.
enum CoreSizing {
    /// Grown as orders come (doubling: copies, rehashes, pages faulted twice).
    case grown
    /// Orders known in advance (generate).
    case orders(Int)
    /// Estimated from the journal's size (replay).
    case journalBytes(Int)

    /// Journal bytes per order, a little under what the generator writes (507 at 1M orders).
    static let journalBytesPerOrder = 500
}

/// The mall core applying events, each dated by its business day.
struct ReplayCore: Sendable {
    private var state: MallState
    private var offsets: HourOffsets
    /// Events whose index slots are read together before they are applied: enough reads for
    /// their misses to overlap, few enough that the slots stay in cache.
    static let touchAheadEvents = 16
    private var keys: [EventKeyHashes] = []
    /// The rows of the event being applied (reused).
    private var rows: [MallRow] = []
    /// What `touch` read, kept so that its reads are not optimized away.
    private(set) var touchedWords: UInt64 = 0
    /// Accepted events of `acceptedDay` not yet handed over: an event that emits no rows
    /// (placing an order, shipping, granting points: half of a journal) is only counted, and
    /// the count goes over before the next item or the first event of another day.
    private var acceptedDay: Day?
    private var acceptedEvents = 0

    init(catalog: Catalog, calendar: BusinessCalendar, sizing: CoreSizing = .grown) {
        state = MallState(catalog: catalog)
        switch sizing {
        case .grown: break
        case .orders(let count): state.reserveCapacity(orders: count)
        case .journalBytes(let bytes):
            // An estimate: arrays get its room (claimed only when written), the index three
            // quarters of it, so that an estimate a little high does not double its table.
            let orders = bytes / CoreSizing.journalBytesPerOrder
            state.reserveCapacity(orders: orders, indexedOrders: orders * 3 / 4)
        }
        offsets = HourOffsets(calendar: calendar)
    }

    /// Reads ahead, for all these events at once, the index slots and records they will use
    /// (see OrderSlots.swift).
    mutating func touch(_ items: ArraySlice<ReplayItem>) {
        keys.removeAll(keepingCapacity: true)
        for i in items.indices { keys.append(items[i].keys) }
        touchedWords &+= keys.withUnsafeBufferPointer { state.touchSlots($0) &+ state.touchRecords($0) }
    }

    /// Applies one event and hands over what became of it: `.accepted` and then its rows
    /// (an event without rows is counted, see `acceptedEvents`), or `.refused`. False once
    /// the writer has given up.
    mutating func apply(_ event: JournalEvent, emit: Handoff<Applied, any Error>.Emit) -> Bool {
        let day = offsets.businessDate(of: event.at)
        rows.removeAll(keepingCapacity: true)
        do throws(Refusal) {
            try state.apply(event, into: &rows)
        } catch {
            return handOverAccepted(emit)
                && emit(.refused(day: day, line: event.line, event: event.command.eventName, refusal: error))
        }
        if acceptedDay != day {
            guard handOverAccepted(emit) else { return false }
            acceptedDay = day
        }
        acceptedEvents += 1
        guard !rows.isEmpty else { return true }
        guard handOverAccepted(emit) else { return false }
        for row in rows {
            guard emit(.row(row)) else { return false }
        }
        return true
    }

    /// Hands over the accepted events counted so far (call it before any other item, and at
    /// the end). False once the writer has given up.
    mutating func handOverAccepted(_ emit: Handoff<Applied, any Error>.Emit) -> Bool {
        guard let day = acceptedDay, acceptedEvents > 0 else { return true }
        let events = acceptedEvents
        acceptedEvents = 0
        return emit(.accepted(day: day, events: events))
    }
}

/// The writing side of a replay: what the core made of each event, in journal order, then
/// `finish()`.
/// Rows are dated by the business date of the instant that produced them (payment,
/// completion, refund, repayment) and a day's files are written when the first event of a
/// later day arrives, so memory holds one day of rows. A value the writing thread owns (no
/// run-time exclusivity check per row, as a class's properties would ask).
public struct ReplaySession {
    public let outputDirectory: String
    public private(set) var summary = ReplaySummary()
    let calendar: BusinessCalendar
    let catalog: Catalog
    private var formatter: FeedRowFormatter
    private var day: Day?
    /// The day's four feeds, each written out to its file a mebibyte at a time.
    private var orders = DayFeed(kind: "orders")
    private var refunds = DayFeed(kind: "refunds")
    private var payments = DayFeed(kind: "payments")
    private var repayments = DayFeed(kind: "repayments")
    private var rejected: [UInt8] = []
    private var lost: [UInt8] = []

    public init(catalog: Catalog, outputDirectory: String) throws {
        guard let calendar = BusinessCalendar(timezone: catalog.timezone) else {
            throw ReplayError(message: "the catalog's time zone \(catalog.timezone) is unknown")
        }
        self.calendar = calendar
        self.formatter = FeedRowFormatter(calendar: calendar, catalog: catalog)
        self.outputDirectory = outputDirectory
        self.catalog = catalog
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        CSVEncoder.appendRow(["line", "event", "reason", "message"].map(CSVCell.text), to: &rejected)
        CSVEncoder.appendRow(["buyer_id", "grant_id", "refund_id", "amount", "expired_at", "lost_at"].map(CSVCell.text), to: &lost)
    }

    /// Writes what the core made of one event (rows of the event's day).
    mutating func write(_ applied: Applied) throws {
        switch applied {
        case .accepted(let eventDay, let events):
            summary.events += events
            try move(to: eventDay)
            summary.accepted += events
        case .row(let row):
            try record(row)
        case .refused(let eventDay, let line, let event, let refusal):
            summary.events += 1
            try move(to: eventDay)
            summary.rejected += 1
            summary.refusals["\(event) \(refusal.reason)", default: 0] += 1
            CSVEncoder.appendRow([.number(String(line)), .text(event), .text(refusal.reason), .text(refusal.message)], to: &rejected)
        case .unreadable(let error):
            summary.events += 1
            summary.rejected += 1
            CSVEncoder.appendRow([.number(String(error.line)), .empty, .text("malformed_event"),
                                  .text("column \(error.column), field \(error.field): \(error.message)")], to: &rejected)
        }
    }

    /// Writes the day's files when an event of a later day arrives.
    private mutating func move(to eventDay: Day) throws {
        if let day, eventDay > day { try flushDay() }
        if day == nil || eventDay > day! { day = eventDay }
    }

    private mutating func record(_ output: MallRow) throws {
        switch output {
        case .orderLine(let row):
            orders.header(FeedRowFormatter.orderColumns)
            formatter.append(row, to: &orders.bytes)
            summary.orderRows += 1
            try orders.spillIfFull(in: outputDirectory, day: day!)
        case .refund(let row):
            refunds.header(FeedRowFormatter.refundColumns)
            formatter.append(row, to: &refunds.bytes)
            summary.refundRows += 1
            try refunds.spillIfFull(in: outputDirectory, day: day!)
        case .channel(let row):
            payments.header(FeedRowFormatter.paymentColumns)
            formatter.append(row, to: &payments.bytes)
            summary.paymentRows += 1
            try payments.spillIfFull(in: outputDirectory, day: day!)
        case .repayment(let row):
            repayments.header(FeedRowFormatter.repaymentColumns)
            formatter.append(row, to: &repayments.bytes)
            summary.repaymentRows += 1
            try repayments.spillIfFull(in: outputDirectory, day: day!)
        case .pointsLost(let p):
            CSVEncoder.appendRow([.text(p.buyerID), .text(p.grantID), .text(p.refundID), .number(p.amount.description),
                                  .text(formatter.time(p.expiredAt)), .text(formatter.time(p.at))], to: &lost)
            summary.pointsLost += 1
        }
    }

    /// The folder and the date of the day being written (rows come only after an event has
    /// set the day).
    private var folder: (path: String, day: Day) { DayFeed.folder(in: outputDirectory, day: day!) }

    /// Writes the rest of the day's files and puts them in place.
    private mutating func flushDay() throws {
        guard day != nil, orders.hasRows || refunds.hasRows || payments.hasRows || repayments.hasRows else { return }
        let folder = self.folder
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        try orders.finish(folder: folder)
        try refunds.finish(folder: folder)
        try payments.finish(folder: folder)
        try repayments.finish(folder: folder)
        summary.days += 1
    }

    /// Writes the last day, `rejected.csv` and `points_lost.csv`, and syncs everything.
    public mutating func finish() throws -> ReplaySummary {
        try flushDay()
        try AtomicFile.write(rejected, to: "\(outputDirectory)/rejected.csv", durable: false)
        try AtomicFile.write(lost, to: "\(outputDirectory)/points_lost.csv", durable: false)
        AtomicFile.syncFileSystem()
        return summary
    }
}

/// One feed file of the day being replayed. Its rows are formatted into `bytes`, which go to
/// a temporary file beside the feed's each time a mebibyte has gathered; the day's end puts
/// the file in place (`AtomicFileWriter`). A whole day's file in one `write(2)` made the
/// kernel copy 20 MB that had long left the caches: about 1.3 CPU-s of a replay's writer.
struct DayFeed {
    let kind: String
    var bytes: [UInt8] = []
    private var writer: AtomicFileWriter?

    /// Bytes gathered before they are written: the file writer's own buffer size, so that it
    /// hands them to the system without copying them.
    static let spillBytes = AtomicFileWriter.bufferBytesMax

    init(kind: String) { self.kind = kind }

    /// Whether the day has rows of this feed (written out or not).
    var hasRows: Bool { writer != nil || !bytes.isEmpty }

    /// A day's file starts with its header row.
    mutating func header(_ columns: [String]) {
        if !hasRows { CSVEncoder.appendRow(columns.map(CSVCell.text), to: &bytes) }
    }

    /// The folder of a day's feeds under `directory`, with the day.
    static func folder(in directory: String, day: Day) -> (path: String, day: Day) {
        ("\(directory)/\(day)", day)
    }

    /// Writes out the bytes gathered once they fill the writer's buffer; the folder's path is
    /// made only then.
    mutating func spillIfFull(in directory: String, day: Day) throws {
        if bytes.count >= DayFeed.spillBytes { try spill(folder: DayFeed.folder(in: directory, day: day)) }
    }

    private mutating func spill(folder: (path: String, day: Day)) throws {
        if writer == nil { writer = try AtomicFileWriter(path: "\(folder.path)/\(kind)-\(folder.day.compact).csv") }
        try writer!.write(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Writes what is left and puts the day's file in place; nothing when the day had no rows
    /// of this feed. Not durable: replay syncs once at the end, and sealing the file first
    /// starts its writing to disk now, so that the sync has only the last days left to wait
    /// for.
    mutating func finish(folder: (path: String, day: Day)) throws {
        guard hasRows else { return }
        try spill(folder: folder)
        try writer!.seal()
        try writer!.commit(durable: false)
        writer = nil
    }
}

public struct ReplayError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

public enum Replay {
    /// Reads and checks a catalog file; errors name the file, line, column and field.
    public static func loadCatalog(path: String) throws -> Catalog {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReplayError(message: "\(path): cannot be read")
        }
        switch CatalogCodec.decode(Array(data)) {
        case .success(let catalog): return catalog
        case .failure(let e): throw ReplayError(message: "\(path):\(e.line):\(e.column): \(e.field) \(e.message)")
        }
    }

    /// `replay --journal F --catalog F --out DIR`. The journal is read and parsed on a
    /// second thread while the core and the feed writers run on this one.
    public static func run(journal: String, catalog: Catalog, out: String, progress: ProgressLog) throws -> ReplaySummary {
        var session = try ReplaySession(catalog: catalog, outputDirectory: out)
        let events = Handoff<ReplayItem, any Error> { emit in
            let reader: JournalReader
            do throws(FeedFileError) { reader = try JournalReader(path: journal) } catch {
                throw ReplayError(message: "\(journal): \(error.message)")
            }
            while true {
                let next: Result<JournalEvent, JSONFieldError>?
                do throws(FeedFileError) { next = try reader.next() } catch { throw ReplayError(message: "\(journal): \(error.message)") }
                guard let next, emit(ReplayItem(consume next)) else { return }
            }
        }
        let journalBytes = (try? FileManager.default.attributesOfItem(atPath: journal))?[.size] as? Int
        try drive(&session, events, progress: progress, sizing: journalBytes.map(CoreSizing.journalBytes) ?? .grown)
        return try session.finish()
    }

    /// Three threads: `events` reads or generates the journal, a second runs the mall core,
    /// this one writes the feeds. Stops the others if writing fails.
    /// `sizing` sizes the core's arrays once, when the orders are known (generate) or can be
    /// estimated (replay).
    static func drive(_ session: inout ReplaySession, _ events: Handoff<ReplayItem, any Error>,
                      progress: ProgressLog, sizing: CoreSizing = .grown) throws {
        let catalog = session.catalog
        let calendar = session.calendar
        // 16 batches of rows waiting for the writer (32 before): enough to even out the two
        // threads, and 8 MiB less at the peak of generate, now that the core runs faster.
        // The rows are freed by the writer as it lets go of them: the core's thread is the
        // one replay waits for.
        let applied = Handoff<Applied, any Error>(batchesInFlightMax: 16, freedByConsumer: true) { emit in
            var core = ReplayCore(catalog: catalog, calendar: calendar, sizing: sizing)
            do {
                while let batch = try events.next() {
                    for start in stride(from: 0, to: batch.count, by: ReplayCore.touchAheadEvents) {
                        let group = batch[start..<min(start + ReplayCore.touchAheadEvents, batch.count)]
                        core.touch(group)
                        for item in group {
                            let open: Bool
                            switch item.event {
                            case .success(let event): open = core.apply(event, emit: emit)
                            case .failure(let error): open = core.handOverAccepted(emit) && emit(.unreadable(error))
                            }
                            guard open else { events.cancel(); return }
                        }
                    }
                }
                _ = core.handOverAccepted(emit)
            } catch {
                _ = core.handOverAccepted(emit)
                events.cancel()
                throw error
            }
        }
        do {
            while let batch = try applied.next() {
                let eventsBefore = session.summary.events
                for item in batch { try session.write(item) }
                if session.summary.events / 262_144 != eventsBefore / 262_144 {
                    progress.note("replayed \(session.summary.events) events")
                }
            }
        } catch {
            applied.cancel()
            events.cancel()
            throw error
        }
    }

    /// `generate`: the generator's journal is written to `journal` (and handed over) on a
    /// second thread while the core and the feed writers run on this one.
    public static func generate(_ generator: MallGenerator, journal: String, out: String,
                                progress: ProgressLog) throws -> ReplaySummary {
        guard let calendar = BusinessCalendar(timezone: generator.catalog.timezone) else {
            throw ReplayError(message: "unknown time zone \(generator.catalog.timezone)")
        }
        var session = try ReplaySession(catalog: generator.catalog, outputDirectory: out)
        let events = Handoff<ReplayItem, any Error>(batchesInFlightMax: 32) { emit in
            let writer = try AtomicFileWriter(path: journal)
            let room = ByteRoom()
            var offsets = HourOffsets(calendar: calendar)
            for event in generator.events() {
                var line = room.cursor(forAtMost: JournalCodec.roomNeeded(event) + 1)
                JournalCodec.put(event, offsets: &offsets, into: &line)
                line.put(0x0A)
                do { try writer.write(UnsafeRawBufferPointer(line.written)) } catch { writer.abandon(); throw error }
                guard emit(ReplayItem(.success(consume event))) else { writer.abandon(); return }
            }
            try writer.commit(durable: false)
        }
        let settings = generator.settings
        try drive(&session, events, progress: progress, sizing: .orders(settings.days * settings.ordersPerDay))
        return try session.finish()
    }
}

extension MallCommand {
    /// The event name as the journal writes it.
    public var eventName: String {
        switch self {
        case .placeOrder: return "place_order"
        case .pay: return "pay"
        case .cancel: return "cancel"
        case .ship: return "ship"
        case .complete: return "complete"
        case .refund: return "refund"
        case .grantPoints: return "grant_points"
        case .repay: return "repay"
        }
    }
}
