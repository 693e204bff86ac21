/// A small dense row-major matrix for the models' linear algebra.
public struct Matrix: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        values = [Double](repeating: value, count: rows * columns)
    }

    public init(_ rowsOfValues: [[Double]]) {
        rows = rowsOfValues.count
        columns = rowsOfValues.first?.count ?? 0
        values = rowsOfValues.flatMap { $0 }
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    @inlinable public subscript(i: Int, j: Int) -> Double {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }

    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    public static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.columns == b.rows)
        var c = Matrix(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows {
            for k in 0..<a.columns {
                let aik = a[i, k]
                if aik == 0 { continue }
                for j in 0..<b.columns { c.values[i * c.columns + j] += aik * b.values[k * b.columns + j] }
            }
        }
        return c
    }

    public static func * (a: Matrix, v: [Double]) -> [Double] {
        precondition(a.columns == v.count)
        var out = [Double](repeating: 0, count: a.rows)
        for i in 0..<a.rows {
            var s = 0.0
            for j in 0..<a.columns { s += a.values[i * a.columns + j] * v[j] }
            out[i] = s
        }
        return out
    }

    public static func + (a: Matrix, b: Matrix) -> Matrix {
        var c = a
        for i in c.values.indices { c.values[i] += b.values[i] }
        return c
    }

    public static func - (a: Matrix, b: Matrix) -> Matrix {
        var c = a
        for i in c.values.indices { c.values[i] -= b.values[i] }
        return c
    }

    /// Cholesky factor L (lower) of a symmetric positive-definite matrix, or nil.
    public func cholesky() -> Matrix? {
        precondition(rows == columns)
        let n = rows
        var l = Matrix(rows: n, columns: n)
        for j in 0..<n {
            var d = self[j, j]
            for k in 0..<j { d -= l[j, k] * l[j, k] }
            guard d > 0 else { return nil }
            let ljj = d.squareRoot()
            l[j, j] = ljj
            for i in (j + 1)..<max(n, j + 1) {
                var s = self[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                l[i, j] = s / ljj
            }
        }
        return l
    }

    /// Solves A x = b by LU decomposition with partial pivoting; nil when singular.
    public func solve(_ b: [Double]) -> [Double]? {
        precondition(rows == columns && b.count == rows)
        let n = rows
        var a = self
        var x = b
        for col in 0..<n {
            var pivot = col
            for r in (col + 1)..<max(n, col + 1) where abs(a[r, col]) > abs(a[pivot, col]) { pivot = r }
            guard abs(a[pivot, col]) > 1e-300 else { return nil }
            if pivot != col {
                for j in 0..<n { a.values.swapAt(col * n + j, pivot * n + j) }
                x.swapAt(col, pivot)
            }
            let inv = 1 / a[col, col]
            for r in (col + 1)..<max(n, col + 1) {
                let factor = a[r, col] * inv
                if factor == 0 { continue }
                for j in col..<n { a[r, j] -= factor * a[col, j] }
                x[r] -= factor * x[col]
            }
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = x[i]
            for j in (i + 1)..<max(n, i + 1) { s -= a[i, j] * x[j] }
            x[i] = s / a[i, i]
        }
        return x
    }

    /// Inverse by LU; nil when singular.
    public func inverse() -> Matrix? {
        let n = rows
        var inv = Matrix(rows: n, columns: n)
        for j in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            guard let col = solve(e) else { return nil }
            for i in 0..<n { inv[i, j] = col[i] }
        }
        return inv
    }

    /// Least squares: minimises |X b - y|² + ridge |b|² through the normal equations.
    public static func leastSquares(_ x: Matrix, _ y: [Double], ridge: Double = 0) -> [Double]? {
        var xtx = x.transposed * x
        for i in 0..<xtx.rows { xtx[i, i] += ridge }
        let xty = x.transposed * y
        return xtx.solve(xty)
    }
}
