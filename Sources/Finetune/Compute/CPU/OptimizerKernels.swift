/// The torch.optim.AdamW update (torch 2.x, single-tensor path), elementwise on fp32 tensors:
///   p = p · (1 - lr · wd)
///   m = m + (1 - β1) · (g - m)          (torch's lerp)
///   v = β2 · v + (1 - β2) · g²
///   p = p - stepSize · m / (√v / √(1 - β2^t) + ε),  stepSize = lr / (1 - β1^t)
extension CPUBackend {
    public func adamW(parameters: Tensor, gradients: Tensor, firstMoment: Tensor, secondMoment: Tensor,
                      beta1: Float, beta2: Float, epsilon: Float, stepSize: Float, biasCorrection2Root: Float, decay: Float,
                      halfCopy: Tensor?) {
        let count = parameters.count
        precondition(gradients.count == count && firstMoment.count == count && secondMoment.count == count
                     && (halfCopy == nil || halfCopy!.count == count),
                     "adamW: parameters \(parameters.shape), gradients \(gradients.shape), moments \(firstMoment.shape), \(secondMoment.shape)")
        let pp = parameters.floats, gp = gradients.floats, mp = firstMoment.floats, vp = secondMoment.floats
        let mixM = 1 - beta1, mixV = 1 - beta2
        let half = halfCopy?.halves, halfType = halfCopy?.dtype
        // Multiplying by the reciprocal saves a division per element; the result differs from
        // torch's division by at most one rounding of √v̂.
        let inverseRoot = 1 / biasCorrection2Root
        Parallel.forEachChunk(count: count, grain: elementGrain) { _, range in
            // Blocks of 4096 elements: update them, then round the block while it is still in cache.
            var start = range.lowerBound
            while start < range.upperBound {
                let end = min(start + 4096, range.upperBound)
                var i = start
                while i + vectorWidth <= end {
                    let g = gp.loadVector(i)
                    var m = mp.loadVector(i)
                    m = fma(g - m, FloatVector(repeating: mixM), m)
                    let v = fma(vp.loadVector(i), FloatVector(repeating: beta2), mixV * (g * g))
                    let denominator = fma(v.squareRoot(), FloatVector(repeating: inverseRoot), FloatVector(repeating: epsilon))
                    let p = pp.loadVector(i) * decay - stepSize * (m / denominator)
                    mp.storeVector(m, i)
                    vp.storeVector(v, i)
                    pp.storeVector(p, i)
                    i += vectorWidth
                }
                while i < end {
                    let g = gp[i]
                    let m = mp[i] + mixM * (g - mp[i])
                    let v = beta2 * vp[i] + mixV * (g * g)
                    mp[i] = m
                    vp[i] = v
                    pp[i] = pp[i] * decay - stepSize * (m / (v.squareRoot() * inverseRoot + epsilon))
                    i += 1
                }
                if let half, let halfType {
                    if halfType == .bfloat16 {
                        roundToBFloat16(pp + start, half + start, count: end - start)
                    } else {
                        for j in start..<end { half[j] = Float16(pp[j]).bitPattern }
                    }
                }
                start = end
            }
        }
    }
}
