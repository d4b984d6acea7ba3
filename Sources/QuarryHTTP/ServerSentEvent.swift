/// One event of a `text/event-stream` (WHATWG HTML, "Server-sent events", §9.2).
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field; nil when absent (the spec's default type, `message`).
    public var event: String?
    /// The `data:` lines joined with `\n`.
    public var data: String
    /// The last `id:` seen so far in the stream (it carries over between events, as the spec says).
    public var id: String?
    /// A `retry:` reconnection time in milliseconds, when this event set one.
    public var retry: Int?

    public init(event: String? = nil, data: String, id: String? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }
}
