import Foundation
import QuarryIngest
import QuarryTesting
import Testing

@Suite struct TextDecodingTests {
    @Test("UTF-8 decodes, with a BOM dropped and CRLF normalised")
    func utf8() throws {
        #expect(try TextDecoding.decode(Data([0xEF, 0xBB, 0xBF] + Array("a\r\nb\rc".utf8))) == "a\nb\nc")
    }

    @Test("UTF-16 with a BOM decodes, little and big endian")
    func utf16() throws {
        let le: [UInt8] = [0xFF, 0xFE, 0x68, 0x00, 0xE9, 0x00]
        let be: [UInt8] = [0xFE, 0xFF, 0x00, 0x68, 0x00, 0xE9]
        #expect(try TextDecoding.decode(Data(le)) == "hé")
        #expect(try TextDecoding.decode(Data(be)) == "hé")
        #expect(throws: TextDecoding.Failure.self) { try TextDecoding.decode(Data([0xFF, 0xFE, 0x00, 0xD8, 0x41])) }
    }

    @Test("invalid UTF-8 is refused with the byte offset", arguments: [
        ([0x61, 0xFF, 0xFE], 1), ([0x61, 0x62, 0xC0, 0xAF], 2), ([0x61, 0xE2, 0x82], 1),
    ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) {
        #expect(throws: TextDecoding.Failure.invalidUTF8(offset: offset)) { try TextDecoding.decode(Data(bytes)) }
    }

    @Test("binary content is refused", arguments: [
        [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01], [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A], Array("text\u{0}more".utf8),
        [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x41],
    ] as [[UInt8]])
    func binary(bytes: [UInt8]) {
        #expect(throws: TextDecoding.Failure.self) { try TextDecoding.decode(Data(bytes)) }
    }
}

@Suite struct MarkdownReaderTests {
    @Test("headings give the path; fenced code is not a heading; front matter gives the title")
    func headings() {
        let source = """
            ---
            title: "Moon Guide"
            ---
            # Moon
            Intro.
            ## Phases
            ```
            # not a heading
            ```
            Waxing
            ------
            Text.
            """
        let doc = MarkdownReader().parse(source, fallbackTitle: "file")
        #expect(doc.title == "Moon Guide")
        #expect(!doc.text.contains("title:"))
        #expect(doc.headings.map(\.title) == ["Moon", "Phases", "Waxing"])
        #expect(doc.headings.map(\.level) == [1, 2, 2])
        let scalars = Array(doc.text.unicodeScalars)
        for heading in doc.headings {
            var rest = String.UnicodeScalarView()
            rest.append(contentsOf: scalars[heading.offset...])
            #expect(String(rest).trimmingCharacters(in: CharacterSet(charactersIn: "# ")).hasPrefix(heading.title))
        }
    }

    @Test("the first H1 is the title when there is no front matter")
    func title() {
        #expect(MarkdownReader().parse("Preamble\n\n# Real Title\n", fallbackTitle: "f").title == "Real Title")
        #expect(MarkdownReader().parse("no headings", fallbackTitle: "f").title == "f")
    }
}

@Suite struct BEIRCorpusReaderTests {
    @Test("records stream in batches; bad lines are reported with their numbers")
    func records() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lines = [
            #"{"_id": "d1", "title": "T", "text": "Hello", "metadata": {"year": 2020, "tag": "x"}}"#,
            #"not json"#,
            #"{"title": "no id", "text": "x"}"#,
            "",
            #"{"_id": 42, "text": "numeric id"}"#,
            #"{"_id": "cafe\u0301", "text": "nfd id"}"#,
            #"{"_id": "d2", "text": 5}"#,
        ]
        let file = try dir.write("c.jsonl", lines.joined(separator: "\n"))
        let cursor = try BEIRCorpusReader().open(file)
        var all: [BEIRCorpusReader.Record] = []
        while let batch = try cursor.next(2) { all += batch }
        var ids: [String] = []
        var invalid: [Int] = []
        for record in all {
            switch record {
            case .document(_, let id, let parsed):
                ids.append(id)
                if id == "d1" {
                    #expect(parsed.title == "T")
                    #expect(parsed.metadata == #"{"tag":"x","year":2020}"#)
                }
            case .invalid(let line, _): invalid.append(line)
            }
        }
        #expect(ids == ["d1", "42", "café"])
        #expect(invalid == [2, 3, 7])
        #expect(cursor.bytesRead == lines.joined(separator: "\n").utf8.count)
    }

    @Test("an over-long line is reported without being held in memory")
    func longLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let long = "{\"_id\": \"big\", \"text\": \"" + String(repeating: "a", count: 3_000_000) + "\"}"
        let file = try dir.write("c.jsonl", long + "\n{\"_id\": \"small\", \"text\": \"ok\"}\n")
        let cursor = try BEIRCorpusReader(maxLineBytes: 1_000_000).open(file)
        var documents: [String] = []
        var invalid = 0
        while let batch = try cursor.next(10) {
            for record in batch {
                if case .document(_, let id, _) = record { documents.append(id) } else { invalid += 1 }
            }
        }
        #expect(documents == ["small"])
        #expect(invalid == 1)
    }
}

@Suite struct PDFReaderTests {
    @Test("a missing pdftotext is a clear error")
    func missing() throws {
        let reader = PDFReader(executable: "/nonexistent/pdftotext")
        let error = #expect(throws: PDFReader.Failure.self) { try reader.parse(url: URL(fileURLWithPath: "/tmp/x.pdf"), fallbackTitle: "x") }
        #expect(error?.description.contains("poppler-utils") == true)
    }

    @Test("a real PDF is converted when pdftotext is installed", .enabled(if: PDFReader().resolvedExecutable() != nil))
    func convert() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("hello.pdf", Data(SamplePDF.helloWorld.utf8))
        let doc = try PDFReader().parse(url: file, fallbackTitle: "hello")
        #expect(doc.text.contains("Hello Quarry"))
    }
}

/// A minimal one-page PDF with the text "Hello Quarry" (hand-written; offsets in the xref
/// table are not exact, which pdftotext tolerates and repairs).
enum SamplePDF {
    static let helloWorld = """
        %PDF-1.4
        1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj
        4 0 obj << /Length 44 >> stream
        BT /F1 18 Tf 20 40 Td (Hello Quarry) Tj ET
        endstream endobj
        5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
        trailer << /Root 1 0 R >>
        %%EOF
        """
}
