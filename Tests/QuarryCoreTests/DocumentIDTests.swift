import QuarryCore
import Testing

@Suite struct DocumentIDTests {
    @Test("ids are NFC without NUL; ASCII passes untouched; empty and over-long ids are refused by name")
    func rule() {
        let nfd = "cafe\u{0301}/notes.md", nfc = "caf\u{E9}/notes.md"
        #expect(Array(DocumentID.normalize(nfd).utf8) == Array(nfc.utf8))
        #expect(Array(DocumentID.normalize("a\u{0}b").utf8) == Array("ab".utf8))
        #expect(DocumentID.normalize("plain/ascii-id_1") == "plain/ascii-id_1")
        #expect(DocumentID.normalize("line\nbreak\u{202E}.txt") == "line\nbreak\u{202E}.txt", "control characters are kept (and escaped on output)")
        #expect(DocumentID.problem("") != nil)
        #expect(DocumentID.problem(String(repeating: "é", count: 512)) == nil, "1024 bytes is the limit, not 1024 characters")
        #expect(DocumentID.problem(String(repeating: "é", count: 513))?.contains("at most 1024") == true)
    }
}
