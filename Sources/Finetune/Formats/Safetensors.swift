import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Errors of reading and writing safetensors files.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case invalidHeader(path: String, reason: String)
    case invalidEntry(path: String, name: String, reason: String)
    /// A tensor is stored in a dtype that cannot become fp32 weights (for example I64 or F64).
    case unsupportedDType(path: String, name: String, dtype: String)
    case missingTensor(path: String, name: String)
    case invalidIndex(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open safetensors file \(path): \(reason). Check the path and its permissions."
        case let .invalidHeader(path, reason):
            return "invalid safetensors header in \(path): \(reason). The file is truncated or not a safetensors file; download it again."
        case let .invalidEntry(path, name, reason):
            return "invalid safetensors entry \(name) in \(path): \(reason). The file is damaged; download it again."
        case let .unsupportedDType(path, name, dtype):
            return "tensor \(name) in \(path) has dtype \(dtype); weights must be F32, F16 or BF16. Convert the checkpoint to one of these."
        case let .missingTensor(path, name):
            return "tensor \(name) is not in \(path). Check the checkpoint's tensor names."
        case let .invalidIndex(path, reason):
            return "invalid sharded checkpoint index \(path): \(reason). Download the checkpoint again."
        case let .writeFailed(path, reason):
            return "cannot write \(path): \(reason). Check free disk space and that the folder is writable."
        }
    }
}

/// One tensor's entry in a safetensors header.
public struct SafetensorsEntry: Sendable, Equatable {
    public var name: String
    /// The dtype as the file spells it: "F32", "F16", "BF16", "I64", ...
    public var dtype: String
    public var shape: [Int]
    /// Byte range relative to the start of the data section.
    public var dataRange: Range<Int>
}

/// A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header
/// mapping names to {dtype, shape, data_offsets}, then the tensor bytes.
public final class SafetensorsFile {
    public let url: URL
    /// Entries in data order.
    public let entries: [SafetensorsEntry]
    /// The `__metadata__` string map, empty when absent.
    public let metadata: [String: String]
    private let mapping: UnsafeMutableRawPointer
    private let mappedBytes: Int
    private let dataStart: Int
    private let index: [String: Int]

