import Foundation
import QuarryFuzzTargets

/// The target the fuzzer drives, from QUARRY_FUZZ_TARGET.
private let fuzzTarget = ProcessInfo.processInfo.environment["QUARRY_FUZZ_TARGET"] ?? ""

/// libFuzzer's callback: one input through the target.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzTargets.run(fuzzTarget, input)
    return 0
}

#if QUARRY_FUZZ
/// libFuzzer's driver, for a program that keeps its own `main` (SwiftPM links executables
/// through their module's entry point).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif

@main
struct FuzzEntry {
    static func main() {
        #if QUARRY_FUZZ
        // Built by scripts/reliability/fuzz.sh with -sanitize=fuzzer,address: libFuzzer runs.
        guard FuzzTargets.names.contains(fuzzTarget) else {
            FileHandle.standardError.write(Data("set QUARRY_FUZZ_TARGET to one of: \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
            exit(2)
        }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
        #else
        // A plain build replays files: `quarry-fuzz TARGET FILE|FOLDER…` (a crash reproducer,
        // or a seed folder).
        let arguments = CommandLine.arguments.dropFirst()
        guard let target = arguments.first, FuzzTargets.names.contains(target), arguments.count > 1 else {
            FileHandle.standardError.write(Data("usage: quarry-fuzz TARGET FILE|FOLDER…  (targets: \(FuzzTargets.names.joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: path)).map { $0.sorted().map { path + "/" + $0 } } ?? [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                FuzzTargets.run(target, Array(data))
            }
            print("\(target): \(files.count) input(s) from \(path) ran without a crash")
        }
        #endif
    }
}
