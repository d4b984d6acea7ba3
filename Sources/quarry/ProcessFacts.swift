import ArgumentParser
import Foundation

/// What commands read from their own process: standard input as text, peak memory.
enum ProcessFacts {
    /// All of standard input as UTF-8.
    /// - Throws: `ValidationError` when it is not UTF-8.
    static func standardInput() throws -> String {
        guard let text = String(data: FileHandle.standardInput.readDataToEndOfFile(), encoding: .utf8) else {
            throw ValidationError("standard input is not valid UTF-8")
        }
        return text
    }

    /// The process's peak resident memory so far, in MiB (getrusage's ru_maxrss).
    static func peakResidentMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
