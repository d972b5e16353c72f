// Readers/CSVRecordView.swift: a plain CSV record seen through its bytes, for a caller that
// types millions of rows and would rather not make a String of every cell first.

/// A CSV record that is all ASCII, has the header's field count, no quoting error and no
/// doubled quotes: its cells are exactly their bytes. Valid only inside the closure it is
/// handed to (it points into the reader's window); keep nothing of it but what you copy.
public struct CSVRecordView {
    /// The physical line the record starts on.
    public let line: Int
    /// `FeedRecord.columns` of the record: the 1-based field number of each requested column.
    public let columns: [Int]
    let record: UnsafeBufferPointer<UInt8>
    let spans: UnsafeBufferPointer<FeedReader.CSVFieldSpan>
    /// For each requested column, the 0-based field holding it, or -1 when the header lacks it.
    let fieldForColumn: UnsafeBufferPointer<Int>

    /// The bytes of requested column `index`; nil when it is absent or empty, as
    /// `FeedRecord.values` has it.
    @inline(__always)
    public func cell(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        let field = fieldForColumn[index]
        guard field >= 0 else { return nil }
        let span = spans[field]
        guard span.end > span.start else { return nil }
        return UnsafeBufferPointer(start: record.baseAddress! + span.start, count: span.end - span.start)
    }

    /// The cell's text, as `FeedRecord.values` would hold it.
    public func text(_ index: Int) -> String? {
        cell(index).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `FeedRecord.raw` of the record.
    public var raw: String { FeedReader.rawText(record) }
}
