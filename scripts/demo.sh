#!/usr/bin/env bash
# Demo of the hawkes tool: build it, run the streaming pipeline on the
# embedded Kafka broker, fit real data sets and report the model-only
# prediction error, cross-validate the forest, then train a model and apply
# it with hawkes predict and in the stream; without the shared data, simulate
# a data set and do the first steps with it.
#
# The shared data sets are looked up in ../shared/data relative to the
# repository root; HAWKES_DATA=DIR overrides that (HAWKES_SHARED_DATA, which
# the tests read, is honoured too).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
data="${HAWKES_DATA:-${HAWKES_SHARED_DATA:-$root/../shared/data}}"
if [ -d "$data" ]; then data="$(cd "$data" && pwd)"; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== go build -o bin/hawkes ./cmd/hawkes"
go build -o bin/hawkes ./cmd/hawkes

# evaluate FILE.csv: model-only absolute relative error |size - nhat| / size
# over the rows that have a prediction. Columns are counted from the end of
# the line (nhat is NF-2, size NF-9) so that an id holding a quoted comma
# cannot shift them.
evaluate() {
	local total
	total=$(($(wc -l <"$1") - 1))
	awk -F, 'NR > 1 && $(NF-2) != "" {
		size = $(NF-9); are = ($(NF-2) - size) / size
		print (are < 0 ? -are : are)
	}' "$1" | sort -g | awk -v total="$total" '
		{ a[NR] = $1; sum += $1 }
		END {
			if (NR == 0) { printf "model-only ARE: no cascade of %d has a prediction\n", total; exit }
			med = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			printf "model-only ARE over the %d of %d cascades with a prediction: mean %.3f, median %.3f\n", NR, total, sum / NR, med
		}'
	awk -F, 'NR > 1 { n[$NF]++ } END { for (s in n) printf "  %-13s %d\n", s, n[s] }' "$1" | sort
}

# fit_and_evaluate NAME DIR FLAGS...: fit DIR, keep the CSV, evaluate it.
fit_and_evaluate() {
	local name="$1" dir="$2"
	shift 2
	echo
	echo "== bin/hawkes fit --data $dir $*"
	bin/hawkes fit --data "$dir" "$@" >"$tmp/$name.csv"
	head -n 4 "$tmp/$name.csv"
	echo "..."
	evaluate "$tmp/$name.csv"
}

# cross_validate DIR WINDOW: the forest and the baselines under 5-fold
# cross-validation, with the box plot written beside the binary.
cross_validate() {
	echo
	echo "== bin/hawkes evaluate --data $1 --window $2 --cv 5 --plot=bin/are-$2s.png"
	bin/hawkes evaluate --data "$1" --window "$2" --cv 5 --plot="bin/are-$2s.png"
}

# stream DIR FLAGS...: the whole Kafka pipeline in this process, on the
# embedded broker: alerts on stdout, the summary on stderr and in
# bin/stream-summary.json.
stream() {
	local dir="$1"
	shift
	echo
	echo "== bin/hawkes stream --data $dir $* --summary bin/stream-summary.json --log-level warn"
	bin/hawkes stream --data "$dir" "$@" --summary bin/stream-summary.json --log-level warn
}

if [ -d "$data/smh_cascades" ]; then
	stream "$data/smh_cascades" --threshold 150 --retrain-every 5
	fit_and_evaluate smh "$data/smh_cascades" --window 3600
	if [ -d "$data/seismic_subset" ]; then
		fit_and_evaluate seismic "$data/seismic_subset" --window 600
		cross_validate "$data/seismic_subset" 600
		# A model trained in batch on the earlier cascades, applied to the
		# later ones in batch and in the stream: the same predictions.
		echo
		echo "== bash scripts/time-split.sh $tmp/split 400 $data/seismic_subset"
		bash scripts/time-split.sh "$tmp/split" 400 "$data/seismic_subset"
		echo
		echo "== bin/hawkes train --data $tmp/split/train --window 600 --model bin/m600.hkrf"
		bin/hawkes train --data "$tmp/split/train" --window 600 --model bin/m600.hkrf --no-cache
		echo
		echo "== bin/hawkes predict --data $tmp/split/test --window 600 --model bin/m600.hkrf"
		bin/hawkes predict --data "$tmp/split/test" --window 600 --model bin/m600.hkrf >"$tmp/predict.csv"
		head -n 4 "$tmp/predict.csv"
		echo "..."
		awk -F, 'NR > 1 { a = ($5 - $4) / $4; s += (a < 0 ? -a : a); n++ } END { printf "predict: ARE mean %.3f over %d cascades\n", s / n, n }' "$tmp/predict.csv"
		stream "$tmp/split/test" --window 600 --model bin/m600.hkrf --retrain-every 0 --terminated 1e6 --threshold 10000
	fi
else
	echo "no shared data in $data (set HAWKES_DATA): simulating a data set"
	echo
	echo "== bin/hawkes simulate --out $tmp/sim --cascades 100 --random --first-mag 100000 --whole-seconds --max-events 20000"
	bin/hawkes simulate --out "$tmp/sim" --cascades 100 --random --first-mag 100000 --whole-seconds --max-events 20000
	fit_and_evaluate sim "$tmp/sim" --window 3600
	stream "$tmp/sim" --threshold 1000 --retrain-every 20
	echo "(true parameters of each simulated cascade: params.csv beside data.csv)"
	cross_validate "$tmp/sim" 3600
fi
