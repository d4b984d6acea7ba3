import CBLAS
import Foundation

/// OpenBLAS, loaded at run time with a kernel the CPU supports (see CBLAS/include/qblas.h):
/// an `OPENBLAS_CORETYPE` already in the environment is respected; otherwise SkylakeX
/// (AVX-512) or Haswell (AVX2+FMA) is chosen from cpuid before the library loads.
public enum BLAS {
    /// Loads OpenBLAS (once).
    /// - Throws: `ModelError.blas` when the library is missing.
    public static func load() throws {
        var error = [CChar](repeating: 0, count: 256)
        guard qblas_load(&error, 256) == 0 else {
            throw ModelError(.blas, String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    /// The kernel OpenBLAS runs, and where the choice came from, for the start-up log.
    public static var kernelDescription: String {
        var name = [CChar](repeating: 0, count: 64)
        qblas_core_name(&name, 64)
        let core = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let source = switch qblas_core_source() {
        case 0: "OPENBLAS_CORETYPE from the environment"
        case 1: "chosen from cpuid"
        default: "OpenBLAS's own detection"
        }
        return "OpenBLAS kernel \(core) (\(source))"
    }

    /// Threads one BLAS call may use. Quarry parallelises across batches instead, so 1.
    public static func setThreads(_ n: Int) {
        qblas_set_threads(Int32(n))
    }

    /// Row-major C = A·op(B) (+ C when `accumulate`), with A M×K and op(B) K×N.
    @inline(__always)
    static func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                     b: UnsafePointer<Float>, ldb: Int, transposeB: Bool, c: UnsafeMutablePointer<Float>, ldc: Int,
                     alpha: Float = 1, accumulate: Bool = false) {
        qblas_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    accumulate ? 1 : 0, c, Int32(ldc))
    }
}
