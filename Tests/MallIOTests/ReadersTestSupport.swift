// ReadersTestSupport.swift: shared fixtures for the feed-reader tests: a fresh temporary
// directory per test, file writing, gzip through /usr/bin/gzip, and reading a whole feed.

import Foundation
import XCTest
import MallIO

/// Base class of the reader tests: each test gets its own temporary directory.
class ReadersTestCase: XCTestCase {
    private(set) var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mallsettle-readers-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// Writes `bytes` to `name` in the test directory and returns the path.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Writes `text` as UTF-8 to `name` in the test directory and returns the path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// One gzip member of `bytes`, made by the system gzip (`-n`: no name, no time).
    func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let input = directory.appendingPathComponent("gzip-input-\(UUID().uuidString)")
        try Data(bytes).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-c", "-n", "-6", input.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return Array(data)
    }

    /// Every row of a feed.
    func readAll(_ path: String, columns: [String], required: Set<String> = [], format: FeedFormat? = nil) throws -> [FeedRow] {
        let reader = try FeedReader(path: path, columns: columns, required: required, format: format)
        var rows: [FeedRow] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }

    /// The records of `rows`, failing the test on a malformed row.
    func records(_ rows: [FeedRow], file: StaticString = #filePath, line: UInt = #line) -> [FeedRecord] {
        rows.compactMap { row in
            switch row {
            case .record(let record): return record
            case .malformed(let l, let c, let m, _):
                XCTFail("unexpected malformed row at \(l):\(c): \(m)", file: file, line: line)
                return nil
            }
        }
    }

    /// The texts of a record's values (nil stays nil).
    func texts(_ record: FeedRecord) -> [String?] {
        record.values.map { $0?.text }
    }

    /// The error `body` throws, as a `FeedFileError`.
    func fileError(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> FeedFileError? {
        do {
            try body()
            XCTFail("expected a FeedFileError", file: file, line: line)
            return nil
        } catch let error as FeedFileError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }
}
