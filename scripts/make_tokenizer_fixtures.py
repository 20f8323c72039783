#!/usr/bin/env python3
"""Write the tokenizer golden fixtures in Tests/FinetuneTests/Fixtures/tokenizer from Hugging Face.

Run with the reference environment (tokenizers 0.23, transformers 5.25):

    ~/venv-ref/bin/python scripts/make_tokenizer_fixtures.py

Inputs, none of which are copied into the repository:
  ../shared/data/emotion/{train,validation,test}.txt    `text;label` lines (20,000 texts)
  ../shared/data/roberta-base/{vocab.json,merges.txt}   roberta-base byte-level BPE
  .cache/models/all-MiniLM-L6-v2                        BERT uncased WordPiece (tokenizer.json, vocab.txt)

Outputs:
  emotion.json, emotion_roberta.ids.gz, emotion_minilm.ids.gz
      ids of every emotion text (no texts): roberta-base from vocab.json+merges.txt with
      model_max_length 512 (= max_position_embeddings 514 - padding_idx 1 - 1), and all-MiniLM-L6-v2.
  tricky.json
      the strings written below and, per tokenizer, the ids of `tokenizer(text, truncation=True)` and
      `tokenizer.decode(ids, skip_special_tokens=True)`.
  small_bpe/, small_bpe_template/, small_wordpiece_cased/, small_wordpiece_strip/
      small tokenizer.json files trained here on text generated below, with a tokenizer_config.json.
  unicode_blocks.json
      per block of 4,096 code points, an FNV-1a 64 hash of how tokenizers classifies and normalizes
      every scalar (GPT-2 split class, BERT whitespace/punctuation, BertNormalizer output).

The .ids.gz format: gzip of unsigned LEB128 varints: text count, then per text its id count and ids.
Rerunning reproduces every file except the small WordPiece vocabularies, whose trainer numbers tokens of
equal frequency in hash order; their tricky.json ids change with them.
"""

import gzip
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

import tokenizers
import transformers
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, BertTokenizer, PreTrainedTokenizerFast, RobertaTokenizerFast

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "FinetuneTests" / "Fixtures" / "tokenizer"
SHARED = (ROOT / ".." / "shared" / "data").resolve()
ROBERTA = SHARED / "roberta-base"
MINILM = ROOT / ".cache" / "models" / "all-MiniLM-L6-v2"
EMOTION_SPLITS = ["train.txt", "validation.txt", "test.txt"]
ROBERTA_MAX = 512


# ---------------------------------------------------------------- helpers

def fnv1a64(data: bytes) -> int:
    value = 0xCBF29CE484222325
    for byte in data:
        value ^= byte
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def varint(number: int) -> bytes:
    out = bytearray()
    while True:
        low = number & 0x7F
        number >>= 7
        if number:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def write_ids_gz(path: Path, rows):
    payload = bytearray(varint(len(rows)))
    for row in rows:
        payload += varint(len(row))
        for token_id in row:
            payload += varint(token_id)
    # mtime=0 keeps the file identical across runs.
    with open(path, "wb") as handle:
        handle.write(gzip.compress(bytes(payload), compresslevel=9, mtime=0))


def write_json(path: Path, value):
    path.write_text(json.dumps(value, indent=1) + "\n", encoding="utf-8")


def write_tricky_json(path: Path, texts, expected):
    """One string or id row per line, so a regenerated file diffs line by line."""
    def rows(values):
        return "[\n" + ",\n".join("  " + json.dumps(value, separators=(",", ":")) for value in values) + "\n ]"
    parts = []
    for name, entry in expected.items():
        parts.append(f' {json.dumps(name)}: {{"max_length": {entry["max_length"]},\n "ids": {rows(entry["ids"])},\n'
                     f' "decoded": {rows(entry["decoded"])}}}')
    text = '{"texts": ' + rows(texts) + ',\n"expected": {\n' + ",\n".join(parts) + "\n}}\n"
    json.loads(text)
    path.write_text(text, encoding="utf-8")


