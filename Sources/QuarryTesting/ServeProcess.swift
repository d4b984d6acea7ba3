import Foundation

/// `quarry serve --port 0 …` as a child process, for tests of the command itself (signals,
/// exit codes, what it leaves on disk).
public enum ServeProcess {
    /// Starts `executable serve --port 0 arguments…` and returns the process and the port
    /// it printed. Its stderr (the access log) is drained on a thread from then on so the
    /// server never blocks on a full pipe.
    ///
    /// Reads the pipe with `read(2)` and retries on EINTR: `FileHandle.availableData` traps on
    /// an interrupted read, and a test process takes signals (SIGCHLD from the children it
    /// runs) at any moment.
    public static func start(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                             timeout: TimeInterval = 30) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let fd = errors.fileHandleForReading.fileDescriptor
        var seen = ""
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, let chunk = readChunk(fd) {
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: "listening on http://127.0.0.1:"),
               let end = seen[range.upperBound...].firstIndex(where: { !$0.isNumber }), let port = Int(seen[range.upperBound ..< end]) {
                Thread.detachNewThread {
                    while readChunk(fd) != nil {}
                    _ = errors  // the pipe lives as long as the drain
                }
                return (process, port)
            }
        }
        process.terminate()
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "serve did not start: \(seen)"])
    }

    /// The next bytes from `fd`, or nil at end of file or on an error other than EINTR.
    static func readChunk(_ fd: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 { return Array(buffer[..<count]) }
            if count < 0 && errno == EINTR { continue }
            return nil
        }
    }
}
