"""Time one PyTorch training step on a roberta-base-shaped random model.

A step is forward, mean cross-entropy loss, backward and one torch.optim.AdamW update,
on random token ids, as `finetune bench` times the Swift side. Prints one line per step
and, last, a JSON object with the median step time and the peak resident memory (VmHWM).

    ~/venv-ref/bin/python bench/bench_step.py --precision fp32 --steps 5
    ~/venv-ref/bin/python bench/bench_step.py --precision bf16 --steps 5
"""

import argparse
import json
import statistics
import time

import torch
from transformers import RobertaConfig, RobertaForSequenceClassification


def peak_rss_mib() -> float:
    """Return VmHWM (peak resident set size) of this process in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not found in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                        help="fp32, or bf16 under torch.autocast('cpu', torch.bfloat16)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5, help="timed steps after the warm-up steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    config = RobertaConfig(
        vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
        intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1,
        pad_token_id=1, bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5, num_labels=6,
    )
    model = RobertaForSequenceClassification(config)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)

    # Random ids that avoid the special ids 0..3, so no position is padding.
    ids = torch.randint(4, config.vocab_size, (args.batch_size, args.seq_len))
    mask = torch.ones_like(ids)
    labels = torch.randint(0, config.num_labels, (args.batch_size,))

    times = []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        elapsed = time.perf_counter() - start
        kind = "warm-up" if step < args.warmup else "timed"
        print(f"step {step}  {kind}  {elapsed:.3f} s  loss {loss.item():.4f}", flush=True)
        if step >= args.warmup:
            times.append(elapsed)

    print(json.dumps({
        "framework": f"torch {torch.__version__}",
        "precision": args.precision,
        "batch_size": args.batch_size,
        "seq_len": args.seq_len,
        "threads": args.threads,
        "step_seconds": [round(t, 4) for t in times],
        "step_seconds_median": round(statistics.median(times), 4),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }))


if __name__ == "__main__":
    main()
