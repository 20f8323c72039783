import Foundation
import Testing
import Finetune

@Suite struct LabelSetTests {
    private func records(_ labels: [RawLabel], path: String = "train.txt") -> [DatasetRecord] {
        labels.enumerated().map { DatasetRecord(text: "t\($0.offset)", label: $0.element, location: FileLocation(path: path, line: $0.offset + 1)) }
    }

    @Test func namesAreSortedByCodePoint() throws {
        let set = try LabelSet.infer(from: records([.string("joy"), .string("Zebra"), .string("anger"), .string("joy"), .string("é"), .missing]))
        #expect(set.names == ["Zebra", "anger", "joy", "é"])
        #expect(set.label2id == ["Zebra": 0, "anger": 1, "joy": 2, "é": 3])
        #expect(set.id2label == [0: "Zebra", 1: "anger", 2: "joy", 3: "é"])
    }

    @Test func integerLabelsKeepTheirValue() throws {
        let set = try LabelSet.infer(from: records([.string("2"), .integer(0), .string("-1"), .integer(-1), .string("2")]))
        #expect(set.names == ["LABEL_0", "LABEL_1", "LABEL_2"])
        let split = try set.assign(records([.string("2"), .integer(1), .string("LABEL_0")]), skipUnlabeled: false)
        #expect(split.examples.map(\.label) == [2, 1, 0])
    }

    @Test func negativeIntegerInTrainingIsError() throws {
        #expect(throws: DatasetError.negativeLabel(FileLocation(path: "train.txt", line: 2), label: -3)) {
            try LabelSet.infer(from: records([.integer(1), .string("-3")]))
        }
    }

    @Test func jsonIntegerAmongNamesIsError() throws {
        #expect(throws: DatasetError.mixedLabelTypes(FileLocation(path: "train.txt", line: 2), label: "4")) {
            try LabelSet.infer(from: records([.string("joy"), .integer(4)]))
        }
    }

    @Test func noLabelsIsError() throws {
        #expect(throws: DatasetError.noLabels(path: "train.txt")) {
            try LabelSet.infer(from: records([.missing, .integer(-1)]))
        }
    }

    @Test func resolvePrefersModelThenList() throws {
        let training = records([.string("b"), .string("a")])
        let model = try LabelSet.resolve(id2label: [1: "neg", 0: "pos"], names: nil, training: training)
        #expect(model.names == ["pos", "neg"])
        let sameAsModel = try LabelSet.resolve(id2label: [0: "pos", 1: "neg"], names: ["pos", "neg"], training: training)
        #expect(sameAsModel.names == ["pos", "neg"])
        let listed = try LabelSet.resolve(id2label: nil, names: ["c", "b", "a"], training: training)
        #expect(listed.names == ["c", "b", "a"])
        let inferred = try LabelSet.resolve(id2label: nil, names: nil, training: training)
        #expect(inferred.names == ["a", "b"])
    }

    @Test func listDifferentFromModelIsError() throws {
        #expect(throws: DatasetError.labelsDisagree(model: ["pos", "neg"], requested: ["neg", "pos"])) {
            try LabelSet.resolve(id2label: [0: "pos", 1: "neg"], names: ["neg", "pos"], training: [])
        }
    }

    @Test func invalidListsAreErrors() throws {
        #expect(throws: DatasetError.invalidLabelList(reason: "the list is empty")) { try LabelSet(names: []) }
        #expect(throws: DatasetError.invalidLabelList(reason: "\"a\" appears twice")) { try LabelSet(names: ["a", "b", "a"]) }
        #expect(throws: DatasetError.invalidLabelList(reason: "name 1 is empty")) { try LabelSet(names: ["a", " "]) }
        #expect(throws: DatasetError.invalidLabelList(reason: "the model's id2label has ids [0, 2], not 0..<2")) {
            try LabelSet(id2label: [0: "a", 2: "b"])
        }
    }

    @Test func namesThatLookLikeIntegersMatchByName() throws {
        // Star ratings named "1"..."5": a label is a name first, an id only when no name matches.
        let set = try LabelSet(names: ["1", "2", "3", "4", "5"])
        let split = try set.assign(records([.string("1"), .string("5"), .integer(4)]), skipUnlabeled: false)
        #expect(split.examples.map(\.label) == [0, 4, 4])
    }

    @Test func unknownNameIsError() throws {
        let set = try LabelSet(names: ["neg", "pos"])
        #expect(throws: DatasetError.unknownLabel(FileLocation(path: "dev.txt", line: 2), label: "\"neutral\"", known: ["neg", "pos"])) {
            try set.assign(records([.string("pos"), .string("neutral")], path: "dev.txt"), skipUnlabeled: false)
        }
    }

    @Test func integerOutsideRangeIsError() throws {
        let set = try LabelSet(names: ["neg", "pos"])
        #expect(throws: DatasetError.labelOutOfRange(FileLocation(path: "dev.txt", line: 1), label: 2, count: 2)) {
            try set.assign(records([.integer(2)], path: "dev.txt"), skipUnlabeled: false)
        }
        #expect(throws: DatasetError.negativeLabel(FileLocation(path: "dev.txt", line: 1), label: -2)) {
            try set.assign(records([.string("-2")], path: "dev.txt"), skipUnlabeled: false)
        }
    }

    @Test func unlabeledRowIsErrorUnlessSkipped() throws {
        let set = try LabelSet(names: ["neg", "pos"])
        let rows = records([.string("pos"), .missing, .integer(-1), .string("-1"), .integer(0)], path: "test.jsonl")
        #expect(throws: DatasetError.unlabeled(FileLocation(path: "test.jsonl", line: 2))) {
            try set.assign(rows, skipUnlabeled: false)
        }
        let split = try set.assign(rows, skipUnlabeled: true)
        #expect(split.skippedUnlabeled == 3)
        #expect(split.examples.map(\.label) == [1, 0])
        #expect(split.examples.map(\.location.line) == [1, 5])
    }
}

