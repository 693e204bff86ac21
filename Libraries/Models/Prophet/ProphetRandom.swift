#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random draws for the interval simulation: normals by Marsaglia's polar method (both values of a
/// pair used, no trigonometry), plus selection of order statistics without a full sort.
struct ProphetRandom {
    private var generator: SeededGenerator
    private var spare = 0.0
    private var hasSpare = false

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    @inline(__always) mutating func uniform() -> Double { generator.uniform() }

    mutating func normal() -> Double {
        if hasSpare {
            hasSpare = false
            return spare
        }
        while true {
            let u = 2 * generator.uniform() - 1, v = 2 * generator.uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * log(s) / s).squareRoot()
                spare = v * factor
                hasSpare = true
                return u * factor
            }
        }
    }

    mutating func laplace(scale: Double) -> Double { generator.laplace(scale: scale) }

    /// Rearranges a[from..<to] so that a[rank] holds the value of that rank in sorted order, with no
    /// larger value before it and no smaller one after it (Hoare quickselect, median-of-three pivot).
    static func select(_ a: UnsafeMutableBufferPointer<Double>, _ rank: Int, _ from: Int, _ to: Int) {
        var lo = from, hi = to - 1
        while hi > lo {
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if rank <= j {
                hi = j
            } else if rank >= i {
                lo = i
            } else {
                return
            }
        }
    }

    /// Places every rank of `ranks` (sorted, within from..<to) at its sorted position: select the middle
    /// rank, then recurse on each side; a rank at the start of its range is just the minimum.
    static func select(_ a: UnsafeMutableBufferPointer<Double>, ranks: ArraySlice<Int>, _ from: Int, _ to: Int) {
        guard let firstRank = ranks.first, from < to else { return }
        if ranks.count == 1 && firstRank == from {
            var best = from
            for i in (from + 1)..<max(to, from + 1) where a[i] < a[best] { best = i }
            a.swapAt(from, best)
            return
        }
        let mid = ranks.startIndex + ranks.count / 2
        let rank = ranks[mid]
        select(a, rank, from, to)
        select(a, ranks: ranks[ranks.startIndex..<mid], from, rank)
        select(a, ranks: ranks[(mid + 1)...], rank + 1, to)
    }
}
