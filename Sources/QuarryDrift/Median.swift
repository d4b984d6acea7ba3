/// The median by selection rather than sorting, for the half-million pairwise distances of the
/// MMD bandwidth heuristic.
enum Median {
    /// NumPy's `median`: the middle value, or the mean of the two middle values for an even
    /// count. Reorders `values`. Expected O(n) (Hoare's quickselect with a median-of-three pivot).
    static func of(_ values: inout [Double]) -> Double {
        precondition(!values.isEmpty)
        let n = values.count
        let upper = select(&values, rank: n / 2)
        if n % 2 == 1 { return upper }
        // After selection everything before n/2 is ≤ upper; the lower middle is their maximum.
        var lower = values[0]
        for i in 1..<(n / 2) where values[i] > lower { lower = values[i] }
        return (lower + upper) / 2
    }

    /// The value of the given 0-based rank; partially orders `values` around it.
    private static func select(_ values: inout [Double], rank: Int) -> Double {
        values.withUnsafeMutableBufferPointer { a in
            var low = 0, high = a.count - 1
            while low < high {
                let mid = low + (high - low) / 2
                // Median of three as the pivot, which defeats sorted and reversed inputs.
                if a[mid] < a[low] { a.swapAt(mid, low) }
                if a[high] < a[low] { a.swapAt(high, low) }
                if a[high] < a[mid] { a.swapAt(high, mid) }
                let pivot = a[mid]
                var i = low, j = high
                while i <= j {
                    while a[i] < pivot { i += 1 }
                    while a[j] > pivot { j -= 1 }
                    if i <= j {
                        a.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if rank <= j { high = j } else if rank >= i { low = i } else { return a[rank] }
            }
            return a[rank]
        }
    }
}
