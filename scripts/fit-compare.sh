#!/usr/bin/env bash
# Compare `hawkes fit` of a given commit with the working tree: wall time and
# likelihood evaluations, and whether any fit got worse.
#
#   bash scripts/fit-compare.sh [--windows 600,3600,21600] [--runs 3] [--workers 2]
#                               [--data DIR] [--limit K] [--evaluate SECONDS] COMMIT
#
# Builds COMMIT (from `git archive`, into a temporary directory) and the
# working tree, then for each window runs the two builds in turn, old then
# new, --runs times (default 3), with --workers (default 2), on DIR (default
# ../shared/data/seismic_subset). Prints per window each round's wall times
# and their ratio new/old, the median ratio, the median likelihood
# evaluations per cascade of the new build, and the per-cascade comparison
# of the first round's outputs (the output does not depend on the round):
#
#   worse    cascades whose log-likelihood is below old - 1e-7 |old|, or
#            that failed where the old build fitted
#   changed  cascades whose status changed, each to a higher likelihood or
#            not (a change to a lower likelihood also counts as worse)
#
# and lists every worse cascade. Then, unless --evaluate is 0, it times
# `hawkes evaluate --cv 5 --no-cache` on the window SECONDS (default 3600)
# the same way, the fits and the learners together, and prints the median
# ratio. The exit status is 1 when a cascade got worse, 0 otherwise. Needs
# git, go, jq and awk.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
windows=600,3600,21600
runs=3
workers=2
data="$root/../shared/data/seismic_subset"
limit=0
evaluate=3600
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--windows) windows="$2"; shift 2 ;;
	--runs) runs="$2"; shift 2 ;;
	--workers) workers="$2"; shift 2 ;;
	--data) data="$2"; shift 2 ;;
	--limit) limit="$2"; shift 2 ;;
	--evaluate) evaluate="$2"; shift 2 ;;
	-h|--help) usage ;;
	--*) echo "fit-compare: unknown flag $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
commit="$1"
command -v jq >/dev/null || { echo "fit-compare: needs jq" >&2; exit 2; }
[ -d "$data" ] || { echo "fit-compare: no data at $data" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git archive "$commit" | tar -x -C "$tmp" --one-top-level=src
(cd "$tmp/src" && go build -o "$tmp/old" ./cmd/hawkes)
go build -o "$tmp/new" ./cmd/hawkes
echo "old: $(git rev-parse --short "$commit"); new: working tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (modified)')"

secs() { # secs OUT CMD...: run CMD with stdout to OUT, print its wall time
	local out="$1" t0 t1
	shift
	t0=$(date +%s.%N)
	"$@" >"$out" 2>/dev/null
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
median() { sort -g | awk '{v[NR]=$1} END { if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2 }'; }
# rounds LABEL NAME ARGS...: run the old and the new build with ARGS in
# turn, --runs times, their outputs in $tmp/old-NAME-ROUND.out and
# $tmp/new-NAME-ROUND.out; print each round's wall times and their ratio
# new/old, and set ratio to the median ratio.
rounds() {
	local label="$1" name="$2" i to tn r rs=()
	shift 2
	for i in $(seq "$runs"); do
		to=$(secs "$tmp/old-$name-$i.out" "$tmp/old" "$@")
		tn=$(secs "$tmp/new-$name-$i.out" "$tmp/new" "$@")
		r=$(awk -v a="$tn" -v b="$to" 'BEGIN { printf "%.3f", a / b }')
		echo "$label round $i: old $to s, new $tn s, ratio $r"
		rs+=("$r")
	done
	ratio=$(printf '%s\n' "${rs[@]}" | median)
}

bad=0
for w in ${windows//,/ }; do
	rounds "window $w" "$w" fit --data "$data" --window "$w" --workers "$workers" --limit "$limit" --format jsonl -q
	evals=$(jq -r '.evals // empty' "$tmp/new-$w-1.out" | median)
	echo "window $w: median ratio new/old $ratio over $runs rounds; median evaluations per cascade (new) $evals"
	jq -r '[.id, (.loglik // "null"), .status] | @tsv' "$tmp/old-$w-1.out" >"$tmp/o.tsv"
	jq -r '[.id, (.loglik // "null"), .status] | @tsv' "$tmp/new-$w-1.out" >"$tmp/n.tsv"
	if ! paste "$tmp/o.tsv" "$tmp/n.tsv" | awk -F'\t' -v w="$w" '
		$1 != $4 { print "window " w ": cascades out of step: " $1 " against " $4; exit 2 }
		{
			n++
			lo = $2; ln = $5; so = $3; sn = $6
			worse = 0; higher = (lo == "null" && ln != "null") || (lo != "null" && ln != "null" && ln + 0 > lo + 0)
			if (lo != "null") {
				tol = 1e-7 * (lo < 0 ? -lo : lo)
				if (ln == "null" || ln + 0 < lo - tol) worse = 1
			}
			if (so != sn) { changed++; if (higher) up++; else worse = 1 }
			if (worse) { nw++; printf "  worse: %s old %s %s, new %s %s\n", $1, so, lo, sn, ln }
		}
		END {
			printf "window %s: %d cascades, %d worse, %d status changes (%d to a higher likelihood)\n", w, n, nw, changed, up
			exit nw > 0
		}'; then
		bad=1
	fi
done
if [ "$evaluate" != 0 ]; then
	rounds "evaluate $evaluate" evaluate evaluate --data "$data" --window "$evaluate" --cv 5 --no-cache --workers "$workers" -q
	echo "evaluate $evaluate: median ratio new/old $ratio over $runs rounds"
fi
exit "$bad"
