// ChannelFees: what each payment channel charged the platform per business day (Σ fee of its
// rows by `occurred_at`) beside the PAYMENT_FEE charged to suppliers on the lines paid
// through it that day (SPEC §9), kept in `recon_channel_fees` as rows arrive and lines post,
// and written as `reconciliation/{date}/channel_fees.csv`.

import MallCore
import MallIO
import MallStore

final class ChannelFees {
    let db: Database
    let config: MallConfig

    static let columns = ["date", "channel", "channel_rows", "channel_fee", "lines_posted", "payment_fee_charged",
                          "difference"]

    private struct Sums {
        var channelRows: Int64 = 0
        var channelFee: Int64 = 0
        var lines: Int64 = 0
        var paymentFee: Int64 = 0
    }

    private struct DayKey: Hashable {
        let channel: String
        let day: Day
    }

    /// Tonight's additions, written once per channel and day by `write`.
    private var sums: [DayKey: Sums] = [:]

    init(db: Database, config: MallConfig) {
        self.db = db
        self.config = config
    }

    /// A channel row read for the first time: its fee counts on its business date.
    func addChannelRow(channel: String, day: Day, fee: Int64) {
        add(to: &sums[DayKey(channel: channel, day: day), default: Sums()]) { $0.channelRows += 1; $0.channelFee += fee }
    }

    /// A line paid in cash whose forward lines are posted: its PAYMENT_FEE (a negative line,
    /// charged to the supplier; the report shows the charge) counts on the day it was paid.
    func addLine(channel: String, day: Day, paymentFee: Int64) {
        if let at = recentLines.firstIndex(where: { $0.key.day == day && $0.key.channel == channel }) {
            recentLines[at].lines += 1
            recentLines[at].paymentFee -= paymentFee
            return
        }
        if recentLines.count == ChannelFees.recentLinesMax { addRecentLines() }
        recentLines.append((DayKey(channel: channel, day: day), lines: 1, paymentFee: -paymentFee))
    }

    /// The lines' sums of the channels and days added to last, before they go into `sums`:
    /// a night's lines come in id order, nearly by day, through a few channels, and hashing
    /// the channel's text for every line cost 600 instructions of the 4,100 that reading a
    /// line takes (the 100k-line night).
    private var recentLines: [(key: DayKey, lines: Int64, paymentFee: Int64)] = []
    private static let recentLinesMax = 8

    private func addRecentLines() {
        for entry in recentLines {
            add(to: &sums[entry.key, default: Sums()]) { $0.lines += entry.lines; $0.paymentFee += entry.paymentFee }
        }
        recentLines.removeAll(keepingCapacity: true)
    }

    /// Changes the sums of one channel and day in place: one look-up per row (a night reads
    /// a million rows and as many lines).
    private func add(to sums: inout Sums, _ change: (inout Sums) -> Void) {
        change(&sums)
    }

    /// Lines paid in cash read before their forward lines were posted: they count once posted.
    func waitForPosting(_ lineIDs: [Int64]) throws {
        for id in lineIDs { try db.run("INSERT OR IGNORE INTO recon_unposted_lines(line_id) VALUES (?)", [.int(id)]) }
    }

    /// The lines waiting for their forward lines that posted since the last night.
    func addPostedLines() throws {
        var posted: [Int64] = []
        var at: (lineID: Int32, channel: Int32, paidAt: Int32, paymentFee: Int32)?
        try db.query("""
            SELECT u.line_id, o.payment_channel, o.paid_at, f.payment_fee FROM recon_unposted_lines u
            JOIN forward_fees f ON f.line_id = u.line_id JOIN order_lines o ON o.id = u.line_id ORDER BY u.line_id
            """) { row in
            // Found by name once: a night may post many lines read before.
            let c = at ?? (row.column("line_id"), row.column("payment_channel"), row.column("paid_at"), row.column("payment_fee"))
            at = c
            posted.append(row.int(c.lineID))
            addLine(channel: row.string(c.channel), day: config.calendar.businessDate(of: Instant(nanos: row.int(c.paidAt))),
                    paymentFee: row.int(c.paymentFee))
        }
        for id in posted { try db.run("DELETE FROM recon_unposted_lines WHERE line_id = ?", [.int(id)]) }
    }

    /// Adds tonight's sums to the stored ones.
    func write() throws {
        addRecentLines()
        let ordered = sums.sorted { ($0.key.day, $0.key.channel) < ($1.key.day, $1.key.channel) }
        for (key, sum) in ordered {
            try db.run("""
                INSERT INTO recon_channel_fees(channel, day, channel_rows, channel_fee, lines, payment_fee) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (channel, day) DO UPDATE SET channel_rows = channel_rows + excluded.channel_rows,
                    channel_fee = channel_fee + excluded.channel_fee, lines = lines + excluded.lines,
                    payment_fee = payment_fee + excluded.payment_fee
                """, [.text(key.channel), .text(key.day.description), .int(sum.channelRows), .int(sum.channelFee),
                      .int(sum.lines), .int(sum.paymentFee)])
        }
        sums = [:]
    }

    /// Every (channel, day) of the reconciled channels, by date then channel: one row per
    /// channel and day, small whatever the volume.
    static func csv(_ db: Database) throws -> [UInt8] {
        var rows: [[CSVCell]] = []
        try db.query("""
            SELECT day, channel, channel_rows, channel_fee, lines, payment_fee FROM recon_channel_fees
            WHERE channel IN (SELECT channel FROM recon_channels) ORDER BY day, channel
            """) { row in
            let (channelFee, paymentFee) = (row.int("channel_fee"), row.int("payment_fee"))
            rows.append([.text(row.string("day")), .text(row.string("channel")), .number(String(row.int("channel_rows"))),
                         .number(Money(fen: channelFee).description), .number(String(row.int("lines"))),
                         .number(Money(fen: paymentFee).description),
                         .number(Money(fen: paymentFee - channelFee).description)])
        }
        return CSVEncoder.document(header: columns, rows: rows)
    }
}
