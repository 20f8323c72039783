import Foundation
import FoundationXML
import Testing
import Finetune

@Suite struct ComparisonReportTests {
    static func sampleReport() -> ComparisonReport {
        let fp32 = PrecisionRun(precision: "fp32", trainSeconds: 100, totalSeconds: 110, validationLossPerEpoch: [0.5, 0.3, 0.25],
                                testLoss: 0.26, accuracy: 0.9, precisionWeighted: 0.91, recallWeighted: 0.9, f1Weighted: 0.905,
                                f1Macro: 0.88, peakMemoryBytes: 500 << 20, skippedSteps: 0, testExamples: 200)
        var bf16 = fp32
        bf16.precision = "bf16"
        bf16.trainSeconds = 50
        bf16.validationLossPerEpoch = [0.52, 0.31, 0.26]
        return ComparisonReport(model: "tiny<model>", data: "demo", settings: ["epochs": "3"], cpu: "test CPU", runs: [fp32, bf16])
    }

    @Test func speedUpIsRelativeToFirstRun() {
        let report = Self.sampleReport()
        #expect(report.speedUp(report.runs[0]) == 1)
        #expect(report.speedUp(report.runs[1]) == 2)
    }

    @Test func tableListsEveryRun() {
        let table = Self.sampleReport().table()
        #expect(table.contains("| fp32"))
        #expect(table.contains("| bf16"))
        #expect(table.contains("2.00x"))
        #expect(table.contains("0.9050"))
        #expect(table.contains("0.5200 / 0.3100 / 0.2600"))
    }

    @Test func writesThreeFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = Self.sampleReport()
        try report.write(to: folder)

        let decoded = try JSONDecoder().decode(ComparisonReport.self, from: Data(contentsOf: folder.appendingPathComponent("report.json")))
        #expect(decoded == report)
        let markdown = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("chart.svg"))
        let svg = try String(contentsOf: folder.appendingPathComponent("chart.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("tiny&lt;model&gt;"))
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        // The XML must parse, or browsers show an error page instead of the chart.
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse())
    }
}
