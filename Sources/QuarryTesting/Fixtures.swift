import Foundation
import Testing

/// Locates the project and `../shared` from a test source file, so tests read the shared
/// corpora and fixtures wherever the checkout is.
public enum Fixtures {
    /// The package root: the first ancestor of `file` holding Package.swift.
    public static func packageRoot(file: String = #filePath) -> URL {
        var url = URL(fileURLWithPath: file).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// A small reference fixture committed in the repository (`Tests/Fixtures/reference`,
    /// made with the Python reference stack; its README says how, and the scripts in
    /// scripts/fixtures recompute them). Tests that read only these run on a bare clone.
    public static func reference(_ name: String, file: String = #filePath) -> URL {
        packageRoot(file: file).appendingPathComponent("Tests/Fixtures/reference").appendingPathComponent(name)
    }

    /// `../shared` beside the package (or `$QUARRY_SHARED`).
    public static func shared(file: String = #filePath) -> URL {
        if let override = ProcessInfo.processInfo.environment["QUARRY_SHARED"] { return URL(fileURLWithPath: override) }
        return packageRoot(file: file).deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// Whether tests that read `../shared` (the BEIR corpora, reference fixtures, vectors) run.
    ///
    /// A user's clone has no `../shared`: those tests are then skipped, each with
    /// `sharedSkipReason`, never passed silently. CI has it and sets `QUARRY_REQUIRE_SHARED=1`,
    /// which makes them run regardless, so a missing `../shared` there fails instead of skipping.
    public static var sharedAvailable: Bool {
        ProcessInfo.processInfo.environment["QUARRY_REQUIRE_SHARED"] == "1"
            || FileManager.default.fileExists(atPath: shared().appendingPathComponent("corpora").path)
    }

    /// Why a data test was skipped.
    public static var sharedSkipReason: String {
        "needs ../shared (BEIR corpora and reference fixtures), absent beside this checkout at \(shared().path); set QUARRY_SHARED to its path to run it"
    }

    /// The trait of a test (or suite) that reads `../shared`: skipped with the reason when it
    /// is absent. `@Test("…", Fixtures.needsShared)`.
    public static var needsShared: ConditionTrait {
        .enabled(if: sharedAvailable, Comment(rawValue: sharedSkipReason))
    }

    /// The built `quarry` executable next to the test bundle (SwiftPM builds it for tests).
    public static func quarryExecutable(file: String = #filePath) -> URL {
        let root = packageRoot(file: file)
        for candidate in [".build/debug/quarry", ".build/release/quarry"] {
            let url = root.appendingPathComponent(candidate)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("quarry")
        return bundle
    }
}
