import Foundation
import Testing
import Finetune

/// Tests of the safetensors reader and writer on hand-made files.
@Suite struct ModelSafetensorsTests {
    /// Writes a safetensors file from a header object and raw data bytes; returns its URL.
    func file(header: [String: Any], data: [UInt8], headerLength: UInt64? = nil) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-\(UUID().uuidString).safetensors")
        let json = try JSONSerialization.data(withJSONObject: header)
        var bytes = Data()
        var length = (headerLength ?? UInt64(json.count)).littleEndian
        bytes.append(Data(bytes: &length, count: 8))
        bytes.append(json)
        bytes.append(contentsOf: data)
        try bytes.write(to: url)
        return url
    }

    @Test func halfTypesWidenToFloat() throws {
        // 1.5 and -2 in F16 (0x3E00, 0xC000) and in BF16 (0x3FC0, 0xC000), little-endian.
        let url = try file(header: [
            "h": ["dtype": "F16", "shape": [2], "data_offsets": [0, 4]],
            "b": ["dtype": "BF16", "shape": [2], "data_offsets": [4, 8]],
            "__metadata__": ["format": "pt"],
        ], data: [0x00, 0x3E, 0x00, 0xC0, 0xC0, 0x3F, 0x00, 0xC0])
        defer { try? FileManager.default.removeItem(at: url) }
        let weights = try SafetensorsFile(url: url)
        #expect(try weights.floats("h") == [1.5, -2])
        #expect(try weights.floats("b") == [1.5, -2])
        #expect(weights.metadata == ["format": "pt"])
    }

    @Test func unsupportedDTypeNamesTensor() throws {
        let url = try file(header: ["counts": ["dtype": "I64", "shape": [1], "data_offsets": [0, 8]]], data: Array(repeating: 0, count: 8))
        defer { try? FileManager.default.removeItem(at: url) }
        let weights = try SafetensorsFile(url: url)
        #expect(throws: SafetensorsError.unsupportedDType(path: url.path, name: "counts", dtype: "I64")) {
            _ = try weights.floats("counts")
        }
    }

    @Test func headerLongerThanFileIsRejected() throws {
        let url = try file(header: [:], data: [], headerLength: 1 << 40)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: SafetensorsError.self) { _ = try SafetensorsFile(url: url) }
    }

    @Test func offsetsOutsideDataAreRejected() throws {
        let url = try file(header: ["w": ["dtype": "F32", "shape": [4], "data_offsets": [0, 16]]], data: Array(repeating: 0, count: 8))
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: SafetensorsError.self) { _ = try SafetensorsFile(url: url) }
    }

    @Test func writerOutputReadsBack() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [-0.5]
        try a.withUnsafeBufferPointer { pa in
            try b.withUnsafeBufferPointer { pb in
                try SafetensorsWriter.write([SafetensorsWriter.Tensor(name: "a", shape: [2, 3], values: pa),
                                             SafetensorsWriter.Tensor(name: "b", shape: [1], values: pb)],
                                            metadata: ["format": "pt"], to: url)
            }
        }
        let weights = try SafetensorsFile(url: url)
        #expect(weights.entry("a")?.shape == [2, 3])
        #expect(try weights.floats("a") == a)
        #expect(try weights.floats("b") == b)
        // The data section starts 8-byte aligned after the padded header.
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(headerLength % 8 == 0)
    }
}
