/// A 3×3 matrix of doubles, row by row: just enough linear algebra for colour transforms.
struct Matrix3: Equatable {
    /// The three rows.
    var rows: [SIMD3<Double>]

    /// The matrix with these three rows.
    init(rows: [SIMD3<Double>]) {
        precondition(rows.count == 3, "\(rows.count) rows for a 3×3 matrix")
        self.rows = rows
    }

    /// The identity.
    static let identity = Matrix3(rows: [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)])

    /// The entry at `row`, `column`.
    subscript(row: Int, column: Int) -> Double {
        get { rows[row][column] }
        set { rows[row][column] = newValue }
    }

    /// The sum of the diagonal.
    var trace: Double { self[0, 0] + self[1, 1] + self[2, 2] }

    /// The matrix with rows and columns swapped.
    var transposed: Matrix3 {
        Matrix3(rows: (0..<3).map { column in SIMD3(self[0, column], self[1, column], self[2, column]) })
    }

    /// The matrix product.
    static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        Matrix3(rows: a.rows.map { row in row.x * b.rows[0] + row.y * b.rows[1] + row.z * b.rows[2] })
    }

    /// The matrix applied to a column vector.
    static func * (a: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((a.rows[0] * v).sum(), (a.rows[1] * v).sum(), (a.rows[2] * v).sum())
    }

    /// Eigenvalues and orthonormal eigenvectors (the columns of `vectors`) of a symmetric matrix,
    /// by cyclic Jacobi rotations; only the upper triangle is trusted to be symmetric with the lower.
    func symmetricEigen() -> (values: SIMD3<Double>, vectors: Matrix3) {
        var a = self
        var vectors = Matrix3.identity
        for _ in 0..<50 { // converges quadratically: a handful of sweeps in practice
            let offDiagonal = a[0, 1] * a[0, 1] + a[0, 2] * a[0, 2] + a[1, 2] * a[1, 2]
            let diagonal = a[0, 0] * a[0, 0] + a[1, 1] * a[1, 1] + a[2, 2] * a[2, 2]
            if offDiagonal <= 1e-32 * diagonal || offDiagonal == 0 { break }
            for (p, q) in [(0, 1), (0, 2), (1, 2)] where a[p, q] != 0 {
                // The rotation in the (p, q) plane that zeroes a[p, q] (Numerical Recipes §11.1).
                let theta = (a[q, q] - a[p, p]) / (2 * a[p, q])
                let t = abs(theta) > 1e150 ? 1 / (2 * theta)
                    : (theta < 0 ? -1 : 1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                var rotation = Matrix3.identity
                rotation[p, p] = c
                rotation[q, q] = c
                rotation[p, q] = s
                rotation[q, p] = -s
                a = rotation.transposed * a * rotation
                vectors = vectors * rotation
            }
        }
        return (SIMD3(a[0, 0], a[1, 1], a[2, 2]), vectors)
    }

    /// f(M) for a symmetric M: V·diag(f(λ))·Vᵀ, with f applied to each eigenvalue λ.
    func symmetricFunction(_ f: (Double) -> Double) -> Matrix3 {
        let (values, vectors) = symmetricEigen()
        let v = vectors.transposed // rows are eigenvectors
        var result = Matrix3(rows: [.zero, .zero, .zero])
        for k in 0..<3 {
            let weight = f(values[k])
            for i in 0..<3 { result.rows[i] += weight * v.rows[k][i] * v.rows[k] }
        }
        return result
    }
}
