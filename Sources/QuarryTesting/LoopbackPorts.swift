import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Ports with no server behind them, for "connection refused" tests: a socket bound without
// listening is below what an HTTP library offers, so these few lines stay on the socket API.
extension LocalHTTPServer {
    /// A port on 127.0.0.1 that had no listener a moment ago (bound, then released), for
    /// "connection refused" tests.
    public static func unusedPort() throws -> UInt16 {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw ServerError(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        return try bindLoopback(fd, port: 0)
    }

    /// A port on 127.0.0.1 that stays bound without listening while this object lives, so
    /// connections to it are refused and, unlike `unusedPort()`, no server started by a test
    /// running in parallel can take it meanwhile.
    public final class RefusingPort: @unchecked Sendable {
        public let port: UInt16
        private let descriptor: Int32

        public init() throws {
            let fd = socket(AF_INET, LocalHTTPServer.streamType, 0)
            guard fd >= 0 else { throw ServerError(description: "socket() failed: errno \(errno)") }
            do {
                port = try LocalHTTPServer.bindLoopback(fd, port: 0)
            } catch {
                close(fd)
                throw error
            }
            descriptor = fd
        }

        deinit { close(descriptor) }
    }

    #if os(Linux)
    static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    static let streamType = SOCK_STREAM
    #endif

    static func bindLoopback(_ fd: Int32, port: UInt16) throws -> UInt16 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerError(description: "bind(127.0.0.1) failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ServerError(description: "getsockname() failed: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }
}
