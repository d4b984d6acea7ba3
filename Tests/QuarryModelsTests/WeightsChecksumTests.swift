import Foundation
import QuarryCore
import QuarryModels
import QuarryTesting
import Testing

/// Weights are checked against the SHA-256 `scripts/fetch-model` records beside them: a
/// flipped bit in tensor data is a valid number, so without the check it would load.
@Suite struct WeightsChecksumTests {
    @Test("a weights file matching its recorded SHA-256 loads; one damaged after fetching is refused; one without a record loads unchecked")
    func sidecar() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let source = Fixtures.packageRoot().appendingPathComponent("Fuzz/seeds/safetensors/small.safetensors")
        var bytes = [UInt8](try Data(contentsOf: source))
        let path = dir.url.appendingPathComponent("model.safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try SafeTensorsFile(path: path).entries.count == 3)  // no record: unchecked
        try "\(ContentHash.sha256(bytes))  model.safetensors\n".write(toFile: path + ".sha256", atomically: true, encoding: .utf8)
        #expect(try SafeTensorsFile(path: path).floats("w") == [1, 2, 3, 4, 5, 6])
        bytes[bytes.count - 30] ^= 0x10  // inside the tensor data: still a valid file
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ModelError.self) { try SafeTensorsFile(path: path) }
        #expect(error?.message.contains("does not match the SHA-256 recorded") == true)
    }
}
