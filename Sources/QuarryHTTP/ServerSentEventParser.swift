/// An incremental `text/event-stream` parser: feed it bytes as they arrive, in chunks of any
/// size, and it returns the events completed so far (WHATWG HTML, "Server-sent events", §9.2.6).
///
/// It follows the spec's line rules: lines end with CRLF, LF or CR (a CRLF split across two
/// chunks counts once); a blank line dispatches the event; `data:` lines are joined with
/// `\n`; a line starting with `:` is a comment (servers send them as keep-alives); one space
/// after the colon is dropped; unknown fields are ignored; a leading byte-order mark is
/// skipped. Bytes are decoded as UTF-8 per complete line, so a multi-byte character split
/// across chunks is decoded whole.
///
/// Memory: the parser holds at most one unfinished line and one unfinished event; callers
/// bound the stream itself (QuarryHTTP's transport enforces a body limit).
///
/// ```swift
/// var parser = ServerSentEventParser()
/// for try await chunk in reply.body {
///     for event in parser.feed(chunk) { handle(event.data) }
/// }
/// ```
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var afterCR = false
    private var atStart = true
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?
    private var lastID: String?
    private var retry: Int?

    public init() {}

    /// Consumes `bytes` and returns the events they complete, in order.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [ServerSentEvent] where Bytes.Element == UInt8 {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }  // the LF of a CRLF
            }
            switch byte {
            case 0x0A:
                if let event = endLine() { events.append(event) }
            case 0x0D:
                afterCR = true
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// The end of the stream. The spec discards an event that no blank line ended; this
    /// returns it instead when its last line was complete, because servers that close the
    /// connection right after `data: [DONE]\n` are common and such an event is whole.
    public mutating func finish() -> ServerSentEvent? {
        defer { self = ServerSentEventParser() }
        guard line.isEmpty else { return nil }
        return dispatch()
    }

    /// Processes the line in `line`; returns an event when it was blank and one was pending.
    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if atStart {
            atStart = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        if line.isEmpty { return dispatch() }
        if line.first == UInt8(ascii: ":") { return nil }
        let field: [UInt8]
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = Array(line[..<colon])
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            field = line
            value = []
        }
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                retry = Int(String(decoding: value, as: UTF8.self))
            }
        default:
            break
        }
        return nil
    }

    /// The pending event, if any `data:` line was seen; resets the per-event fields.
    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventType = nil
            retry = nil
        }
        guard hasData else { return nil }
        let type = eventType.flatMap { $0.isEmpty ? nil : $0 }
        return ServerSentEvent(event: type, data: String(decoding: data, as: UTF8.self), id: lastID, retry: retry)
    }
}
