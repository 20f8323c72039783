"""Write a roberta-base-shaped model folder with random weights (transformers' own initialisation),
for runs on machines that cannot download the real roberta-base weights.

The shape is roberta-base's: vocabulary 50265, hidden 768, 12 layers, 12 heads, feed-forward 3072,
514 positions, pad id 1. The tokenizer files (vocab.json, merges.txt) are copied from --tokenizer.

Usage:
    python bench/make_random_roberta_base.py --tokenizer ../shared/data/roberta-base --output /tmp/roberta-base-random
"""

import argparse
import os
import shutil

import torch
from transformers import RobertaConfig, RobertaModel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokenizer", required=True, help="folder with vocab.json and merges.txt")
    parser.add_argument("--output", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    config = RobertaConfig(vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                           intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1,
                           pad_token_id=1, bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5)
    # A base checkpoint (no classification head), as roberta-base is published.
    model = RobertaModel(config, add_pooling_layer=False)
    model.save_pretrained(args.output, safe_serialization=True)
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(os.path.join(args.tokenizer, name), os.path.join(args.output, name))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
