import Foundation
import Testing
import Finetune

@Suite struct DatasetReaderTests {
    // MARK: - text;label lines

    @Test func textLabelSplitsAtLastSemicolon() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.txt", "i feel fine;joy\na; b ;c; sadness \n")
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.text) == ["i feel fine", "a; b ;c"])
        #expect(records.map(\.label) == [.string("joy"), .string("sadness")])
        #expect(records.map(\.location.line) == [1, 2])
        #expect(records[0].location.path == url.path)
    }

    @Test func textLabelHandlesBOMAndLineEndings() throws {
        let folder = try TemporaryFolder()
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("one;a\r\ntwo;b\rthree;c\nfour;d".utf8)
        let url = try folder.write("train.txt", bytes: bytes)
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.text) == ["one", "two", "three", "four"])
        #expect(records.map(\.label) == [.string("a"), .string("b"), .string("c"), .string("d")])
        #expect(records.map(\.location.line) == [1, 2, 3, 4])
    }

    @Test func trailingEmptyLinesAreIgnored() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.txt", "one;a\ntwo;b\n\n  \r\n\n")
        #expect(try DatasetReader.read(url: url).count == 2)
    }

    @Test func textLabelEmptyLabelIsMissing() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.txt", "one;\ntwo; 3\n")
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.label) == [.missing, .string("3")])
    }

    @Test func textLabelMissingSeparatorNamesLine() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.txt", "one;a\nno separator here\n")
        #expect(throws: DatasetError.missingSeparator(FileLocation(path: url.path, line: 2))) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func emptyLineInsideFileIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.txt", "one;a\n\ntwo;b\n")
        #expect(throws: DatasetError.emptyLine(FileLocation(path: url.path, line: 2))) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func invalidUTF8NamesLine() throws {
        let folder = try TemporaryFolder()
        let bytes = Array("one;a\r\ntwo;b\n".utf8) + [0x63, 0xE9, 0x3B, 0x61, 0x0A] + Array("four;d\n".utf8)
        let url = try folder.write("train.txt", bytes: bytes)
        #expect(throws: DatasetError.invalidUTF8(FileLocation(path: url.path, line: 3))) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func emptyFileIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.txt", "\n\n")
        #expect(throws: DatasetError.emptyFile(path: url.path)) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func columnOptionOnTextLabelFileIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.txt", "one;a\n")
        #expect(throws: DatasetError.columnOptionNotApplicable(path: url.path, option: "--label-column")) {
            try DatasetReader.read(url: url, options: .init(labelColumn: .index(1)))
        }
    }

    @Test func readTextsTakesWholeLines() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("input.txt", "first; text\nsecond\n\n")
        let records = try DatasetReader.readTexts(url: url)
        #expect(records.map(\.text) == ["first; text", "second"])
        #expect(records.map(\.label) == [.missing, .missing])
    }

    // MARK: - CSV and TSV

    @Test func csvHeaderSelectsColumnsByName() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "id,label,sentence\n1,pos,good film\n2,neg,bad film\n")
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.text) == ["good film", "bad film"])
        #expect(records.map(\.label) == [.string("pos"), .string("neg")])
        #expect(records.map(\.location.line) == [2, 3])
    }

    @Test func csvHeaderMatchesIgnoringCase() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "Text,Label\nhello,1\n")
        let records = try DatasetReader.read(url: url)
        #expect(records == [DatasetRecord(text: "hello", label: .string("1"), location: FileLocation(path: url.path, line: 2))])
    }

    @Test func csvWithoutHeaderUsesFirstAndLastColumns() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "good film,x,1\nbad film,y,0\n")
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.text) == ["good film", "bad film"])
        #expect(records.map(\.label) == [.string("1"), .string("0")])
        #expect(records.map(\.location.line) == [1, 2])
    }

    @Test func csvQuotingRules() throws {
        let folder = try TemporaryFolder()
        let contents = "text,label\n\"a, b\",x\n\"say \"\"hi\"\"\",y\n\"two\nlines\",z\n\"crlf\r\ninside\",w\nplain \"quote\",v\n\"\",u\n"
        let url = try folder.write("train.csv", contents)
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.text) == ["a, b", "say \"hi\"", "two\nlines", "crlf\r\ninside", "plain \"quote\"", ""])
        #expect(records.map(\.label) == ["x", "y", "z", "w", "v", "u"].map { RawLabel.string($0) })
        // A quoted line break moves the next record's line.
        #expect(records.map(\.location.line) == [2, 3, 4, 6, 8, 9])
    }

    @Test func csvCRLFAndBOM() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("text,label\r\nhello,a\r\nworld,b\r\n".utf8))
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.text) == ["hello", "world"])
        #expect(records.map(\.label) == [.string("a"), .string("b")])
    }

    @Test func csvLoneCarriageReturns() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "text,label\rhello,a\rworld,b\r")
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.text) == ["hello", "world"])
        #expect(records.map(\.location.line) == [2, 3])
    }

    @Test func csvQuotedLoneCarriageReturnCountsAsLine() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "text,label\r\"old\rmac\",a\rnext,b\r")
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.text) == ["old\rmac", "next"])
        #expect(records.map(\.location.line) == [2, 4])
    }

    @Test func csvColumnsByNameAndIndex() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "review,stars,sentiment\ngreat,5,pos\nawful,1,neg\n")
        let byName = try DatasetReader.read(url: url, options: .init(textColumn: .name("review"), labelColumn: .name("stars")))
        #expect(byName.map(\.text) == ["great", "awful"])
        #expect(byName.map(\.label) == [.string("5"), .string("1")])

        // The named text column makes the first row a header; the label defaults to the last column.
        let nameOnly = try DatasetReader.read(url: url, options: .init(textColumn: .name("review")))
        #expect(nameOnly.map(\.label) == [.string("pos"), .string("neg")])
        #expect(nameOnly.map(\.location.line) == [2, 3])

        let noHeader = try folder.write("plain.csv", "5,great,pos\n1,awful,neg\n")
        let byIndex = try DatasetReader.read(url: noHeader, options: .init(textColumn: .index(1), labelColumn: .index(0)))
        #expect(byIndex.map(\.text) == ["great", "awful"])
        #expect(byIndex.map(\.label) == [.string("5"), .string("1")])
    }

    @Test func tsvUsesTabs() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.tsv", "sentence\tlabel\nhello, world\t1\n\"tab\there\"\t0\n")
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.text) == ["hello, world", "tab\there"])
        #expect(records.map(\.label) == [.string("1"), .string("0")])
    }

    @Test func csvUnterminatedQuoteNamesOpeningLine() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "text,label\nfine,a\n\"never closed,b\nmore,c\n")
        #expect(throws: DatasetError.unterminatedQuote(FileLocation(path: url.path, line: 3))) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func csvTextAfterClosingQuoteIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "text,label\n\"quoted\"é,a\n")
        #expect(throws: DatasetError.characterAfterClosingQuote(FileLocation(path: url.path, line: 2), character: "é")) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func csvWrongColumnCountNamesLine() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "text,label\nok,a\nnot, ok,b\n")
        #expect(throws: DatasetError.columnCountMismatch(FileLocation(path: url.path, line: 3), expected: 2, found: 3)) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func csvEmptyLineInsideFileIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "text,label\nok,a\n\nok,b\n\n")
        #expect(throws: DatasetError.emptyLine(FileLocation(path: url.path, line: 3))) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func csvUnknownColumnNameIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "text,label\nok,a\n")
        #expect(throws: DatasetError.columnNotFound(path: url.path, column: "review", header: ["text", "label"])) {
            try DatasetReader.read(url: url, options: .init(textColumn: .name("review")))
        }
    }

    @Test func csvColumnIndexOutOfRangeIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "text,label\nok,a\n")
        #expect(throws: DatasetError.columnIndexOutOfRange(path: url.path, index: 2, columnCount: 2)) {
            try DatasetReader.read(url: url, options: .init(labelColumn: .index(2)))
        }
    }

    @Test func csvSingleColumnIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "just text\nmore text\n")
        #expect(throws: DatasetError.sameTextAndLabelColumn(path: url.path, column: 0)) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func csvInvalidUTF8NamesLine() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", bytes: Array("text,label\nok,a\n".utf8) + [0xFF, 0x2C, 0x62, 0x0A])
        #expect(throws: DatasetError.invalidUTF8(FileLocation(path: url.path, line: 3))) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func csvHeaderOnlyIsEmptyFile() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.csv", "text,label\n")
        #expect(throws: DatasetError.emptyFile(path: url.path)) {
            try DatasetReader.read(url: url)
        }
    }

    // MARK: - JSON Lines

    @Test func jsonLinesStringAndIntegerLabels() throws {
        let folder = try TemporaryFolder()
        let contents = """
            {"text": "good", "label": "pos"}
            {"label": 1, "text": "caf\\u00e9 \\"x\\""}
            {"text": "none", "label": null}
            {"text": "absent"}
            {"text": "float", "label": 2.0}
            """
        let url = try folder.write("train.jsonl", contents + "\n\n")
        let records = try DatasetReader.read(url: url)
        #expect(records.map(\.text) == ["good", "café \"x\"", "none", "absent", "float"])
        #expect(records.map(\.label) == [.string("pos"), .integer(1), .missing, .missing, .integer(2)])
        #expect(records.map(\.location.line) == [1, 2, 3, 4, 5])
    }

    @Test func jsonLinesCustomFields() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.json", "{\"sentence\": \"hi\", \"target\": \"a\", \"label\": \"ignored\"}\r\n")
        let records = try DatasetReader.read(url: url, options: .init(textColumn: .name("sentence"), labelColumn: .name("target")))
        #expect(records.map(\.text) == ["hi"])
        #expect(records.map(\.label) == [.string("a")])
    }

    @Test func jsonLinesBadJSONNamesLine() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.jsonl", "{\"text\": \"ok\", \"label\": 0}\n{\"text\": \"cut\", \"label\"\n")
        #expect {
            try DatasetReader.read(url: url)
        } throws: { error in
            guard case let .invalidJSON(location, _)? = error as? DatasetError else { return false }
            return location == FileLocation(path: url.path, line: 2)
        }
    }

    @Test func jsonLinesNonObjectIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.jsonl", "{\"text\": \"ok\", \"label\": 0}\n\"just a string\"\n")
        #expect(throws: DatasetError.notAnObject(FileLocation(path: url.path, line: 2))) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func jsonLinesMissingTextIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.jsonl", "{\"sentence\": \"ok\", \"label\": 0}\n")
        #expect(throws: DatasetError.missingField(FileLocation(path: url.path, line: 1), field: "text")) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func jsonLinesWrongFieldTypesAreErrors() throws {
        let folder = try TemporaryFolder()
        let textNumber = try folder.write("a.jsonl", "{\"text\": 5, \"label\": 0}\n")
        #expect(throws: DatasetError.invalidFieldType(FileLocation(path: textNumber.path, line: 1), field: "text", found: "a number")) {
            try DatasetReader.read(url: textNumber)
        }
        let labelFraction = try folder.write("b.jsonl", "{\"text\": \"x\", \"label\": 0}\n{\"text\": \"y\", \"label\": 0.5}\n")
        #expect(throws: DatasetError.invalidFieldType(FileLocation(path: labelFraction.path, line: 2), field: "label", found: "a number")) {
            try DatasetReader.read(url: labelFraction)
        }
        let labelBool = try folder.write("c.jsonl", "{\"text\": \"x\", \"label\": true}\n")
        #expect(throws: DatasetError.invalidFieldType(FileLocation(path: labelBool.path, line: 1), field: "label", found: "a boolean")) {
            try DatasetReader.read(url: labelBool)
        }
    }

    @Test func jsonArrayFileIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.json", "[\n{\"text\": \"x\", \"label\": 0}\n]\n")
        #expect(throws: DatasetError.jsonArrayNotSupported(path: url.path)) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func jsonLinesEmptyLineInsideIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.jsonl", "{\"text\": \"a\"}\n   \n{\"text\": \"b\"}\n")
        #expect(throws: DatasetError.emptyLine(FileLocation(path: url.path, line: 2))) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func jsonLinesColumnIndexIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.jsonl", "{\"text\": \"a\"}\n")
        #expect(throws: DatasetError.columnIndexWithoutColumns(path: url.path, index: 0)) {
            try DatasetReader.read(url: url, options: .init(textColumn: .index(0)))
        }
    }

    // MARK: - Dispatch

    @Test func parquetReadsTextAndLabel() throws {
        let url = TestPaths.fixtures.appendingPathComponent("parquet/labelled.parquet")
        let records = try DatasetReader.read(url: url)
        #expect(records.count == 8)
        #expect(records[0].text == "the parcel arrived a week early")
        #expect(records[0].label == .integer(5))
        #expect(records[6].text == "")
        #expect(records[6].label == .missing)
        #expect(records[7].text == "crème brûlée for dessert, what a day")
        #expect(records[7].location == FileLocation(path: url.path, line: 8))
    }

    @Test func parquetNullTextIsError() throws {
        let url = TestPaths.fixtures.appendingPathComponent("parquet/dict_snappy_v1.parquet")
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixtures.appendingPathComponent("parquet/expected.json"))) as! [String: Any]
        let rows = expected["rows"] as! [[String: Any]]
        let firstNull = try #require(rows.firstIndex { $0["text"] is NSNull })
        #expect(throws: DatasetError.invalidFieldType(FileLocation(path: url.path, line: firstNull + 1), field: "text", found: "null")) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func parquetMissingColumnIsError() throws {
        let url = TestPaths.fixtures.appendingPathComponent("parquet/dict_snappy_v1.parquet")
        #expect(throws: DatasetError.self) {
            try DatasetReader.read(url: url, options: .init(textColumn: .name("sentence")))
        }
    }

    @Test func unknownExtensionIsError() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("train.xlsx", "x")
        #expect(throws: DatasetError.unsupportedExtension(path: url.path)) {
            try DatasetReader.read(url: url)
        }
    }

    @Test func missingFileIsError() throws {
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("absent.csv")
        #expect {
            try DatasetReader.read(url: url)
        } throws: { error in
            guard case let .fileUnreadable(path, _)? = error as? DatasetError else { return false }
            return path == url.path
        }
    }

    @Test func columnSelectorParsesArguments() {
        #expect(ColumnSelector(argument: "2") == .index(2))
        #expect(ColumnSelector(argument: "review") == .name("review"))
        #expect(ColumnSelector(argument: "+2") == .name("+2"))
        #expect(ColumnSelector(argument: "-1") == .name("-1"))
    }

    @Test func errorMessageNamesLineAndFix() {
        let message = DatasetError.unterminatedQuote(FileLocation(path: "/data/train.csv", line: 7)).description
        #expect(message.hasPrefix("/data/train.csv:7: "))
        #expect(message.contains("\"\""))
    }
}
