import Foundation
import NIOCore
import NIOPosix

/// A server on `127.0.0.1` whose every answer is one response with no `Content-Length` and no
/// chunked framing: the body ends when the server closes the connection, as HTTP/1.0-style
/// streaming servers do. Hummingbird (rightly) frames every body it sends, so this one wire
/// behaviour is written by hand on a plain NIO channel; everything else is `LocalHTTPServer`.
///
/// Each connection's request head is read (its body is ignored), then the status line and
/// headers go out, then each piece after its pause, then the connection closes.
public final class CloseDelimitedServer: Sendable {
    /// The bound port on 127.0.0.1.
    public let port: UInt16
    /// `http://127.0.0.1:<port>`.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private let task: Task<Void, any Error>

    /// Starts listening; returns once bound.
    public init(status: Int = 200, headers: [(name: String, value: String)] = [],
                pieces: [LocalHTTPServer.Response.Piece]) async throws {
        var head = "HTTP/1.1 \(status) Status\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Connection: close\r\n\r\n"
        let answer = Answer(head: Data(head.utf8), pieces: pieces)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        guard let bound = server.channel.localAddress?.port, let port = UInt16(exactly: bound) else {
            try? await server.channel.close()
            throw LocalHTTPServer.ServerError(description: "CloseDelimitedServer: no bound port")
        }
        self.port = port
        task = Task(executorPreference: QueueExecutor(label: "CloseDelimitedServer")) {
            try await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { try? await answer.send(on: connection) }
                    }
                }
            }
        }
    }

    deinit { task.cancel() }

    /// Stops listening and cuts short any answer still being sent.
    public func stop() { task.cancel() }

    struct Answer: Sendable {
        let head: Data
        let pieces: [LocalHTTPServer.Response.Piece]

        func send(on connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
            try await connection.executeThenClose { inbound, outbound in
                var request = ByteBuffer()
                for try await var chunk in inbound {
                    request.writeBuffer(&chunk)
                    if request.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) != nil { break }
                    if request.readableBytes > 64 << 10 { return }
                }
                try await outbound.write(ByteBuffer(bytes: head))
                for piece in pieces {
                    if piece.delay > 0 { try await Task.sleep(for: .seconds(min(piece.delay, 60))) }
                    try await outbound.write(ByteBuffer(bytes: piece.data))
                }
            }  // closing the connection ends the body
        }
    }
}
