import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// The per-connection guard in the channel pipeline, below the router: what must be decided
/// before a request reaches any handler.
///
/// - Connections beyond `server.max_connections` are closed at once (a flood of idle sockets
///   cannot exhaust file descriptors; each stalled one is closed by the idle timeout).
/// - A request head over `server.max_header_bytes` is answered 431 and the connection closed
///   (the HTTP decoder stops at the limit; without this the client got a bare 400).
/// - `Expect: 100-continue` is answered `100 Continue` at once when the declared body fits
///   `server.max_body_bytes`; otherwise no 100 is sent and the body middleware answers 413
///   without reading the body.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Open connections across the server.
    final class Counter: @unchecked Sendable {
        let limit: Int
        private let lock = NSLock()
        private var open = 0

        init(limit: Int) { self.limit = limit }

        func enter() -> Bool {
            lock.withLock {
                guard open < limit else { return false }
                open += 1
                return true
            }
        }

        func leave() { lock.withLock { open -= 1 } }
        var current: Int { lock.withLock { open } }
    }

    let counter: Counter
    let maxBodyBytes: Int
    private var counted = false

    init(counter: Counter, maxBodyBytes: Int) {
        self.counter = counter
        self.maxBodyBytes = maxBodyBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        counted = counter.enter()
        if !counted { context.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if counted { counter.leave() }
        counted = false
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted { counter.leave() }
        counted = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), head.headerFields[.expect]?.lowercased() == "100-continue" {
            let declared = head.headerFields[.contentLength].flatMap { Int($0) }
            if declared.map({ $0 <= maxBodyBytes }) ?? true {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError, parse == .headerOverflow else {
            return context.fireErrorCaught(error)
        }
        let body = Problem(.init(code: 431, reasonPhrase: "Request Header Fields Too Large"),
                           "the request head is larger than the server's limit (server.max_header_bytes)").json
        let head = HTTPResponse(status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"),
                                headerFields: [.contentType: "application/problem+json", .contentLength: "\(body.utf8.count)", .connection: "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(string: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
