import Foundation

/// Precision, recall and F1 of one class, or averaged over classes.
public struct AveragedScores: Codable, Sendable, Equatable {
    public var precision: Double
    public var recall: Double
    public var f1: Double

    public init(precision: Double, recall: Double, f1: Double) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
    }
}

/// The scores of one class and its support (how many references have that class).
public struct ClassScores: Codable, Sendable, Equatable {
    public var label: String
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var support: Int

    public init(label: String, precision: Double, recall: Double, f1: Double, support: Int) {
        self.label = label
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}

/// Single-label classification metrics, computed as scikit-learn 1.9 computes them with
/// `zero_division=0`.
///
/// Per class k, with tp the correct predictions of k: precision = tp / predicted(k),
/// recall = tp / support(k), F1 = 2·tp / (support(k) + predicted(k)), and 0 wherever the
/// denominator is 0. `precision`, `recall` and `f1` are weighted by support, as
/// `precision_recall_fscore_support(average="weighted")`, so classes absent from the
/// references count for nothing. `macro` is the plain mean over the classes that occur in
/// the references or the predictions, as `average="macro"` without a `labels` argument.
/// `perClass` and `confusionMatrix` cover every class of the label set.
public struct ClassificationMetrics: Codable, Sendable, Equatable {
    public var examples: Int
    /// Fraction of correct predictions; 0 when there are no examples.
    public var accuracy: Double
    /// Support-weighted precision.
    public var precision: Double
    /// Support-weighted recall.
    public var recall: Double
    /// Support-weighted F1.
    public var f1: Double
    /// The averaging of `precision`, `recall` and `f1`: always "weighted".
    public var average: String
    public var macro: AveragedScores
    /// One entry per class, in id order.
    public var perClass: [ClassScores]
    /// `confusionMatrix[true][predicted]`: counts, rows are reference classes and columns
    /// predicted classes, both in id order.
    public var confusionMatrix: [[Int]]
    /// Class names in id order.
    public var labels: [String]

    enum CodingKeys: String, CodingKey {
        case examples, accuracy, precision, recall, f1, average, macro, labels
        case perClass = "per_class"
        case confusionMatrix = "confusion_matrix"
    }

    /// Computes the metrics of `predictions` against `references`, both class ids in
    /// 0..<labels.count and of equal length.
    public init(references: [Int], predictions: [Int], labels: [String]) {
        precondition(references.count == predictions.count, "ClassificationMetrics: \(references.count) references but \(predictions.count) predictions")
        let classCount = labels.count
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (reference, prediction) in zip(references, predictions) {
            precondition((0..<classCount).contains(reference) && (0..<classCount).contains(prediction),
                         "ClassificationMetrics: class ids \(reference), \(prediction) outside 0..<\(classCount)")
            matrix[reference][prediction] += 1
        }

        // Per class: support is the row sum, predicted the column sum.
        var perClass: [ClassScores] = []
        var correct = 0
        for k in 0..<classCount {
            let truePositives = matrix[k][k]
            let support = matrix[k].reduce(0, +)
            let predicted = matrix.reduce(0) { $0 + $1[k] }
            correct += truePositives
            perClass.append(ClassScores(
                label: labels[k],
                precision: Self.divide(truePositives, predicted),
                recall: Self.divide(truePositives, support),
                f1: Self.divide(2 * truePositives, support + predicted),
                support: support))
        }

        // Weighted by support; macro over the classes that occur at all.
        let totalSupport = Double(references.count)
        func weighted(_ score: KeyPath<ClassScores, Double>) -> Double {
            totalSupport > 0 ? perClass.reduce(0) { $0 + $1[keyPath: score] * Double($1.support) } / totalSupport : 0
        }
        let occurring = (0..<classCount).filter { k in perClass[k].support > 0 || matrix.contains { $0[k] > 0 } }
        func macroMean(_ score: KeyPath<ClassScores, Double>) -> Double {
            occurring.isEmpty ? 0 : occurring.reduce(0) { $0 + perClass[$1][keyPath: score] } / Double(occurring.count)
        }

        examples = references.count
        accuracy = references.isEmpty ? 0 : Double(correct) / totalSupport
        precision = weighted(\.precision)
        recall = weighted(\.recall)
        f1 = weighted(\.f1)
        average = "weighted"
        macro = AveragedScores(precision: macroMean(\.precision), recall: macroMean(\.recall), f1: macroMean(\.f1))
        self.perClass = perClass
        confusionMatrix = matrix
        self.labels = labels
    }

    private static func divide(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }

    // MARK: - Text report

    /// Renders a report in the layout of scikit-learn's `classification_report` (4 decimals),
    /// followed by the confusion matrix, with columns aligned.
    public func table() -> String {
        let nameWidth = max(labels.map(\.count).max() ?? 0, "weighted avg".count)
        func cell(_ value: Double) -> String { pad(String(format: "%.4f", value), 10) }
        func row(_ name: String, _ scores: AveragedScores?, accuracy: Double? = nil, support: Int) -> String {
            let columns = scores.map { cell($0.precision) + cell($0.recall) + cell($0.f1) }
                ?? String(repeating: " ", count: 20) + cell(accuracy ?? 0)
            return pad(name, nameWidth) + columns + pad(String(support), 10)
        }

        var lines = [String(repeating: " ", count: nameWidth) + pad("precision", 10) + pad("recall", 10) + pad("f1-score", 10) + pad("support", 10), ""]
        for scores in perClass {
            lines.append(row(scores.label, AveragedScores(precision: scores.precision, recall: scores.recall, f1: scores.f1), support: scores.support))
        }
        lines.append("")
        lines.append(row("accuracy", nil, accuracy: accuracy, support: examples))
        lines.append(row("macro avg", macro, support: examples))
        lines.append(row("weighted avg", AveragedScores(precision: precision, recall: recall, f1: f1), support: examples))
        lines.append("")
        lines += confusionMatrixLines()
        return lines.joined(separator: "\n")
    }

    /// Renders the confusion matrix with class names on both axes.
    private func confusionMatrixLines() -> [String] {
        let nameWidth = max(labels.map(\.count).max() ?? 0, "true \\ predicted".count)
        let columnWidth = max(labels.map(\.count).max() ?? 0, confusionMatrix.joined().map { String($0).count }.max() ?? 1) + 2
        var lines = ["confusion matrix (rows: true class, columns: predicted class)"]
        lines.append(pad("true \\ predicted", nameWidth, alignLeft: true) + labels.map { pad($0, columnWidth) }.joined())
        for (k, counts) in confusionMatrix.enumerated() {
            lines.append(pad(labels[k], nameWidth, alignLeft: true) + counts.map { pad(String($0), columnWidth) }.joined())
        }
        return lines
    }

    /// Pads `text` with spaces to `width` characters: on the right when `alignLeft`, else on the left.
    private func pad(_ text: String, _ width: Int, alignLeft: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return alignLeft ? text + padding : padding + text
    }
}
