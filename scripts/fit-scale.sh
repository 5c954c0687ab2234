#!/usr/bin/env bash
# Wall time and peak memory of `hawkes fit` on simulated data sets of growing
# size, and the memory per event loaded.
#
#   bash scripts/fit-scale.sh [--window 3600] [--workers 2] [--keep DIR] CASCADES...
#
# For each CASCADES count (e.g. 20000 166000 for a SEISMIC-sized run):
# `hawkes simulate --cascades CASCADES --nstar 0.88 --first-mag 3000
# --whole-seconds --max-events 5000 --seed 1` (about 208 events per cascade,
# like SEISMIC's 35 M events in 166 000 cascades), then `hawkes fit --window
# W --workers N -q` under /usr/bin/time -v. Prints per size the cascades,
# events, wall time, peak RSS and RSS per event, and between successive sizes
# the growth of the peak RSS per added event (the bytes per event, free of
# the fixed cost of the process). The data sets go to a temporary directory,
# removed at the end, or to --keep DIR (one subdirectory per size, reused
# when present). Needs GNU time at /usr/bin/time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
window=3600
workers=2
keep=""
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--window) window="$2"; shift 2 ;;
	--workers) workers="$2"; shift 2 ;;
	--keep) keep="$2"; shift 2 ;;
	-h|--help) usage ;;
	--*) echo "fit-scale: unknown flag $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
[ -x /usr/bin/time ] || { echo "fit-scale: needs GNU time at /usr/bin/time" >&2; exit 2; }
go build -o bin/hawkes ./cmd/hawkes
dir="$keep"
if [ -z "$dir" ]; then
	dir="$(mktemp -d)"
	trap 'rm -rf "$dir"' EXIT
fi
prev=""
for n in "$@"; do
	d="$dir/sim-$n"
	if [ ! -f "$d/data.csv" ]; then
		bin/hawkes simulate --out "$d" --cascades "$n" --nstar 0.88 --first-mag 3000 \
			--whole-seconds --max-events 5000 --seed 1 -q
	fi
	events=$(($(wc -l <"$d/data.csv") - 1))
	/usr/bin/time -v -o "$dir/time-$n.txt" bin/hawkes fit --data "$d" --window "$window" --workers "$workers" -q >/dev/null
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$dir/time-$n.txt")
	rss=$(awk -F': ' '/Maximum resident set size/ { print $2 * 1024 }' "$dir/time-$n.txt")
	printf 'cascades %d: events %d, wall %.1f s, peak RSS %.1f MiB (%.0f bytes per event)\n' \
		"$n" "$events" "$wall" "$(awk -v r="$rss" 'BEGIN { print r / 1048576 }')" "$(awk -v r="$rss" -v e="$events" 'BEGIN { print r / e }')"
	if [ -n "$prev" ]; then
		read -r pe pr <<<"$prev"
		printf '  growth from the previous size: %.0f bytes per added event\n' "$(awk -v a="$pr" -v b="$rss" -v x="$pe" -v y="$events" 'BEGIN { print (b - a) / (y - x) }')"
	fi
	prev="$events $rss"
done
