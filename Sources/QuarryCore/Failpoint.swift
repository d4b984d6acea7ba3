import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named points in the write paths where the kill-point harness
/// (`scripts/reliability/kill.sh`) stops the process with SIGKILL, deterministically: the
/// environment variable `QUARRY_FAILPOINT=NAME:COUNT` kills the process the COUNT-th time
/// it passes NAME. `QUARRY_FAILPOINT_TRACE=FILE` appends the name of every point passed to
/// FILE, so the harness learns how often each is passed before it picks where to kill.
///
/// Compiled only into debug builds (the ones tests and the harness use): in a release build
/// `hit` is an empty inlined function and the variables are ignored, so a production binary
/// cannot be told to kill itself.
public enum Failpoint {
    #if DEBUG
    private struct Armed {
        var name: String
        var count: Int
    }

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        let armed: Armed?
        let trace: Int32
        var passes = 0

        init(environment: [String: String]) {
            if let value = environment["QUARRY_FAILPOINT"], let colon = value.lastIndex(of: ":"),
               let count = Int(value[value.index(after: colon)...]), count > 0 {
                armed = Armed(name: String(value[..<colon]), count: count)
            } else {
                armed = nil
            }
            if let path = environment["QUARRY_FAILPOINT_TRACE"], !path.isEmpty {
                trace = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            } else {
                trace = -1
            }
        }
    }

    private static let state = State(environment: ProcessInfo.processInfo.environment)

    /// Passes the point `name`: traced when tracing, and the process dies here when this is
    /// the armed pass.
    public static func hit(_ name: StaticString) {
        let state = state
        guard state.armed != nil || state.trace >= 0 else { return }
        let text = name.description
        if state.trace >= 0 {
            let line = text + "\n"
            _ = line.withCString { write(state.trace, $0, strlen($0)) }
        }
        guard let armed = state.armed, armed.name == text else { return }
        state.lock.lock()
        state.passes += 1
        let fire = state.passes == armed.count
        state.lock.unlock()
        if fire {
            let message = "failpoint \(text):\(armed.count): SIGKILL\n"
            _ = message.withCString { write(2, $0, strlen($0)) }
            kill(getpid(), SIGKILL)
            // SIGKILL cannot be caught; nothing after this line runs.
        }
    }
    #else
    @inlinable @inline(__always)
    public static func hit(_ name: StaticString) {}
    #endif
}
