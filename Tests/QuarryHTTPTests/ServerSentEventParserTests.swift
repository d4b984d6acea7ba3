import Foundation
import QuarryHTTP
import Testing

@Suite struct ServerSentEventParserTests {
    /// Every feature at once: a BOM, LF, CRLF and CR line ends, comments, multi-line data,
    /// a field without a colon, no space after the colon, event/id/retry fields, an unknown
    /// field, a multi-byte character, and blank lines with nothing pending.
    static let stream = "\u{FEFF}: keep-alive\r\n"
        + "data: first\r\n\r\n"
        + "event: update\nid: 7\nretry: 1500\ndata: line one\ndata:line two\nunknown: x\n\n"
        + ": comment between events\r\rdata: café ☕\rdata\r\r"
        + "\n\n"
        + "data:  two spaces\n\n"

    static let expected = [
        ServerSentEvent(data: "first"),
        ServerSentEvent(event: "update", data: "line one\nline two", id: "7", retry: 1500),
        ServerSentEvent(data: "café ☕\n", id: "7"),
        ServerSentEvent(data: " two spaces", id: "7"),
    ]

    static func parse(_ bytes: [UInt8], cuts: [Int]) -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        var start = 0
        for cut in cuts + [bytes.count] {
            events += parser.feed(bytes[start..<cut])
            start = cut
        }
        return events
    }

    @Test("one feed gives the events the spec defines")
    func wholeStream() {
        #expect(Self.parse(Array(Self.stream.utf8), cuts: []) == Self.expected)
    }

    @Test("the same events whatever the chunk boundaries: every single cut, every pair of cuts, byte by byte")
    func arbitraryBoundaries() {
        let bytes = Array(Self.stream.utf8)
        for cut in 0...bytes.count {
            #expect(Self.parse(bytes, cuts: [cut]) == Self.expected, "cut at \(cut)")
        }
        for first in stride(from: 0, through: bytes.count, by: 3) {
            for second in first...bytes.count {
                let events = Self.parse(bytes, cuts: [first, second])
                if events != Self.expected {
                    Issue.record("cuts at \(first), \(second) gave \(events)")
                    return
                }
            }
        }
        #expect(Self.parse(bytes, cuts: Array(0..<bytes.count)) == Self.expected)
    }

    @Test("an event is dispatched only by a blank line; finish() returns one whose last line was complete")
    func endOfStream() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Data("data: [DONE]\n".utf8)).isEmpty)
        #expect(parser.finish() == ServerSentEvent(data: "[DONE]"))

        var cut = ServerSentEventParser()
        #expect(cut.feed(Data("data: partial".utf8)).isEmpty)
        #expect(cut.finish() == nil)

        var empty = ServerSentEventParser()
        #expect(empty.feed(Data(": only a comment\n\n\n".utf8)).isEmpty)
        #expect(empty.finish() == nil)
    }

    @Test("an empty data line still makes an event; a bad retry is ignored; an id with NUL is ignored")
    func edgeFields() {
        var parser = ServerSentEventParser()
        let events = parser.feed(Data("data:\n\nretry: 12a\nid: a\u{0}b\ndata: x\n\n".utf8))
        #expect(events == [ServerSentEvent(data: ""), ServerSentEvent(data: "x")])
    }
}
