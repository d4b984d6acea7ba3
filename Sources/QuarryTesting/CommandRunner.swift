import Foundation

/// Runs the `quarry` executable as a child process and collects its output, for end-to-end
/// tests of the CLI (exit codes, stderr messages, crash recovery).
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum CommandRunner {
    /// Runs `executable` with `arguments` and waits for it, on a dispatch thread.
    ///
    /// Why async: a test blocked in `waitUntilExit` holds one of Swift's cooperative threads
    /// (as many as cores: two here) for as long as the child runs, and with two such tests at
    /// once every in-process server and client of the other suites stops for seconds.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: URL? = nil) async throws -> CommandResult {
        try await offPool { try runBlocking(executable, arguments, environment: environment, currentDirectory: currentDirectory) }
    }

    /// Runs `body` on a thread of its own and waits for it without holding a cooperative
    /// thread. (Not a dispatch worker: under the full suite those are all busy computing, and a
    /// poll loop queued behind them would run seconds late.)
    public static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Waits for `process` to exit without holding a cooperative thread.
    public static func waitForExit(_ process: Process) async {
        let box = Unchecked(process)
        _ = try? await offPool { box.value.waitUntilExit() }
    }

    /// The blocking form, for code outside Swift concurrency.
    @available(*, noasync, message: "use the async run(_:_:) so the cooperative pool stays free")
    public static func runBlocking(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                                   currentDirectory: URL? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let group = DispatchGroup()
        let box = OutputBox()
        group.enter()
        DispatchQueue.global().async {
            box.out = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            box.err = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        process.waitUntilExit()
        group.wait()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: box.out, as: UTF8.self),
                             stderr: String(decoding: box.err, as: UTF8.self))
    }

    /// Starts `executable` and returns the running process (its output discarded).
    public static func start(_ executable: URL, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    private final class OutputBox: @unchecked Sendable {
        var out = Data()
        var err = Data()
    }
}

/// A value handed to another thread that the type system cannot prove safe to share (a
/// `Process`, a test suite value): the test guarantees one thread uses it at a time.
public struct Unchecked<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
