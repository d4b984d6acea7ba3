import Foundation
import QuarryIngest
import QuarryTesting
import Testing

@Suite struct SourceWalkerTests {
    @Test("walks in sorted order, skipping hidden and unsupported files, applying globs and .quarryignore")
    func walk() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("b.md", "# B")
        try dir.write("a.txt", "a")
        try dir.write("sub/c.html", "<p>c</p>")
        try dir.write("sub/drafts/d.md", "d")
        try dir.write(".hidden/e.md", "e")
        try dir.write("image.png", "x")
        try dir.write("notes.md", "n")
        try dir.write(".quarryignore", "# comment\nnotes.md\n")
        let walker = SourceWalker(exclude: [try Glob("drafts")], maxFileBytes: 1000)
        let (files, skipped) = walker.walk([dir.path])
        #expect(files.map(\.docID) == ["a.txt", "b.md", "sub/c.html"])
        #expect(skipped.map(\.reason) == ["unsupported file type"])
        let only = SourceWalker(include: [try Glob("**/*.md")], maxFileBytes: 1000).walk([dir.path]).files
        #expect(only.map(\.docID) == ["b.md", "sub/drafts/d.md"])
    }

    @Test("a symlink out of the root is not followed and is reported; one inside is followed")
    func symlinks() throws {
        let outside = try TemporaryDirectory()
        let dir = try TemporaryDirectory()
        defer { dir.remove(); outside.remove() }
        try outside.write("secret.txt", "secret")
        try dir.write("real/doc.txt", "doc")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/escape.txt", withDestinationPath: outside.path + "/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/escape-dir", withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/inside.txt", withDestinationPath: dir.path + "/real/doc.txt")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/real/loop", withDestinationPath: dir.path + "/real")
        let (files, skipped) = SourceWalker(maxFileBytes: 1000).walk([dir.path])
        #expect(files.map(\.docID) == ["inside.txt", "real/doc.txt"])
        #expect(files.allSatisfy { !$0.url.path.hasPrefix(outside.path) })
        #expect(skipped.filter { $0.reason.contains("outside the ingest root") }.count == 2)
        #expect(skipped.contains { $0.reason.contains("cycle") })
    }

    @Test("FIFOs are skipped, big files are refused before reading, missing paths reported")
    func specialFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(mkfifo(dir.path + "/pipe.txt", 0o644) == 0)
        try dir.write("big.txt", String(repeating: "x", count: 2000))
        try dir.write("big.jsonl", String(repeating: "{\"_id\": \"x\", \"text\": \"y\"}\n", count: 100))
        try dir.write("ok.txt", "fine")
        let (files, skipped) = SourceWalker(maxFileBytes: 1000).walk([dir.path, dir.path + "/missing"])
        #expect(files.map(\.docID) == ["big.jsonl", "ok.txt"], "JSONL corpora are streamed, so the size limit does not apply")
        #expect(skipped.count == 3)
        #expect(skipped.allSatisfy { $0.isFailure })
    }

    @Test("an unreadable directory is reported and the rest goes on", .enabled(if: getuid() != 0, "root reads every directory, so an unreadable one cannot be made"))
    func unreadable() throws {
        let dir = try TemporaryDirectory()
        defer { chmod(dir.path + "/locked", 0o755); dir.remove() }
        try dir.write("locked/x.txt", "x")
        try dir.write("ok.txt", "ok")
        chmod(dir.path + "/locked", 0)
        let (files, skipped) = SourceWalker(maxFileBytes: 1000).walk([dir.path])
        #expect(files.map(\.docID) == ["ok.txt"])
        #expect(skipped.count == 1)
    }

    @Test("globs", arguments: [
        ("*.md", "a/b/c.md", true), ("*.md", "c.txt", false), ("docs/**/*.md", "docs/a/b/c.md", true),
        ("docs/**/*.md", "docs/c.md", true), ("docs/*.md", "docs/a/c.md", false), ("drafts", "x/drafts", true),
        ("**/tmp/**", "a/tmp/b/c", true), ("file?.txt", "file1.txt", true), ("[ab].txt", "c.txt", false),
    ])
    func globs(pattern: String, path: String, matches: Bool) throws {
        #expect(try Glob(pattern).matches(path) == matches)
    }
}
