// Fuzz/FuzzCatalog.swift: libFuzzer target for CatalogCodec.decode and the JSON parser under
// it (the catalog file that `replay`, `generate` and `whatif` read, docs/journal.md).
//
// Each execution decodes the input. A refusal names a line and column inside the document; an
// accepted catalog, written back with CatalogCodec.encode, decodes to an equal catalog.

import MallCore
import MallIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCatalog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lines = bytes.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    switch CatalogCodec.decode(bytes) {
    case .success(let catalog):
        let text = CatalogCodec.encode(catalog)
        switch CatalogCodec.decode(Array(text.utf8)) {
        case .success(let again):
            check(again == catalog, "the written catalog reads back different:\n\(text)")
        case .failure(let error):
            check(false, "the written catalog does not read back: \(error)\n\(text)")
        }
    case .failure(let error):
        check(error.line >= 1 && error.line <= lines, "error on line \(error.line) of \(lines)")
        check(error.column >= 1, "error column \(error.column)")
        check(!error.field.isEmpty && !error.message.isEmpty, "an error names its field and says why: \(error)")
    }
    return 0
}
