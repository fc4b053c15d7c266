#!/usr/bin/env bash
# Runs benchmark scenarios on two commits, alternating old/new run by run (this machine's speed drifts, so the medians
# of interleaved runs are what compares), and prints each figure's runs, medians and new/old ratio.
#   bench/compare-commits.sh OLD_REV NEW_REV [ROUNDS] [SCENARIO...]     (default: 3 rounds of throughput and backpressure-checkpoint)
set -euo pipefail
old=$1 new=$2 rounds=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=(throughput backpressure-checkpoint)
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d /tmp/dslflow-compare-XXXX)
for side in old new; do
  rev=${!side}
  git -C "$repo" worktree add -q --detach "$work/$side" "$rev"
  flock /tmp/dslflow-build.lock dotnet build -c Release "$work/$side/bench/DslFlow.Bench" > "$work/$side-build.log"
done
for ((i = 1; i <= rounds; i++)); do
  for scenario in "${scenarios[@]}"; do
    for side in old new; do
      (cd "$work/$side" && dotnet bench/DslFlow.Bench/bin/Release/net10.0/DslFlow.Bench.dll "$scenario" > "$work/$side-$scenario-$i.log")
      cp "$work/$side/BenchmarkResults/$scenario.json" "$work/$side-$scenario-$i.json"
      echo "round $i: $side $scenario done"
    done
  done
done
python3 - "$work" "$rounds" "${scenarios[@]}" <<'PY'
import json, statistics, sys
work, rounds, scenarios = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
for scenario in scenarios:
    runs = {side: [json.load(open(f"{work}/{side}-{scenario}-{i}.json")) for i in range(1, rounds + 1)] for side in ("old", "new")}
    for key in runs["old"][0]:
        old = [r[key] for r in runs["old"]]
        new = [r[key] for r in runs["new"]]
        mo, mn = statistics.median(old), statistics.median(new)
        ratio = f"{mn / mo:.3f}" if mo else "-"
        print(f"{scenario} {key}: old {[round(v, 4) for v in old]} median {mo:.4g} | new {[round(v, 4) for v in new]} median {mn:.4g} | new/old {ratio}")
PY
for side in old new; do git -C "$repo" worktree remove --force "$work/$side"; done
echo "logs and JSON in $work"
