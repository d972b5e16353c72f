// CSVEncoder: formula neutralisation (SPEC §10), RFC 4180 quoting, exact bytes.
import MallCore
import MallIO
import XCTest

final class WritersCSVTests: XCTestCase {
    private func row(_ cells: [CSVCell]) -> String {
        var buffer: [UInt8] = []
        CSVEncoder.appendRow(cells, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    func testTextStartingLikeAFormulaGetsAnApostrophe() {
        XCTAssertEqual(row([.text("=1+1")]), "'=1+1\n")
        XCTAssertEqual(row([.text("+8613800000000")]), "'+8613800000000\n")
        XCTAssertEqual(row([.text("-15.60")]), "'-15.60\n")
        XCTAssertEqual(row([.text("@SUM(A1:A9)")]), "'@SUM(A1:A9)\n")
        XCTAssertEqual(row([.text("\tcmd")]), "'\tcmd\n")
        // CR also forces quoting; the apostrophe goes inside the quotes.
        XCTAssertEqual(row([.text("\rcmd")]), "\"'\rcmd\"\n")
    }

    func testOtherTextIsNotNeutralised() {
        XCTAssertEqual(row([.text("a=b"), .text("SKU-1"), .text("货款"), .text(" =x")]), "a=b,SKU-1,货款, =x\n")
    }

    func testNumbersAreWrittenAsIs() {
        XCTAssertEqual(row([.number("-15.60"), .number("186.36"), .number("0"), .number("-0.05")]),
                       "-15.60,186.36,0,-0.05\n")
    }

    func testQuoting() {
        XCTAssertEqual(row([.text("a,b")]), "\"a,b\"\n")
        XCTAssertEqual(row([.text("say \"hi\"")]), "\"say \"\"hi\"\"\"\n")
        XCTAssertEqual(row([.text("two\nlines")]), "\"two\nlines\"\n")
        XCTAssertEqual(row([.text("cr\rin")]), "\"cr\rin\"\n")
        XCTAssertEqual(row([.text("=HYPERLINK(\"x\",\"y\")")]), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"\n")
    }

    func testEmptyCells() {
        XCTAssertEqual(row([.text("a"), .empty, .text(""), .number("1")]), "a,,,1\n")
        XCTAssertEqual(row([.empty, .empty]), ",\n")
        // A lone empty field is quoted so that the row is not a blank line.
        XCTAssertEqual(row([.empty]), "\"\"\n")
        XCTAssertEqual(row([]), "\n")
    }

    func testDocumentExactBytes() {
        let bytes = CSVEncoder.document(
            header: ["fee_code", "lines", "amount"],
            rows: [
                [.text("GOODS"), .number("1"), .number("185.00")],
                [.text("COMMISSION"), .number("1"), .number("-15.60")],
                [.text("NET"), .empty, .number("169.40")],
                [.text("note, \"quoted\""), .empty, .empty],
                [.text("-1 formula?"), .empty, .empty],
            ])
        let expected = "fee_code,lines,amount\n"
            + "GOODS,1,185.00\n"
            + "COMMISSION,1,-15.60\n"
            + "NET,,169.40\n"
            + "\"note, \"\"quoted\"\"\",,\n"
            + "'-1 formula?,,\n"
        XCTAssertEqual(bytes, Array(expected.utf8))
    }

    func testAppendsToExistingBuffer() {
        var buffer = Array("x\n".utf8)
        CSVEncoder.appendRow([.text("y")], to: &buffer)
        XCTAssertEqual(buffer, Array("x\ny\n".utf8))
    }
}

final class WritersCSVNumberTests: XCTestCase {
    func testIntegersAndMoneyAreWrittenAsPlainDecimals() {
        var buffer: [UInt8] = []
        for value: Int64 in [0, 7, -7, 10, 1_000_000, Int64.max, Int64.min] {
            CSVEncoder.appendInteger(value, to: &buffer)
            buffer.append(UInt8(ascii: ","))
        }
        for fen: Int64 in [0, 5, -5, 100, -1560, 123_456_789, -900_000_000_000_000] {
            CSVEncoder.appendMoney(Money(fen: fen), to: &buffer)
            buffer.append(UInt8(ascii: ","))
        }
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self),
                       "0,7,-7,10,1000000,9223372036854775807,-9223372036854775808,"
                       + "0.00,0.05,-0.05,1.00,-15.60,1234567.89,-9000000000000.00,")
        // The same text the Money type prints.
        for fen: Int64 in [0, 5, -5, 100, -1560, 123_456_789] {
            var b: [UInt8] = []
            CSVEncoder.appendMoney(Money(fen: fen), to: &b)
            XCTAssertEqual(String(decoding: b, as: UTF8.self), Money(fen: fen).description)
        }
    }
}