def emotion_texts():
    """Texts in file order, train then validation then test: each line up to its last ';'."""
    texts = []
    for name in EMOTION_SPLITS:
        lines = (SHARED / "emotion" / name).read_bytes().decode("utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        texts += [line[: line.rindex(";")] for line in lines]
    return texts


def texts_digest(texts) -> str:
    return "%016x" % fnv1a64(b"".join(text.encode("utf-8") + b"\n" for text in texts))


# ---------------------------------------------------------------- strings written for these tests

WORDS = (
    "the a an and or but if then because while river mountain window garden paper signal engine quiet "
    "bright heavy slow quick green yellow table chair morning evening letter number station market "
    "teacher student doctor travel follow answer question reason season summer winter build builder "
    "building run runner running walk walked walking happy happiness unhappy careful carefully token "
    "tokenizer model train training value values small smaller smallest large larger largest north south"
).split()


def long_text(seed: int, words: int, extra=()) -> str:
    generator = random.Random(seed)
    pool = WORDS + list(extra)
    out = []
    for index in range(words):
        word = generator.choice(pool)
        if generator.random() < 0.08:
            word = word.capitalize()
        if generator.random() < 0.03:
            word = word.upper()
        out.append(word)
        if generator.random() < 0.07:
            out[-1] += generator.choice([",", ".", "!", "?", ";", ":"])
    return " ".join(out)


def tricky_texts():
    letters150 = "".join(chr(ord("a") + (index * 7) % 26) for index in range(150))
    texts = [
        "",
        " ",
        "   ",
        "\n",
        "\t\t",
        "   leading spaces",
        "trailing spaces   ",
        "multiple   spaces   between words",
        " " * 40 + "x",
        "  \t leading mix",
        "tab\tseparated\tvalues",
        "line one\nline two\n\nline four",
        "windows\r\nline endings\r\n",
        "mixed \t \n whitespace \r\n\t run",
        "non\u00a0breaking\u00a0space and word\u00a0\u00a0\u00a0run",
        "narrow\u202fno-break and figure\u2007space",
        "ideographic\u3000space",
        "line\u2028separator and paragraph\u2029separator",
        "zero\u200bwidth\u200cnon-joiner\u200djoiner",
        "word\u2060joiner and soft\u00adhyphen",
        "marks \u200fright-to-left and \u200eleft-to-right",
        "combining e\u0301 acute and n\u0303 tilde",
        "a\u0301\u0302\u0303 stacked combining marks",
        "a\u0308\u0323 marks in non-canonical order",
        "\U0001D165\u0301 musical stem with acute",
        "precomposed caf\u00e9 na\u00efve r\u00e9sum\u00e9 versus cafe\u0301",
        "\u00c9COLE \u00c0\u00c9\u00ce\u00d5\u00dc UPPER ACCENTS",
        "Turkish \u0130stanbul \u0131i \u0130I",
        "German stra\u00dfe STRASSE \u00df \u1e9e",
        "final sigma \u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 and \u1f48\u0394\u03a5\u03a3\u03a3\u0395\u038e\u03a3",
        "Greek \u1f04\u03bd\u03b8\u03c1\u03c9\u03c0\u03bf\u03c2",
        "Vietnamese Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u",
        "Cyrillic \u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440 \u0401\u0416\u0418\u041a",
        "CJK \u4e2d\u6587\u5b57\u7b26\u6d4b\u8bd5 and \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
        "CJK extension B \U00020000\U00020001 and compatibility \uf900\uf901",
        "Korean \ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8",
        "Thai \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22\u0e44\u0e21\u0e48\u0e21\u0e35\u0e0a\u0e48\u0e2d\u0e07\u0e27\u0e48\u0e32\u0e07",
        "Khmer \u1797\u17b6\u179f\u17b6\u1781\u17d2\u1798\u17c2\u179a",
        "Arabic \u0627\u0644\u0639\u0631\u0628\u064a\u0629 with marks \u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f",
        "Hebrew \u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
        "Devanagari \u0939\u093f\u0928\u094d\u0926\u0940 \u092d\u093e\u0937\u093e",
        "Ethiopic \u1230\u120b\u121d",
        "emoji \U0001F600 \U0001F44D\U0001F3FD \u2764\ufe0f",
        "ZWJ family \U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 and \U0001F3F3\ufe0f\u200d\U0001F308",
        "flags \U0001F1FA\U0001F1F8\U0001F1EB\U0001F1F7\U0001F1EF\U0001F1F5",
        "newer emoji \U0001F970 \U0001FAE0 \U0001FABF",
        "newer letters \U00010D50\U00010D51 and \U00010940\U00010941 and \ua7ce\ua7cf",
        "control\u0001chars\u0007and\u001bescape",
        "NUL\u0000inside",
        "\ufeffBOM at start",
        "DEL\u007fchar and C1\u0085NEL \u0080 vertical\u000btab form\u000cfeed",
        "replacement char \ufffd here",
        "private use \ue000\uf8ff",
        "math \U0001D400\U0001D401 \U0001D538 \u2211 \u222b \u2260 \u2264 and \u212b \ufb01 \uff46\uff55\uff4c\uff4c",
        "<s>",
        "</s>",
        "<mask>",
        "hello <mask> world",
        "hello<mask>world",
        "   <mask>   spaced",
        "<mask> at start and at end <mask>",
        "<s>inside</s>text<pad><unk>",
        "<S> </S> <MASK> not special",
        "< s > broken special <s",
        "[CLS] [SEP] [MASK] [PAD] [UNK]",
        "text[SEP]more [sep] lower [Sep] [ENT]tagged[ENT] qwx qwxy xqwx",
        "[ENT] \t\u00a0after and nbsp\u00a0<mask> and tab\t<mask> and ideographic\u3000<mask>",
        "single word qwx\U0001E6E3 and \u4e00qwx and \U000330B9qwx and qwx\u0301 and _qwx",
        "it's don't I'm you're we've they'll she'd",
        "IT'S DON'T uppercase contractions",
        "''quoted'' 'single' \"double\" '''",
        "'s at start and 'll 'd 're 'x",
        "numbers 123 4567 3.14159 1,000,000 \u0661\u0662\u0663 \u00bd \u00b2 \u2167",
        "version v1.2.3-beta+build.5",
        "Hello, world! How are you?? ...wait... (yes) [no] {maybe}",
        "symbols $100 + 5% = ^_^ | ~ ` @ # & *",
        "unicode punctuation \u201cquotes\u201d \u2018single\u2019 \u2014 dash \u2013 en \u2026 \u00abguillemets\u00bb \u00bf\u00a1",
        "url https://example.com/path?query=1&b=2#frag and email someone@example.org",
        "code: def f(x): return x**2 # comment",
        "!!!???... ,,, ;;",
        letters150,
        "pneumonoultramicroscopicsilicovolcanoconiosis",
        "a" * 100,
        "a" * 101,
        "x" * 1000,
        long_text(1, 600),
        long_text(2, 600, extra=["caf\u00e9", "\u4e2d\u6587", "\U0001F600", "na\u00efve", "<mask>", "don't"]),
        long_text(3, 600).upper(),
    ]
    assert len(texts) >= 60
    return texts


def training_corpus():
    """Sentences generated from the word list above, with accents, CJK and emoji mixed in."""
    generator = random.Random(7)
    extras = ["caf\u00e9", "na\u00efve", "r\u00e9sum\u00e9", "stra\u00dfe", "\u4e2d\u6587", "\u65e5\u672c",
              "\U0001F600", "\u041f\u0440\u0438\u0432\u0435\u0442", "it's", "don't", "we're", "1999", "3.14"]
    lines = []
    for _ in range(3000):
        words = [generator.choice(WORDS + extras) for _ in range(generator.randint(4, 18))]
        if generator.random() < 0.3:
            words[0] = words[0].capitalize()
        lines.append(" ".join(words) + generator.choice([".", "!", "?", "", ","]))
    return lines


# ---------------------------------------------------------------- small trained tokenizers

SMALL_BPE_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
SMALL_WORDPIECE_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_small_bpe(corpus):
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=700, min_frequency=2, special_tokens=SMALL_BPE_SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", tokenizer.token_to_id("</s>")),
                                                            ("<s>", tokenizer.token_to_id("<s>")))
    # roberta-base's hub tokenizer.json strips the space before <mask>.
    tokenizer.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=False, normalized=False, special=True)])
    return tokenizer


