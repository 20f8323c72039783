import Foundation
import Testing
import Finetune

@Suite struct DataFilesTests {
    @Test func folderSplitsByFileName() throws {
        let folder = try TemporaryFolder()
        let train = try folder.write("train.csv", "text,label\na,x\n")
        let dev = try folder.write("dev.jsonl", "{\"text\": \"b\", \"label\": \"x\"}\n")
        let test = try folder.write("TEST.txt", "c;x\n")
        try folder.write("README.md", "not data")
        try folder.write(".hidden.csv", "text,label\n")
        let files = try DataFiles.locate(folder.url)
        #expect(files[.train] == [train])
        #expect(files[.validation] == [dev])
        #expect(files[.test] == [test])
        #expect(files.files.count == 3)
    }

    @Test func validationAliases() throws {
        for stem in ["validation", "val", "valid", "dev"] {
            let folder = try TemporaryFolder()
            try folder.write("train.txt", "a;x\n")
            let url = try folder.write("\(stem).txt", "b;x\n")
            #expect(try DataFiles.locate(folder.url)[.validation] == [url])
        }
    }

    @Test func singleFileIsRequiredSplit() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("anything.csv", "text,label\na,x\n")
        #expect(try DataFiles.locate(url).files == [.train: [url]])
        #expect(try DataFiles.locate(url, required: .test).files == [.test: [url]])
    }

    @Test func shardsAreReadInOrder() throws {
        let folder = try TemporaryFolder()
        let second = try folder.write("train-00001-of-00002.jsonl", "{\"text\": \"b\", \"label\": 1}\n")
        let first = try folder.write("train-00000-of-00002.jsonl", "{\"text\": \"a\", \"label\": 0}\n")
        let files = try DataFiles.locate(folder.url)
        #expect(files[.train] == [first, second])
        let records = try DatasetReader.read(urls: files[.train] ?? [])
        #expect(records.map(\.text) == ["a", "b"])
    }

    @Test func twoFilesForOneSplitIsError() throws {
        let folder = try TemporaryFolder()
        let csv = try folder.write("train.csv", "text,label\na,x\n")
        let jsonl = try folder.write("train.jsonl", "{\"text\": \"a\"}\n")
        #expect(throws: DatasetError.duplicateSplit(split: "train", paths: [csv.path, jsonl.path])) {
            try DataFiles.locate(folder.url)
        }

        let aliases = try TemporaryFolder()
        try aliases.write("train.txt", "a;x\n")
        let dev = try aliases.write("dev.txt", "a;x\n")
        let validation = try aliases.write("validation.txt", "a;x\n")
        #expect(throws: DatasetError.duplicateSplit(split: "validation", paths: [dev.path, validation.path])) {
            try DataFiles.locate(aliases.url)
        }
    }

    @Test func shardBesideWholeFileIsError() throws {
        let folder = try TemporaryFolder()
        let whole = try folder.write("train.jsonl", "{\"text\": \"a\"}\n")
        let shard = try folder.write("train-00000-of-00001.jsonl", "{\"text\": \"a\"}\n")
        #expect(throws: DatasetError.duplicateSplit(split: "train", paths: [whole.path, shard.path])) {
            try DataFiles.locate(folder.url)
        }
    }

    @Test func emptyFolderIsError() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("sub"), withIntermediateDirectories: false)
        #expect(throws: DatasetError.emptyFolder(path: folder.url.path)) {
            try DataFiles.locate(folder.url)
        }
    }

    @Test func noTrainSplitIsError() throws {
        let folder = try TemporaryFolder()
        try folder.write("training.csv", "text,label\na,x\n")
        try folder.write("test.csv", "text,label\na,x\n")
        #expect(throws: DatasetError.missingSplit(split: "train", path: folder.url.path, files: ["test.csv", "training.csv"])) {
            try DataFiles.locate(folder.url)
        }
    }

    @Test func missingPathIsError() throws {
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("nope")
        #expect(throws: DatasetError.dataNotFound(path: url.path)) {
            try DataFiles.locate(url)
        }
    }
}