    /// Maps `url` read-only and validates the header and every entry's byte range.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw SafetensorsError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SafetensorsError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(status.st_size)
        guard size >= 8 else { throw SafetensorsError.invalidHeader(path: path, reason: "file has \(size) bytes, fewer than the 8-byte header length") }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw SafetensorsError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        mapping = base
        mappedBytes = size
        do {
            (entries, metadata, dataStart) = try Self.parseHeader(UnsafeRawBufferPointer(start: base, count: size), path: path)
        } catch {
            munmap(base, size)
            throw error
        }
        index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($0.element.name, $0.offset) })
    }

    deinit { munmap(mapping, mappedBytes) }

    public func entry(_ name: String) -> SafetensorsEntry? { index[name].map { entries[$0] } }

    /// Returns the raw bytes of a tensor, valid while this file is alive.
    public func bytes(of entry: SafetensorsEntry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mapping + dataStart + entry.dataRange.lowerBound, count: entry.dataRange.count)
    }

    /// Writes the tensor `name` as fp32 into `destination` (`count` elements), widening F16 and BF16.
    public func readFloats(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws {
        guard let entry = entry(name) else { throw SafetensorsError.missingTensor(path: url.path, name: name) }
        let elements = entry.shape.reduce(1, *)
        guard elements == count else {
            throw SafetensorsError.invalidEntry(path: url.path, name: name, reason: "has \(elements) elements, the caller expects \(count)")
        }
        let source = bytes(of: entry)
        switch entry.dtype {
        case "F32":
            #if _endian(little)
            UnsafeMutableRawPointer(destination).copyMemory(from: source.baseAddress!, byteCount: count * 4)
            #else
            for i in 0..<count { destination[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
            #endif
        case "BF16":
            for i in 0..<count {
                destination[i] = Float(bitPattern: UInt32(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16)
            }
        case "F16":
            for i in 0..<count {
                destination[i] = Float(Float16(bitPattern: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
            }
        default:
            throw SafetensorsError.unsupportedDType(path: url.path, name: name, dtype: entry.dtype)
        }
    }

    /// Returns the tensor `name` as fp32 values.
    public func floats(_ name: String) throws -> [Float] {
        guard let entry = entry(name) else { throw SafetensorsError.missingTensor(path: url.path, name: name) }
        let count = entry.shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        try values.withUnsafeMutableBufferPointer { try readFloats(name, into: $0.baseAddress!, count: count) }
        return values
    }

    static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
        "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    private static func parseHeader(_ file: UnsafeRawBufferPointer, path: String) throws
        -> (entries: [SafetensorsEntry], metadata: [String: String], dataStart: Int) {
        let headerLength = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(file.count - 8) else {
            throw SafetensorsError.invalidHeader(path: path, reason: "header length \(headerLength) exceeds the file size \(file.count)")
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = Data(file[8..<dataStart])
        guard let object = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw SafetensorsError.invalidHeader(path: path, reason: "header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var entries: [SafetensorsEntry] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: String] else {
                    throw SafetensorsError.invalidHeader(path: path, reason: "__metadata__ is not a map of strings")
                }
                metadata = map
                continue
            }
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = (fields["shape"] as? [NSNumber])?.map(\.intValue),
                  let offsets = (fields["data_offsets"] as? [NSNumber])?.map(\.intValue), offsets.count == 2 else {
                throw SafetensorsError.invalidEntry(path: path, name: name, reason: "expected dtype, shape and two data_offsets")
            }
            guard let elementSize = elementSizes[dtype] else {
                throw SafetensorsError.unsupportedDType(path: path, name: name, dtype: dtype)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard shape.allSatisfy({ $0 >= 0 }), begin >= 0, begin <= end, end <= file.count - dataStart else {
                throw SafetensorsError.invalidEntry(path: path, name: name, reason: "data_offsets [\(begin), \(end)] fall outside the \(file.count - dataStart)-byte data section")
            }
            guard end - begin == shape.reduce(1, *) * elementSize else {
                throw SafetensorsError.invalidEntry(path: path, name: name, reason: "\(end - begin) bytes do not hold shape \(shape) of \(dtype)")
            }
            entries.append(SafetensorsEntry(name: name, dtype: dtype, shape: shape, dataRange: begin..<end))
        }
        entries.sort { ($0.dataRange.lowerBound, $0.name) < ($1.dataRange.lowerBound, $1.name) }
        return (entries, metadata, dataStart)
    }
}

/// The tensors of a checkpoint folder: `model.safetensors`, or the shards listed by
/// `model.safetensors.index.json` (`weight_map`: tensor name -> shard file).
public final class SafetensorsCheckpoint {
    public let files: [SafetensorsFile]
    /// Path shown in messages: the single file or the index.
    public let path: String
    private let owner: [String: Int]

    public static let singleFileName = "model.safetensors"
    public static let indexFileName = "model.safetensors.index.json"

    /// Opens the checkpoint in `folder`, or returns nil when it has neither file.
    public static func open(folder: URL) throws -> SafetensorsCheckpoint? {
        let single = folder.appendingPathComponent(singleFileName)
        if FileManager.default.fileExists(atPath: single.path) {
            return try SafetensorsCheckpoint(files: [SafetensorsFile(url: single)], path: single.path)
        }
        let indexURL = folder.appendingPathComponent(indexFileName)
        guard FileManager.default.fileExists(atPath: indexURL.path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: indexURL) } catch {
            throw SafetensorsError.invalidIndex(path: indexURL.path, reason: error.localizedDescription)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let weightMap = object["weight_map"] as? [String: String] else {
            throw SafetensorsError.invalidIndex(path: indexURL.path, reason: "no \"weight_map\" object of tensor name to file name")
        }
        let shardNames = Array(Set(weightMap.values)).sorted()
        var files: [SafetensorsFile] = []
        for name in shardNames {
            guard !name.contains("/") else {
                throw SafetensorsError.invalidIndex(path: indexURL.path, reason: "shard name \"\(name)\" is not a file name in the folder")
            }
            files.append(try SafetensorsFile(url: folder.appendingPathComponent(name)))
        }
        let checkpoint = try SafetensorsCheckpoint(files: files, path: indexURL.path)
        for (tensor, shard) in weightMap where checkpoint.file(containing: tensor)?.url.lastPathComponent != shard {
            throw SafetensorsError.invalidIndex(path: indexURL.path, reason: "tensor \(tensor) is listed in \(shard) but not stored there")
        }
        return checkpoint
    }

    init(files: [SafetensorsFile], path: String) throws {
        self.files = files
        self.path = path
        var owner: [String: Int] = [:]
        for (fileIndex, file) in files.enumerated() {
            for entry in file.entries {
                if owner[entry.name] != nil {
                    throw SafetensorsError.invalidIndex(path: path, reason: "tensor \(entry.name) is stored in more than one shard")
                }
                owner[entry.name] = fileIndex
            }
        }
        self.owner = owner
    }

    /// Every tensor name in the checkpoint.
    public var names: [String] { files.flatMap { $0.entries.map(\.name) } }

    public func file(containing name: String) -> SafetensorsFile? { owner[name].map { files[$0] } }

    public func entry(_ name: String) -> SafetensorsEntry? { file(containing: name)?.entry(name) }

    public func readFloats(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws {
        guard let file = file(containing: name) else { throw SafetensorsError.missingTensor(path: path, name: name) }
        try file.readFloats(name, into: destination, count: count)
    }
}

/// Writes fp32 tensors as a safetensors file.
public enum SafetensorsWriter {
    /// One tensor to write; `values` must hold shape.product floats and stay valid during `write`.
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var values: UnsafeBufferPointer<Float>

        public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// Writes `tensors` (F32, in the given order) with `metadata` to `url`, through a temporary
    /// file in the same folder renamed into place.
    public static func write(_ tensors: [Tensor], metadata: [String: String], to url: URL) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for tensor in tensors {
            precondition(tensor.values.count == tensor.shape.reduce(1, *),
                         "SafetensorsWriter: \(tensor.name) has \(tensor.values.count) values for shape \(tensor.shape)")
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + tensor.values.count * 4]] as [String: Any]
            offset += tensor.values.count * 4
        }
        var headerData: Data
        do { headerData = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) } catch {
            throw SafetensorsError.writeFailed(path: url.path, reason: "cannot encode the header: \(error)")
        }
        // Pad the header with spaces so the data section starts 8-byte aligned.
        while headerData.count % 8 != 0 { headerData.append(0x20) }

        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw SafetensorsError.writeFailed(path: temporary.path, reason: "cannot create the file")
        }
        do {
            var length = UInt64(headerData.count).littleEndian
            try handle.write(contentsOf: Data(bytes: &length, count: 8))
            try handle.write(contentsOf: headerData)
            for tensor in tensors {
                try handle.write(contentsOf: littleEndianBytes(tensor.values))
            }
            try handle.synchronize()
            try handle.close()
            try replaceItem(at: url, with: temporary)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? SafetensorsError { throw error }
            throw SafetensorsError.writeFailed(path: url.path, reason: "\(error)")
        }
    }

    /// Writes a sharded index (`model.safetensors.index.json`) mapping tensor names to shard files.
    public static func writeIndex(weightMap: [String: String], totalSize: Int, to url: URL) throws {
        let object: [String: Any] = ["metadata": ["total_size": totalSize], "weight_map": weightMap]
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
            try data.write(to: temporary)
            try replaceItem(at: url, with: temporary)
        } catch {
            throw SafetensorsError.writeFailed(path: url.path, reason: "\(error)")
        }
    }

    static func littleEndianBytes(_ values: UnsafeBufferPointer<Float>) -> Data {
        #if _endian(little)
        return Data(buffer: values)
        #else
        return Data(values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        #endif
    }

    /// Renames `temporary` onto `url` (rename(2) replaces an existing file atomically).
    static func replaceItem(at url: URL, with temporary: URL) throws {
        guard rename(temporary.path, url.path) == 0 else {
            throw SafetensorsError.writeFailed(path: url.path, reason: "rename failed: \(String(cString: strerror(errno)))")
        }
    }
}
