/// The torch.optim.AdamW update (torch 2.x, single-tensor path), elementwise on fp32 tensors:
///   p = p · (1 - lr · wd)
///   m = m + (1 - β1) · (g - m)          (torch's lerp)
///   v = β2 · v + (1 - β2) · g²
///   p = p - stepSize · m / (√v / √(1 - β2^t) + ε),  stepSize = lr / (1 - β1^t)
extension CPUBackend {
    public func adamW(parameters: Tensor, gradients: Tensor, firstMoment: Tensor, secondMoment: Tensor,
                      beta1: Float, beta2: Float, epsilon: Float, stepSize: Float, biasCorrection2Root: Float, decay: Float) {
        let count = parameters.count
        precondition(gradients.count == count && firstMoment.count == count && secondMoment.count == count,
                     "adamW: parameters \(parameters.shape), gradients \(gradients.shape), moments \(firstMoment.shape), \(secondMoment.shape)")
        let pp = parameters.floats, gp = gradients.floats, mp = firstMoment.floats, vp = secondMoment.floats
        let mixM = 1 - beta1, mixV = 1 - beta2
        Parallel.forEachChunk(count: count, grain: elementGrain) { _, range in
            var i = range.lowerBound
            while i + vectorWidth <= range.upperBound {
                let g = gp.loadVector(i)
                var m = mp.loadVector(i)
                m = m + mixM * (g - m)
                let v = beta2 * vp.loadVector(i) + mixV * (g * g)
                let denominator = v.squareRoot() / biasCorrection2Root + epsilon
                let p = pp.loadVector(i) * decay - stepSize * (m / denominator)
                mp.storeVector(m, i)
                vp.storeVector(v, i)
                pp.storeVector(p, i)
                i += vectorWidth
            }
            while i < range.upperBound {
                let g = gp[i]
                let m = mp[i] + mixM * (g - mp[i])
                let v = beta2 * vp[i] + mixV * (g * g)
                mp[i] = m
                vp[i] = v
                pp[i] = pp[i] * decay - stepSize * (m / (v.squareRoot() / biasCorrection2Root + epsilon))
                i += 1
            }
        }
    }
}