def small_bpe_template(base_json: str):
    tokenizer = Tokenizer.from_str(base_json)
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizer.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=True),
        processors.TemplateProcessing(
            single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
            special_tokens=[("<s>", tokenizer.token_to_id("<s>")), ("</s>", tokenizer.token_to_id("</s>"))]),
    ])
    tokenizer.add_tokens([AddedToken("[ENT]", rstrip=True, special=False), AddedToken("qwx", single_word=True)])
    return tokenizer


def train_small_wordpiece(corpus):
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=20))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=600, min_frequency=2, special_tokens=SMALL_WORDPIECE_SPECIALS,
                                        show_progress=False)
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tokenizer.token_to_id("[CLS]")), ("[SEP]", tokenizer.token_to_id("[SEP]"))])
    tokenizer.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    return tokenizer


def small_wordpiece_strip(base_json: str):
    tokenizer = Tokenizer.from_str(base_json)
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=False, strip_accents=True, lowercase=False)
    # A normalized added token is matched on the normalized text.
    tokenizer.add_tokens([AddedToken("cafe", normalized=True)])
    return tokenizer


def save_small(tokenizer, name, max_length):
    folder = OUT / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    write_json(folder / "tokenizer_config.json",
               {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": max_length})
    reference = PreTrainedTokenizerFast.from_pretrained(str(folder))
    # The file's own pipeline (tokenizers) and transformers must agree.
    direct = Tokenizer.from_file(str(folder / "tokenizer.json"))
    direct.no_padding()
    direct.enable_truncation(max_length)
    return reference, direct


# ---------------------------------------------------------------- references

def encode_all(tokenizer, texts):
    return tokenizer(texts, truncation=True)["input_ids"]


def decode_all(tokenizer, rows):
    return [tokenizer.decode(row, skip_special_tokens=True) for row in rows]


def check_equal(name, left, right, texts):
    for index, (a, b) in enumerate(zip(left, right)):
        if a != b:
            sys.exit(f"{name}: references disagree on text {index} {texts[index][:60]!r}: {a[:20]} vs {b[:20]}")


def roberta_reference():
    return RobertaTokenizerFast.from_pretrained(str(ROBERTA), model_max_length=ROBERTA_MAX)


def minilm_references():
    """MiniLM from its tokenizer.json, and BertTokenizer from vocab.txt + tokenizer_config.json alone."""
    from_json = AutoTokenizer.from_pretrained(str(MINILM))
    folder = Path(tempfile.mkdtemp(prefix="minilm-vocab-"))
    for name in ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "config.json"]:
        shutil.copy(MINILM / name, folder / name)
    from_vocab = BertTokenizer.from_pretrained(str(folder))
    return from_json, from_vocab, folder


def unicode_blocks():
    """FNV-1a 64 per 4,096-scalar block of four strings built from each scalar's HF behaviour."""
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    bert_split = pre_tokenizers.BertPreTokenizer()
    uncased = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    cased = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)

    def gpt2_class(char):
        for probe, label in (("a", "L"), ("1", "N"), ("!", "O"), ("\t", "S")):
            if len(byte_level.pre_tokenize_str(probe + char)) == 1:
                return label
        sys.exit(f"no GPT-2 class for U+{ord(char):04X}")

    def bert_class(char):
        pieces = len(bert_split.pre_tokenize_str("a" + char + "a"))
        return {1: "o", 2: "w", 3: "p"}[pieces]

    blocks = {"gpt2_class": [], "bert_class": [], "bert_uncased": [], "bert_cased": []}
    for start in range(0, 0x110000, 4096):
        chars = [chr(value) for value in range(start, start + 4096) if not 0xD800 <= value <= 0xDFFF]
        blocks["gpt2_class"].append("%016x" % fnv1a64("".join(gpt2_class(c) for c in chars).encode()))
        blocks["bert_class"].append("%016x" % fnv1a64("".join(bert_class(c) for c in chars).encode()))
        # 'a' is a starter, so joining by it keeps NFD reordering inside each scalar's output.
        joined = "a".join(chars)
        blocks["bert_uncased"].append("%016x" % fnv1a64(uncased.normalize_str(joined).encode("utf-8")))
        blocks["bert_cased"].append("%016x" % fnv1a64(cased.normalize_str(joined).encode("utf-8")))
    return {"block_size": 4096, "separator": "a", **blocks}


