import Testing
import Finetune

@Test func versionIsSemantic() {
    #expect(finetuneVersion.split(separator: ".").count == 3)
}
