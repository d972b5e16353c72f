// Fuzz/FuzzJournal.swift: libFuzzer target for the journal reader (JournalReader over a plain
// or gzip file, JournalCodec.decode per line, JSONParser under it). The journal is new and
// `replay` reads it from wherever it is given, so every line of it is untrusted.
//
// Each execution writes the input as a journal file and reads it to the end. Every event that
// decodes is written back with JournalCodec.encode (timestamps in Asia/Shanghai local time, as
// `generate` writes them) and must decode to an equal event; every refusal names a line the
// file has and a column of at least 1.

import MallCore
import MallIO

let shanghai = BusinessCalendar(timezone: "Asia/Shanghai")!

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJournal(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let path = Scratch.path("journal.jsonl")
    Scratch.write(input, to: path)
    let lineCount = input.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    guard let reader = try? JournalReader(path: path) else { return 0 }
    var lastLine = 0
    var results = 0
    while true {
        let next: Result<JournalEvent, JSONFieldError>?
        do {
            next = try reader.next()
        } catch {
            check(error.kind == .corruptGzip, "a journal read failed with \(error)")
            break
        }
        guard let next else { break }
        results += 1
        check(results <= lineCount + 1 || input.starts(with: [0x1F, 0x8B]), "more results than lines")
        switch next {
        case .success(let event):
            check(event.line > lastLine, "event on line \(event.line) after line \(lastLine)")
            lastLine = event.line
            checkRoundTrip(event)
        case .failure(let error):
            check(error.line > lastLine, "error on line \(error.line) after line \(lastLine)")
            check(error.column >= 1, "error column \(error.column) on line \(error.line)")
            check(!error.field.isEmpty && !error.message.isEmpty, "an error names its field and says why: \(error)")
            lastLine = error.line
        }
    }
    return 0
}

/// encode, then decode: the same event.
func checkRoundTrip(_ event: JournalEvent) {
    let text = JournalCodec.encode(event, calendar: shanghai)
    switch JournalCodec.decode(Array(text.utf8), lineNumber: event.line) {
    case .success(let again):
        check(again == event, "\(text) reads back as \(again), not \(event)")
    case .failure(let error):
        check(false, "\(text) does not read back: \(error)")
    }
}