@Suite struct LabeledDatasetTests {
    @Test func loadsSplitsThroughOneLabelSet() throws {
        let folder = try TemporaryFolder()
        try folder.write("train.txt", "good;pos\nbad;neg\nfine;pos\n")
        try folder.write("validation.csv", "text,label\nmeh,neg\nokay,1\n")
        try folder.write("test.jsonl", "{\"text\": \"wow\", \"label\": \"pos\"}\n{\"text\": \"?\", \"label\": null}\n")
        let dataset = try LabeledDataset.load(folder.url, options: .init(skipUnlabeled: true))
        #expect(dataset.labels.names == ["neg", "pos"])
        #expect(dataset[.train]?.examples.map(\.label) == [1, 0, 1])
        #expect(dataset[.validation]?.examples.map(\.label) == [0, 1])
        #expect(dataset[.test]?.examples.map(\.label) == [1])
        #expect(dataset[.test]?.skippedUnlabeled == 1)
    }

    @Test func unlabeledTestRowFailsWithoutSkip() throws {
        let folder = try TemporaryFolder()
        try folder.write("train.txt", "good;pos\nbad;neg\n")
        let test = try folder.write("test.txt", "what;\n")
        #expect(throws: DatasetError.unlabeled(FileLocation(path: test.path, line: 1))) {
            try LabeledDataset.load(folder.url)
        }
    }

    @Test func evaluationWithoutTrainUsesModelLabels() throws {
        let folder = try TemporaryFolder()
        try folder.write("test.txt", "good;pos\n")
        let dataset = try LabeledDataset.load(folder.url, options: .init(id2label: [0: "neg", 1: "pos"]), required: .test)
        #expect(dataset[.test]?.examples.map(\.label) == [1])
        #expect(throws: DatasetError.missingSplit(split: "train", path: folder.url.path, files: ["test.txt"])) {
            try LabeledDataset.load(folder.url, required: .test)
        }
    }

    static let emotion = TestPaths.sharedData.appendingPathComponent("emotion")

    @Test(.enabled(if: TestPaths.exists(emotion), "needs the emotion data set in ../shared/data/emotion"))
    func emotionFolder() throws {
        let dataset = try LabeledDataset.load(Self.emotion)
        #expect(dataset[.train]?.examples.count == 16000)
        #expect(dataset[.validation]?.examples.count == 2000)
        #expect(dataset[.test]?.examples.count == 2000)
        #expect(dataset.labels.names == ["anger", "fear", "joy", "love", "sadness", "surprise"])
        #expect(dataset[.train]?.skippedUnlabeled == 0)
        let first = dataset[.train]?.examples.first
        #expect(first?.text == "i didnt feel humiliated")
        #expect(first?.label == 4)
    }
}
