import Foundation
import Testing
import Finetune

@Suite struct MetricsTests {
    struct FixtureCase: Decodable, CustomTestStringConvertible {
        var name: String
        var references: [Int]
        var predictions: [Int]
        var expected: ClassificationMetrics

        var testDescription: String { name }
    }

    struct FixtureFile: Decodable {
        var cases: [FixtureCase]
    }

    /// Cases written by scripts/make_metrics_fixtures.py from scikit-learn.
    static let cases: [FixtureCase] = {
        let url = TestPaths.fixtures.appendingPathComponent("metrics/cases.json")
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(FixtureFile.self, from: data) else { return [] }
        return file.cases
    }()

    @Test func fixturesLoad() {
        #expect(Self.cases.count >= 10)
        #expect(Self.cases.contains { $0.name == "never_predicted" })
        #expect(Self.cases.contains { $0.name == "absent_from_references" })
    }

    @Test(arguments: cases)
    func matchesScikitLearn(_ fixture: FixtureCase) {
        let metrics = ClassificationMetrics(references: fixture.references, predictions: fixture.predictions, labels: fixture.expected.labels)
        let expected = fixture.expected
        let tolerance = 1e-6
        #expect(metrics.examples == expected.examples)
        #expect(abs(metrics.accuracy - expected.accuracy) < tolerance)
        #expect(abs(metrics.precision - expected.precision) < tolerance)
        #expect(abs(metrics.recall - expected.recall) < tolerance)
        #expect(abs(metrics.f1 - expected.f1) < tolerance)
        #expect(metrics.average == "weighted")
        #expect(abs(metrics.macro.precision - expected.macro.precision) < tolerance)
        #expect(abs(metrics.macro.recall - expected.macro.recall) < tolerance)
        #expect(abs(metrics.macro.f1 - expected.macro.f1) < tolerance)
        #expect(metrics.perClass.count == expected.perClass.count)
        for (got, want) in zip(metrics.perClass, expected.perClass) {
            #expect(got.label == want.label)
            #expect(abs(got.precision - want.precision) < tolerance, "precision of \(want.label)")
            #expect(abs(got.recall - want.recall) < tolerance, "recall of \(want.label)")
            #expect(abs(got.f1 - want.f1) < tolerance, "f1 of \(want.label)")
            #expect(got.support == want.support, "support of \(want.label)")
        }
        #expect(metrics.confusionMatrix == expected.confusionMatrix)
        #expect(metrics.labels == expected.labels)
    }

    @Test func jsonUsesSnakeCaseKeys() throws {
        let metrics = ClassificationMetrics(references: [0, 1, 1], predictions: [0, 1, 0], labels: ["neg", "pos"])
        let data = try JSONEncoder().encode(metrics)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["examples", "accuracy", "precision", "recall", "f1", "average", "macro", "per_class", "confusion_matrix", "labels"])
        let perClass = try #require(object["per_class"] as? [[String: Any]])
        #expect(Set(perClass[0].keys) == ["label", "precision", "recall", "f1", "support"])
        #expect(object["confusion_matrix"] as? [[Int]] == [[1, 0], [1, 1]])
        #expect(try JSONDecoder().decode(ClassificationMetrics.self, from: data) == metrics)
    }

    @Test func noExamplesGivesZeros() {
        let metrics = ClassificationMetrics(references: [], predictions: [], labels: ["a", "b"])
        #expect(metrics.examples == 0)
        #expect(metrics.accuracy == 0)
        #expect(metrics.f1 == 0)
        #expect(metrics.macro.f1 == 0)
        #expect(metrics.confusionMatrix == [[0, 0], [0, 0]])
    }

    @Test func tableIsAligned() {
        let metrics = ClassificationMetrics(references: [0, 1, 2, 2], predictions: [0, 2, 2, 2], labels: ["anger", "fear", "surprise"])
        let lines = metrics.table().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasSuffix("precision    recall  f1-score   support"))
        #expect(lines.contains("       anger    1.0000    1.0000    1.0000         1"))
        #expect(lines.contains("        fear    0.0000    0.0000    0.0000         1"))
        #expect(lines.contains("    accuracy                        0.7500         4"))
        #expect(lines.contains("weighted avg    0.5833    0.7500    0.6500         4"))
        #expect(lines.contains("true \\ predicted     anger      fear  surprise"))
        #expect(lines.contains("surprise                 0         0         2"))
        // The header, class rows, accuracy and average rows share one width.
        let reportRows = lines[0..<9].filter { !$0.isEmpty }
        #expect(reportRows.count == 7)
        #expect(Set(reportRows.map(\.count)).count == 1)
    }
}
