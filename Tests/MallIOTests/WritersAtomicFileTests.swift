// AtomicFile and AtomicFileWriter: replace-by-rename, no temporary file left behind.
import Foundation
import MallIO
import XCTest

final class WritersAtomicFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.path + "/writers-atomic-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func contents(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func listing(_ path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    func testWritesCreatingDirectories() throws {
        let path = directory + "/statements/2026-11-01/SUP-A/lines.csv"
        try AtomicFile.write(Array("a,b\n".utf8), to: path)
        XCTAssertEqual(try contents(path), Array("a,b\n".utf8))
        XCTAssertEqual(try listing(directory + "/statements/2026-11-01/SUP-A"), ["lines.csv"])
    }

    func testReplacesExistingContentAndLeavesNoTemporaryFile() throws {
        let path = directory + "/summary.csv"
        try AtomicFile.write(Array(repeating: UInt8(ascii: "x"), count: 10_000), to: path)
        try AtomicFile.write(Data("short\n".utf8), to: path)
        XCTAssertEqual(try contents(path), Array("short\n".utf8))
        try AtomicFile.write("text 货款\n", to: path)
        XCTAssertEqual(try contents(path), Array("text 货款\n".utf8))
        try AtomicFile.write([UInt8](), to: path)
        XCTAssertEqual(try contents(path), [])
        XCTAssertEqual(try listing(directory), ["summary.csv"])
    }

    func testStreamingWriterCommits() throws {
        let path = directory + "/big.bin"
        try AtomicFile.write(Array("old".utf8), to: path)
        let writer = try AtomicFileWriter(path: path)
        var expected: [UInt8] = []
        for index in 0 ..< 40 {
            // Mixed sizes: small appends that buffer, and one larger than the buffer.
            let piece = [UInt8](repeating: UInt8(index), count: index == 20 ? AtomicFileWriter.bufferBytesMax + 7 : 50_000)
            try writer.write(piece)
            expected += piece
        }
        try writer.write("tail")
        expected += Array("tail".utf8)
        XCTAssertEqual(try contents(path), Array("old".utf8), "the target is untouched until commit")
        try writer.commit()
        XCTAssertEqual(try contents(path), expected)
        XCTAssertEqual(try listing(directory), ["big.bin"])
    }

    func testAbandonKeepsOldContent() throws {
        let path = directory + "/keep.csv"
        try AtomicFile.write(Array("old\n".utf8), to: path)
        let writer = try AtomicFileWriter(path: path)
        try writer.write(Array("new\n".utf8))
        XCTAssertEqual(try listing(directory).count, 2)
        writer.abandon()
        writer.abandon()
        XCTAssertEqual(try contents(path), Array("old\n".utf8))
        XCTAssertEqual(try listing(directory), ["keep.csv"])
    }

    func testDroppedWriterCleansUp() throws {
        let path = directory + "/dropped.csv"
        do {
            let writer = try AtomicFileWriter(path: path)
            try writer.write(Array("partial".utf8))
        }
        XCTAssertEqual(try listing(directory), [])
    }

    func testErrorsNameThePathAndReason() throws {
        let blocker = directory + "/not-a-directory"
        try AtomicFile.write(Array("x".utf8), to: blocker)
        XCTAssertThrowsError(try AtomicFile.write(Array("y".utf8), to: blocker + "/child.csv")) { error in
            guard let error = error as? AtomicFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.operation, "mkdir")
            XCTAssertEqual(error.path, blocker)
            XCTAssertEqual(error.code, ENOTDIR)
            XCTAssertEqual(error.description, "mkdir \(blocker): Not a directory (errno \(ENOTDIR))")
        }
        // Renaming a file over a directory fails; the temporary file is removed.
        try FileManager.default.createDirectory(atPath: directory + "/dir", withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write(Array("z".utf8), to: directory + "/dir")) { error in
            guard let error = error as? AtomicFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.operation, "rename")
            XCTAssertEqual(error.path, directory + "/dir")
        }
        XCTAssertEqual(try listing(directory), ["dir", "not-a-directory"])
    }

    func testFolderWriterWritesEveryFolderWholeAndRemovesLeftovers() throws {
        // A temporary file a killed writer left behind goes when its folder is written again.
        try FileManager.default.createDirectory(atPath: directory + "/f7", withIntermediateDirectories: true)
        try AtomicFile.write(Array("half".utf8), to: directory + "/f7/.summary.csv.tmp-1-ab")
        // A small queue, so that submitting waits for the threads.
        let writer = FolderWriter(threads: 2, queuedBytesMax: 64)
        for index in 0..<40 {
            writer.submit(FolderWriter.Folder(path: "\(directory)/f\(index)", bytes: 40) {
                [(name: "summary.csv", bytes: Array("folder \(index)\n".utf8)),
                 (name: "statement.html", bytes: Array(repeating: UInt8(ascii: "h"), count: index * 10))]
            })
        }
        XCTAssertEqual(writer.finish().count, 0)
        XCTAssertEqual(try listing(directory).count, 40)
        for index in 0..<40 {
            XCTAssertEqual(try listing("\(directory)/f\(index)"), ["statement.html", "summary.csv"])
            XCTAssertEqual(try contents("\(directory)/f\(index)/summary.csv"), Array("folder \(index)\n".utf8))
            XCTAssertEqual(try contents("\(directory)/f\(index)/statement.html").count, index * 10)
        }
    }

    func testASealedFileAppearsOnlyWhenCommittedAndGoesWhenAbandoned() throws {
        let kept = try AtomicFileWriter(path: directory + "/lines.csv")
        try kept.write(Array("header\nrow 1\n".utf8))
        try kept.patch(at: 0, Array("HEADER".utf8))
        try kept.seal()
        XCTAssertEqual(try listing(directory), [".lines.csv" + kept.temporaryPath.components(separatedBy: ".lines.csv").last!],
                       "sealed: only the temporary file")
        let dropped = try AtomicFileWriter(path: directory + "/summary.csv")
        try dropped.write(Array("x".utf8))
        try dropped.seal()
        dropped.abandon()
        try kept.commit(durable: false)
        XCTAssertEqual(try listing(directory), ["lines.csv"])
        XCTAssertEqual(try contents(directory + "/lines.csv"), Array("HEADER\nrow 1\n".utf8))
    }

    func testAFolderThatCannotBeWrittenStopsNoOther() throws {
        let blocker = directory + "/not-a-directory"
        try AtomicFile.write(Array("x".utf8), to: blocker)
        let writer = FolderWriter(threads: 2)
        writer.submit(FolderWriter.Folder(path: blocker + "/sheet", bytes: 2) { [(name: "a.csv", bytes: Array("b\n".utf8))] })
        for index in 0..<6 {
            writer.submit(FolderWriter.Folder(path: directory + "/ok\(index)", bytes: 2) { [(name: "a.csv", bytes: Array("a\n".utf8))] })
        }
        let failures = writer.finish()
        XCTAssertEqual(failures.map(\.path), [blocker + "/sheet"])
        XCTAssertEqual((failures.first?.error as? AtomicFileError)?.description, "mkdir \(blocker): Not a directory (errno \(ENOTDIR))")
        for index in 0..<6 { XCTAssertEqual(try contents(directory + "/ok\(index)/a.csv"), Array("a\n".utf8)) }
    }
}
