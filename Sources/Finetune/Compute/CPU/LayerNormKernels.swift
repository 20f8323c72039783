/// Layer norm over the last dimension: x (N, C) -> out (N, C), saving mean and rstd (N).
///
/// Backward, with xhat = (x - mean) · rstd and g = dout · weight:
///   dx = rstd · (g - mean(g) - xhat · mean(g · xhat))
///   dweight = Σ_n dout · xhat,  dbias = Σ_n dout   (overwritten, not accumulated)
extension CPUBackend {
    public func layerNormForward(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float,
                                 out: Tensor, mean: Tensor, rstd: Tensor) {
        let rows = x.rows, columns = x.columns
        precondition(weight.count == columns && bias.count == columns && out.count == x.count
                     && mean.count == rows && rstd.count == rows,
                     "layerNormForward: x \(x.shape), weight \(weight.shape), bias \(bias.shape), out \(out.shape), mean \(mean.shape), rstd \(rstd.shape)")
        let xp = x.floats, wp = weight.floats, bp = bias.floats, op = out.floats, mp = mean.floats, rp = rstd.floats
        let scaleByCount = 1 / Float(columns)

        Parallel.forEach(count: rows, grain: max(1, elementGrain / max(columns, 1))) { row in
            let xr = xp + row * columns, or = op + row * columns

            // Pass 1: mean.
            var lanes = FloatVector()
            var c = 0
            while c + vectorWidth <= columns { lanes += xr.loadVector(c); c += vectorWidth }
            var total = lanes.sum()
            while c < columns { total += xr[c]; c += 1 }
            let mu = total * scaleByCount

            // Pass 2: biased variance around the mean.
            lanes = FloatVector()
            c = 0
            while c + vectorWidth <= columns { let d = xr.loadVector(c) - mu; lanes += d * d; c += vectorWidth }
            var squares = lanes.sum()
            while c < columns { let d = xr[c] - mu; squares += d * d; c += 1 }
            let inverse = 1 / (squares * scaleByCount + epsilon).squareRoot()

            // Pass 3: normalise, scale and shift.
            c = 0
            while c + vectorWidth <= columns {
                let xhat = (xr.loadVector(c) - mu) * inverse
                or.storeVector(xhat * wp.loadVector(c) + bp.loadVector(c), c)
                c += vectorWidth
            }
            while c < columns { or[c] = (xr[c] - mu) * inverse * wp[c] + bp[c]; c += 1 }
            mp[row] = mu
            rp[row] = inverse
        }
    }

    public func layerNormBackward(dout: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, weight: Tensor,
                                  dx: Tensor, dweight: Tensor, dbias: Tensor) {
        let rows = x.rows, columns = x.columns
        precondition(dout.count == x.count && dx.count == x.count && weight.count == columns
                     && dweight.count == columns && dbias.count == columns && mean.count == rows && rstd.count == rows,
                     "layerNormBackward: dout \(dout.shape), x \(x.shape), dx \(dx.shape), weight \(weight.shape)")
        let gp = dout.floats, xp = x.floats, mp = mean.floats, rp = rstd.floats, wp = weight.floats
        let dxp = dx.floats, dwp = dweight.floats, dbp = dbias.floats
        let scaleByCount = 1 / Float(columns)

        // Pass 1, dweight and dbias, 8 columns at a time split across cores (reads dout before dx may
        // overwrite it).
        let vectorColumns = columns / vectorWidth * vectorWidth
        Parallel.forEachChunk(count: columns / vectorWidth, grain: max(1, elementGrain / max(rows * vectorWidth, 1))) { _, vectors in
            for v in vectors {
                let c = v * vectorWidth
                var dw = FloatVector(), db = FloatVector()
                for row in 0..<rows {
                    let g = gp.loadVector(row * columns + c)
                    dw += g * ((xp.loadVector(row * columns + c) - mp[row]) * rp[row])
                    db += g
                }
                dwp.storeVector(dw, c)
                dbp.storeVector(db, c)
            }
        }
        for c in vectorColumns..<columns {
            var dw: Float = 0, db: Float = 0
            for row in 0..<rows {
                let g = gp[row * columns + c]
                dw += g * ((xp[row * columns + c] - mp[row]) * rp[row])
                db += g
            }
            dwp[c] = dw
            dbp[c] = db
        }

        // Pass 2, dx, rows split across cores.
        Parallel.forEach(count: rows, grain: max(1, elementGrain / max(columns, 1))) { row in
            let gr = gp + row * columns, xr = xp + row * columns, dr = dxp + row * columns
            let mu = mp[row], inverse = rp[row]
            var sumG = FloatVector(), sumGX = FloatVector()
            var c = 0
            while c + vectorWidth <= columns {
                let g = gr.loadVector(c) * wp.loadVector(c)
                let xhat = (xr.loadVector(c) - mu) * inverse
                sumG += g
                sumGX += g * xhat
                c += vectorWidth
            }
            var meanG = sumG.sum(), meanGX = sumGX.sum()
            while c < columns {
                let g = gr[c] * wp[c]
                meanG += g
                meanGX += g * (xr[c] - mu) * inverse
                c += 1
            }
            meanG *= scaleByCount
            meanGX *= scaleByCount

            c = 0
            while c + vectorWidth <= columns {
                let g = gr.loadVector(c) * wp.loadVector(c)
                let xhat = (xr.loadVector(c) - mu) * inverse
                dr.storeVector((g - meanG - xhat * meanGX) * inverse, c)
                c += vectorWidth
            }
            while c < columns {
                let xhat = (xr[c] - mu) * inverse
                dr[c] = (gr[c] * wp[c] - meanG - xhat * meanGX) * inverse
                c += 1
            }
        }
    }
}
