#!/bin/sh
# Makes this test tokenizer (a 1,000-piece SentencePiece unigram model in xlnet-base-cased's layout: <unk> <s> </s>,
# then <cls> <sep> <pad> <mask> <eod> <eop> as control symbols) and the same vocabulary as a Hugging Face
# tokenizer.json (Unigram model, Metaspace pre-tokenizer and decoder), as transformers' converter writes xlnet's.
# Corpus: Debian's /usr/share/common-licenses and `deploy/local/run make-wikitext --out /tmp/wt --articles 2000`.
# Needs Debian's sentencepiece package (spm_train, spm_export_vocab).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
(cat /usr/share/common-licenses/*; cat /tmp/wt/wiki.train.raw) > "$tmp/corpus.txt"
spm_train --input="$tmp/corpus.txt" --model_prefix="$tmp/spiece" --vocab_size=1000 --model_type=unigram \
  --control_symbols='<cls>,<sep>,<pad>,<mask>,<eod>,<eop>' --character_coverage=1.0 \
  --remove_extra_whitespaces=false --input_sentence_size=50000 --shuffle_input_sentence=true
cp "$tmp/spiece.model" "$here/spiece.model"
spm_export_vocab --model="$here/spiece.model" > "$tmp/vocab.tsv"
python3 - "$tmp/vocab.tsv" "$here/tokenizer.json" <<'PY'
import json, sys
pieces = [line.rstrip("\n").split("\t") for line in open(sys.argv[1], encoding="utf-8")]
special = {"<unk>", "<s>", "</s>", "<cls>", "<sep>", "<pad>", "<mask>", "<eod>", "<eop>"}
tok = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [{"id": i, "content": p, "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True} for i, (p, _) in enumerate(pieces) if p in special],
    "normalizer": None,
    "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "post_processor": None,
    "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "model": {"type": "Unigram", "unk_id": 0, "vocab": [[p, float(s)] for p, s in pieces], "byte_fallback": False},
}
json.dump(tok, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=1)
PY
rm -r "$tmp"