# ---------------------------------------------------------------- main

def main():
    for path, what in ((ROBERTA / "vocab.json", "roberta-base"), (SHARED / "emotion" / "train.txt", "emotion"),
                       (MINILM / "tokenizer.json", "all-MiniLM-L6-v2 (run `make model`)")):
        if not path.exists():
            sys.exit(f"missing {what}: {path}")
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"tokenizers {tokenizers.__version__}, transformers {transformers.__version__}")

    roberta = roberta_reference()
    minilm, minilm_vocab, minilm_vocab_folder = minilm_references()

    # Emotion ids.
    texts = emotion_texts()
    roberta_ids = encode_all(roberta, texts)
    minilm_ids = encode_all(minilm, texts)
    check_equal("MiniLM tokenizer.json vs vocab.txt", minilm_ids, encode_all(minilm_vocab, texts), texts)
    write_ids_gz(OUT / "emotion_roberta.ids.gz", roberta_ids)
    write_ids_gz(OUT / "emotion_minilm.ids.gz", minilm_ids)
    write_json(OUT / "emotion.json", {
        "files": EMOTION_SPLITS, "text_count": len(texts), "texts_fnv1a64": texts_digest(texts),
        "roberta": {"ids": "emotion_roberta.ids.gz", "max_length": ROBERTA_MAX},
        "minilm": {"ids": "emotion_minilm.ids.gz", "max_length": minilm.model_max_length},
    })
    print(f"emotion: {len(texts)} texts")

    # Small tokenizers trained on generated text.
    corpus = training_corpus()
    small_bpe = train_small_bpe(corpus)
    small_wordpiece = train_small_wordpiece(corpus)
    small = {
        "small_bpe": save_small(small_bpe, "small_bpe", 128),
        "small_bpe_template": save_small(small_bpe_template(small_bpe.to_str()), "small_bpe_template", 96),
        "small_wordpiece_cased": save_small(small_wordpiece, "small_wordpiece_cased", 64),
        "small_wordpiece_strip": save_small(small_wordpiece_strip(small_wordpiece.to_str()), "small_wordpiece_strip", 80),
    }

    # Tricky strings.
    tricky = tricky_texts()
    expected = {}
    roberta_tricky = encode_all(roberta, tricky)
    expected["roberta"] = {"max_length": ROBERTA_MAX, "ids": roberta_tricky, "decoded": decode_all(roberta, roberta_tricky)}
    minilm_tricky = encode_all(minilm, tricky)
    check_equal("MiniLM tokenizer.json vs vocab.txt (tricky)", minilm_tricky, encode_all(minilm_vocab, tricky), tricky)
    expected["minilm"] = {"max_length": minilm.model_max_length, "ids": minilm_tricky, "decoded": decode_all(minilm, minilm_tricky)}
    for name, (reference, direct) in small.items():
        ids = encode_all(reference, tricky)
        check_equal(f"{name}: transformers vs tokenizers", ids, [e.ids for e in direct.encode_batch(tricky)], tricky)
        expected[name] = {"max_length": reference.model_max_length, "ids": ids, "decoded": decode_all(reference, ids)}
    write_tricky_json(OUT / "tricky.json", tricky, expected)
    print(f"tricky: {len(tricky)} strings x {len(expected)} tokenizers")

    write_json(OUT / "unicode_blocks.json", unicode_blocks())
    print("unicode blocks written")
    shutil.rmtree(minilm_vocab_folder)


if __name__ == "__main__":
    main()
