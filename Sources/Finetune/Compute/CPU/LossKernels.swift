import Foundation

/// Mean cross-entropy over logits (B, L), as torch.nn.CrossEntropyLoss with reduction "mean".
extension CPUBackend {
    public func crossEntropyForward(logits: Tensor, labels: UnsafePointer<Int32>, probs: Tensor) -> Float {
        let rows = logits.rows, classes = logits.columns
        precondition(probs.shape == logits.shape, "crossEntropyForward: probs \(probs.shape) does not match logits \(logits.shape)")
        let lp = logits.floats, pp = probs.floats
        var total: Double = 0
        for row in 0..<rows {
            let l = lp + row * classes, p = pp + row * classes
            var maximum = -Float.infinity
            for c in 0..<classes { maximum = max(maximum, l[c]) }
            var sum: Float = 0
            for c in 0..<classes {
                p[c] = Foundation.exp(l[c] - maximum)
                sum += p[c]
            }
            for c in 0..<classes { p[c] /= sum }
            // -log softmax[label] = log Σ exp(l - max) - (l[label] - max)
            let label = Int(labels[row])
            precondition(label >= 0 && label < classes, "crossEntropyForward: label \(label) of row \(row) is outside 0..<\(classes)")
            total += Double(Foundation.log(sum) - (l[label] - maximum))
        }
        return Float(total / Double(rows))
    }

    public func crossEntropyBackward(probs: Tensor, labels: UnsafePointer<Int32>, scale: Float, dlogits: Tensor) {
        let rows = probs.rows, classes = probs.columns
        precondition(dlogits.shape == probs.shape, "crossEntropyBackward: dlogits \(dlogits.shape) does not match probs \(probs.shape)")
        let pp = probs.floats, dp = dlogits.floats
        let factor = scale / Float(rows)
        for row in 0..<rows {
            for c in 0..<classes {
                let target: Float = c == Int(labels[row]) ? 1 : 0
                dp[row * classes + c] = (pp[row * classes + c] - target) * factor
            }
        }
    }
}
