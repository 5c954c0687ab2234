#!/usr/bin/env bash
# The stream against the batch on a time split of seismic_subset: models
# trained on the first TRAIN cascades by post time, then the later cascades
# predicted by `hawkes predict` and streamed with those models (retraining
# off), and streamed without models as a fresh install would. Prints the
# mean and median ARE of each per window; the first two must be equal.
#
#   bash scripts/stream-parity.sh [TRAIN] [DATA_DIR]
#
# TRAIN defaults to 400 and DATA_DIR to ../shared/data/seismic_subset. The
# stream runs with --terminated 1e6 so that every cascade finishes at the end
# of the replay with the size the batch scores against.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
ntrain="${1:-400}"
data="${2:-$root/../shared/data/seismic_subset}"
windows="600,3600"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o bin/hawkes ./cmd/hawkes
bash scripts/time-split.sh "$tmp/split" "$ntrain" "$data"
models=()
for w in ${windows//,/ }; do
	bin/hawkes train --data "$tmp/split/train" --window "$w" --model "$tmp/m$w.hkrf" --no-cache
	models+=("$w=$tmp/m$w.hkrf")
done
model_list="$(IFS=,; echo "${models[*]}")"

bin/hawkes predict --data "$tmp/split/test" --window "$windows" --model "$model_list" >"$tmp/predict.csv"
bin/hawkes stream --data "$tmp/split/test" --window "$windows" --model "$model_list" --retrain-every 0 \
	--terminated 1e6 --summary "$tmp/with.json" 2>"$tmp/with.log" >/dev/null
bin/hawkes stream --data "$tmp/split/test" --window "$windows" \
	--terminated 1e6 --summary "$tmp/without.json" 2>"$tmp/without.log" >/dev/null

echo "ARE on the $(($(wc -l <"$tmp/split/test/index.csv") - 1)) later cascades (mean / median):"
for w in ${windows//,/ }; do
	awk -F, -v w="$w" 'NR > 1 && $2 == w { a = ($5 - $4) / $4; print (a < 0 ? -a : a) }' "$tmp/predict.csv" | sort -g |
		awk -v w="$w" '{ x[NR] = $1; s += $1 } END {
			m = (NR % 2) ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
			printf "  window %ss  hawkes predict             %.4f / %.4f  (%d cascades)\n", w, s / NR, m, NR }'
	for run in with without; do
		label="stream with --model        "
		[ "$run" = without ] && label="stream without models      "
		python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["are"][sys.argv[2]]
print("  window %ss  %s %.4f / %.4f  (%d cascades)" % (sys.argv[2], sys.argv[3], s["mean"], s["median"], s["count"]))' \
			"$tmp/$run.json" "$w" "$label"
	done
done
