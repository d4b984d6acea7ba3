import Foundation

/// L2-regularised binary logistic regression fitted by L-BFGS: the domain classifier's model.
///
/// Minimises scikit-learn's objective ½‖w‖² + C Σᵢ log(1 + exp(−ỹᵢ(w·xᵢ + b))) (intercept b not
/// penalised), divided by C·n so the tolerance does not depend on the sample size. The problem
/// is strictly convex, so any converging method reaches the same optimum as scikit-learn's
/// `lbfgs` solver. L-BFGS (Liu & Nocedal, "On the limited memory BFGS method for large scale
/// optimization", Math. Prog. 45, 1989; two-loop recursion, 10 pairs, backtracking Armijo line
/// search) costs two passes over the data per iteration and O(10·d) memory, where Newton/IRLS
/// would need a d × d Hessian per step — 384² for embeddings. Deterministic: no randomness.
struct LogisticRegression: Sendable {
    var weights: [Double]
    var intercept: Double
    /// Iterations the optimiser ran.
    var iterations: Int

    struct Options: Sendable {
        /// scikit-learn's C: larger fits the data harder (default 1).
        var inverseRegularization: Double = 1
        var maxIterations: Int = 500
        /// Stop when the largest gradient component of the scaled objective is below this.
        var gradientTolerance: Double = 1e-8
        var history: Int = 10
    }

    /// Fits the model to rows of `x` with `labels` (true = class 1).
    static func fit(_ x: PackedVectors, labels: [Bool], options: Options = Options()) -> LogisticRegression {
        let d = x.dimension
        let objective = Objective(x: x, labels: labels, lambda: 1 / (options.inverseRegularization * Double(x.count)))
        var theta = [Double](repeating: 0, count: d + 1)
        var (value, gradient) = objective.evaluate(theta)
        var steps: [[Double]] = [], changes: [[Double]] = [], curvatures: [Double] = []
        var iteration = 0
        while iteration < options.maxIterations {
            if gradient.reduce(0, { max($0, abs($1)) }) <= options.gradientTolerance { break }
            var direction = twoLoop(gradient, steps: steps, changes: changes, curvatures: curvatures)
            var slope = dot(gradient, direction)
            if slope >= 0 {
                // Not a descent direction (cannot happen with positive curvatures; guard anyway).
                steps.removeAll(); changes.removeAll(); curvatures.removeAll()
                direction = gradient.map { -$0 }
                slope = dot(gradient, direction)
            }
            // The first step has no curvature estimate; keep it to unit length.
            var step = steps.isEmpty ? min(1, 1 / max(gradient.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-300)) : 1
            var candidate = theta, candidateValue = value, candidateGradient = gradient
            var accepted = false
            for _ in 0..<60 {
                for k in theta.indices { candidate[k] = theta[k] + step * direction[k] }
                (candidateValue, candidateGradient) = objective.evaluate(candidate)
                if candidateValue <= value + 1e-4 * step * slope { accepted = true; break }
                step /= 2
            }
            iteration += 1
            if !accepted { break }
            let s = zip(candidate, theta).map { $0 - $1 }
            let y = zip(candidateGradient, gradient).map { $0 - $1 }
            let sy = dot(s, y)
            let previousValue = value
            (theta, value, gradient) = (candidate, candidateValue, candidateGradient)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                steps.append(s); changes.append(y); curvatures.append(1 / sy)
                if steps.count > options.history {
                    steps.removeFirst(); changes.removeFirst(); curvatures.removeFirst()
                }
            }
            if abs(previousValue - value) <= 1e-16 * max(1, abs(value)) { break }
        }
        return LogisticRegression(weights: Array(theta[0..<d]), intercept: theta[d], iterations: iteration)
    }

    /// w·xᵢ + b for every row.
    func logits(_ x: PackedVectors) -> [Double] {
        let d = x.dimension
        return x.values.withUnsafeBufferPointer { data in
            weights.withUnsafeBufferPointer { w in
                (0..<x.count).map { i in
                    var z = intercept
                    let row = data.baseAddress! + i * d
                    for k in 0..<d { z += w[k] * row[k] }
                    return z
                }
            }
        }
    }

    /// H·(−g) by the L-BFGS two-loop recursion, with H₀ = (sᵀy / yᵀy)·I from the newest pair.
    private static func twoLoop(_ gradient: [Double], steps: [[Double]], changes: [[Double]], curvatures: [Double]) -> [Double] {
        var q = gradient
        var alphas = [Double](repeating: 0, count: steps.count)
        for i in stride(from: steps.count - 1, through: 0, by: -1) {
            alphas[i] = curvatures[i] * dot(steps[i], q)
            for k in q.indices { q[k] -= alphas[i] * changes[i][k] }
        }
        if let s = steps.last, let y = changes.last {
            let scale = dot(s, y) / dot(y, y)
            for k in q.indices { q[k] *= scale }
        }
        for i in 0..<steps.count {
            let beta = curvatures[i] * dot(changes[i], q)
            for k in q.indices { q[k] += (alphas[i] - beta) * steps[i][k] }
        }
        return q.map { -$0 }
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for k in a.indices { sum += a[k] * b[k] }
        return sum
    }

    /// The scaled objective (1/n) Σ loss + (λ/2)‖w‖², λ = 1/(C·n), and its gradient; θ = (w, b).
    private struct Objective {
        var x: PackedVectors
        var labels: [Bool]
        var lambda: Double

        func evaluate(_ theta: [Double]) -> (Double, [Double]) {
            let n = x.count, d = x.dimension
            var gradient = [Double](repeating: 0, count: d + 1)
            var loss = 0.0
            x.values.withUnsafeBufferPointer { data in
                theta.withUnsafeBufferPointer { w in
                    gradient.withUnsafeMutableBufferPointer { g in
                        for i in 0..<n {
                            let row = data.baseAddress! + i * d
                            var z = w[d]
                            for k in 0..<d { z += w[k] * row[k] }
                            let y = labels[i] ? 1.0 : 0.0
                            // log(1 + eᶻ) − y·z and σ(z) − y, both without overflow.
                            let softplus = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
                            loss += softplus - y * z
                            let sigma = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
                            let residual = sigma - y
                            for k in 0..<d { g[k] += residual * row[k] }
                            g[d] += residual
                        }
                    }
                }
            }
            let scale = 1 / Double(n)
            var penalty = 0.0
            for k in 0..<d {
                penalty += theta[k] * theta[k]
                gradient[k] = gradient[k] * scale + lambda * theta[k]
            }
            gradient[d] *= scale
            return (loss * scale + lambda / 2 * penalty, gradient)
        }
    }
}
