// ChannelFees: what each payment channel charged the platform per business day (Σ fee of its
// rows by `occurred_at`) beside the PAYMENT_FEE charged to suppliers on the lines paid
// through it that day (SPEC §9), kept in `recon_channel_fees` as rows arrive and lines post,
// and written as `reconciliation/{date}/channel_fees.csv`.

import MallCore
import MallIO
import MallStore

struct ChannelFees {
    let db: Database
    let config: MallConfig

    static let columns = ["date", "channel", "channel_rows", "channel_fee", "lines_posted", "payment_fee_charged",
                          "difference"]

    /// A line paid in cash, read for the first time: its PAYMENT_FEE counts now if its forward
    /// lines are posted, else once they are (`addPostedLines`).
    func addLine(_ lineID: Int64, channel: String, paidOn day: Day) throws {
        var fee: Int64?
        try db.query("SELECT payment_fee FROM forward_fees WHERE line_id = ?", [.int(lineID)]) { fee = $0.int(0) }
        guard let fee else {
            try db.run("INSERT OR IGNORE INTO recon_unposted_lines(line_id) VALUES (?)", [.int(lineID)])
            return
        }
        try add(channel: channel, day: day, paymentFee: fee)
    }

    /// The lines waiting for their forward lines that posted since the last night.
    func addPostedLines() throws {
        var posted: [(id: Int64, channel: String, paidAt: Int64, fee: Int64)] = []
        try db.query("""
            SELECT u.line_id, o.payment_channel, o.paid_at, f.payment_fee FROM recon_unposted_lines u
            JOIN forward_fees f ON f.line_id = u.line_id JOIN order_lines o ON o.id = u.line_id ORDER BY u.line_id
            """) { posted.append(($0.int(0), $0.string(1), $0.int(2), $0.int(3))) }
        for line in posted {
            try db.run("DELETE FROM recon_unposted_lines WHERE line_id = ?", [.int(line.id)])
            try add(channel: line.channel, day: config.calendar.businessDate(of: Instant(nanos: line.paidAt)),
                    paymentFee: line.fee)
        }
    }

    /// PAYMENT_FEE lines are negative (charged to the supplier); the report shows the charge.
    private func add(channel: String, day: Day, paymentFee: Int64) throws {
        try db.run("""
            INSERT INTO recon_channel_fees(channel, day, lines, payment_fee) VALUES (?, ?, 1, ?)
            ON CONFLICT (channel, day) DO UPDATE SET lines = lines + 1, payment_fee = payment_fee + excluded.payment_fee
            """, [.text(channel), .text(day.description), .int(-paymentFee)])
    }

    /// Every (channel, day) of the reconciled channels, by date then channel: one row per
    /// channel and day, small whatever the volume.
    static func csv(_ db: Database) throws -> [UInt8] {
        var rows: [[CSVCell]] = []
        try db.query("""
            SELECT day, channel, channel_rows, channel_fee, lines, payment_fee FROM recon_channel_fees
            WHERE channel IN (SELECT channel FROM recon_channels) ORDER BY day, channel
            """) { row in
            rows.append([.text(row.string(0)), .text(row.string(1)), .number(String(row.int(2))),
                         .number(Money(fen: row.int(3)).description), .number(String(row.int(4))),
                         .number(Money(fen: row.int(5)).description),
                         .number(Money(fen: row.int(5) - row.int(3)).description)])
        }
        return CSVEncoder.document(header: columns, rows: rows)
    }
}
