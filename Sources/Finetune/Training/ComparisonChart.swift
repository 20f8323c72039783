import Foundation

/// `chart.svg`: training time as horizontal bars on the left, validation loss per epoch as
/// lines on the right, one colour per precision. Plain SVG 1.1 that browsers show as is.
struct ComparisonChart {
    let report: ComparisonReport

    private static let colours = ["#4C72B0", "#DD8452", "#55A868", "#C44E52"]
    private let width = 900.0
    private let height = 380.0
    private let panelTop = 70.0
    private let panelHeight = 250.0

    func svg() -> String {
        var parts: [String] = []
        parts.append("""
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="13">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="28" text-anchor="middle" font-size="17" font-weight="bold">\(escape(report.model)): fp32 versus mixed precision</text>
        """)
        parts.append(timeBars(x: 40, width: 380))
        parts.append(lossLines(x: 500, width: 360))
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    // MARK: - Panels

    private func timeBars(x: Double, width panelWidth: Double) -> String {
        var parts = ["<text x=\"\(x)\" y=\"\(panelTop - 16)\" font-weight=\"bold\">Training time (s)</text>"]
        let maximum = max(report.runs.map(\.trainSeconds).max() ?? 1, 1e-9)
        let labelWidth = 60.0
        let barArea = panelWidth - labelWidth - 80
        let slot = panelHeight / Double(max(1, report.runs.count))
        let barHeight = min(44, slot * 0.6)
        for (index, run) in report.runs.enumerated() {
            let y = panelTop + slot * Double(index) + (slot - barHeight) / 2
            let length = barArea * run.trainSeconds / maximum
            let colour = Self.colours[index % Self.colours.count]
            parts.append("<text x=\"\(x)\" y=\"\(y + barHeight / 2 + 5)\">\(escape(run.precision))</text>")
            parts.append("<rect x=\"\(x + labelWidth)\" y=\"\(y)\" width=\"\(fmt(length))\" height=\"\(fmt(barHeight))\" fill=\"\(colour)\"/>")
            let caption = String(format: "%.1f s (%.2fx)", run.trainSeconds, report.speedUp(run))
            parts.append("<text x=\"\(fmt(x + labelWidth + length + 6))\" y=\"\(y + barHeight / 2 + 5)\">\(caption)</text>")
        }
        return parts.joined(separator: "\n")
    }

    private func lossLines(x: Double, width panelWidth: Double) -> String {
        var parts = ["<text x=\"\(x)\" y=\"\(panelTop - 16)\" font-weight=\"bold\">Validation loss per epoch</text>"]
        let losses = report.runs.flatMap(\.validationLossPerEpoch).map(Double.init)
        let epochs = report.runs.map(\.validationLossPerEpoch.count).max() ?? 0
        guard let low = losses.min(), let high = losses.max(), epochs > 0 else {
            parts.append("<text x=\"\(x)\" y=\"\(panelTop + 20)\">no validation split</text>")
            return parts.joined(separator: "\n")
        }
        // Axis from 0 to a round number above the highest loss, with ticks at round steps.
        let step = Self.niceStep((high - min(low, 0)) / 4)
        let (bottom, top) = (0.0, (high / step).rounded(.up) * step)
        let plotX = x + 50
        let plotWidth = panelWidth - 60
        func px(_ epoch: Int) -> Double { epochs == 1 ? plotX + plotWidth / 2 : plotX + plotWidth * Double(epoch - 1) / Double(epochs - 1) }
        func py(_ loss: Double) -> Double { panelTop + panelHeight * (1 - (loss - bottom) / (top - bottom)) }

        // Axes with four loss ticks and one tick per epoch.
        parts.append("<line x1=\"\(plotX)\" y1=\"\(panelTop)\" x2=\"\(plotX)\" y2=\"\(panelTop + panelHeight)\" stroke=\"#333\"/>")
        parts.append("<line x1=\"\(plotX)\" y1=\"\(panelTop + panelHeight)\" x2=\"\(plotX + plotWidth)\" y2=\"\(panelTop + panelHeight)\" stroke=\"#333\"/>")
        for tick in 0...Int((top / step).rounded()) {
            let value = Double(tick) * step
            parts.append("<text x=\"\(plotX - 6)\" y=\"\(fmt(py(value) + 4))\" text-anchor=\"end\" font-size=\"11\">\(String(format: step < 0.1 ? "%.2f" : "%.1f", value))</text>")
            parts.append("<line x1=\"\(plotX)\" y1=\"\(fmt(py(value)))\" x2=\"\(plotX + plotWidth)\" y2=\"\(fmt(py(value)))\" stroke=\"#ddd\"/>")
        }
        for epoch in 1...epochs {
            parts.append("<text x=\"\(fmt(px(epoch)))\" y=\"\(panelTop + panelHeight + 18)\" text-anchor=\"middle\" font-size=\"11\">epoch \(epoch)</text>")
        }

        // One polyline with dots per run, and a legend.
        for (index, run) in report.runs.enumerated() {
            let colour = Self.colours[index % Self.colours.count]
            let points = run.validationLossPerEpoch.enumerated().map { "\(fmt(px($0.offset + 1))),\(fmt(py(Double($0.element))))" }
            // Later runs are dashed, so a run whose losses equal the first one's stays visible.
            let dash = index == 0 ? "" : " stroke-dasharray=\"8 5\""
            parts.append("<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2.5\"\(dash)/>")
            for point in points {
                let xy = point.split(separator: ",")
                parts.append("<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"4\" fill=\"\(colour)\"/>")
            }
            let legendY = panelTop + panelHeight + 40
            let legendX = plotX + Double(index) * 90
            parts.append("<rect x=\"\(legendX)\" y=\"\(legendY - 10)\" width=\"12\" height=\"12\" fill=\"\(colour)\"/>")
            parts.append("<text x=\"\(legendX + 18)\" y=\"\(legendY)\">\(escape(run.precision))</text>")
        }
        return parts.joined(separator: "\n")
    }

    private func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The smallest of 1, 2 or 5 times a power of ten that is at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 0.1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for multiple in [1.0, 2.0, 5.0, 10.0] where multiple * power >= raw {
            return multiple * power
        }
        return 10 * power
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
