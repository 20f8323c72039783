import Testing
import Finetune

@Suite struct CPUFeaturesTests {
    @Test func parsesFlags() {
        let text = """
        processor\t: 0
        model name\t: AMD EPYC 9R14
        flags\t\t: fpu avx2 avx512f avx512_bf16 sha_ni

        processor\t: 1
        model name\t: other
        flags\t\t: fpu
        """
        let features = CPUFeatures.detect(cpuinfo: text)
        #expect(features.modelName == "AMD EPYC 9R14")
        #expect(features.avx2)
        #expect(features.avx512)
        #expect(features.avx512BF16)
        #expect(!features.amxBF16)
        #expect(features.hasFastBF16)
        #expect(features.summary == "AVX2, AVX512, AVX512-BF16")
    }

    @Test func missingFlagsMeanNoFastBF16() {
        let features = CPUFeatures.detect(cpuinfo: "model name : old\nflags : sse2\n")
        #expect(!features.hasFastBF16)
        #expect(features.summary == "no AVX2")
    }

    @Test func peakMemoryIsReadable() {
        let peak = MemoryUsage.peakResidentBytes()
        #expect(peak != nil)
        #expect((peak ?? 0) > 1_000_000)
    }
}
