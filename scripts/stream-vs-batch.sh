#!/usr/bin/env bash
# Wall time of the whole streaming pipeline against the batch fit on the
# same data and windows, in interleaved pairs so that each pair sees the
# same (noisy) machine.
#
#   bash scripts/stream-vs-batch.sh [RUNS] [DATA_DIR]
#
# For each of RUNS (default 5) rounds: `hawkes stream --data DATA_DIR
# --window 600,3600` (embedded broker, every role in one process), then
# `hawkes fit --window 600` and `--window 3600` on the same data. Prints
# one line per round (stream seconds, batch seconds, ratio) and the medians.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${1:-5}"
data="${2:-$root/../shared/data/seismic_subset}"
if [ ! -d "$data" ]; then
	echo "stream-vs-batch: no data at $data" >&2
	exit 2
fi
go build -o bin/hawkes ./cmd/hawkes
secs() { # run a command quietly, print its wall time in seconds
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}
results=()
for i in $(seq "$runs"); do
	s=$(secs bin/hawkes stream --data "$data" --window 600,3600)
	b1=$(secs bin/hawkes fit --data "$data" --window 600 -q)
	b2=$(secs bin/hawkes fit --data "$data" --window 3600 -q)
	b=$(awk -v x="$b1" -v y="$b2" 'BEGIN { print x + y }')
	r=$(awk -v x="$s" -v y="$b" 'BEGIN { print x / y }')
	printf 'round %d: stream %.2f s, batch %.2f s (600: %.2f, 3600: %.2f), ratio %.3f\n' "$i" "$s" "$b" "$b1" "$b2" "$r"
	results+=("$s $b $r")
done
printf '%s\n' "${results[@]}" | awk '{s[NR]=$1; b[NR]=$2; r[NR]=$3}
function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
END { printf "median: stream %.2f s, batch %.2f s, ratio %.3f (of %d rounds)\n", med(s, NR), med(b, NR), med(r, NR), NR }'
