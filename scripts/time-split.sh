#!/usr/bin/env bash
# Split a data set by post time into a training set (the first TRAIN
# cascades) and a test set (the rest), each in the two-file layout that
# hawkes reads, so that a model trained on earlier cascades is measured on
# later ones. Nothing is copied into the repository.
#
#   bash scripts/time-split.sh OUT_DIR [TRAIN] [DATA_DIR]
#
# Writes OUT_DIR/train and OUT_DIR/test (data.csv, index.csv). Cascades are
# ordered by index.csv's post_time_day (ties keep the index's order); TRAIN
# defaults to 400 and DATA_DIR to ../shared/data/seismic_subset. Row ranges
# are renumbered; every other column is kept as it is.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: time-split.sh OUT_DIR [TRAIN] [DATA_DIR]}"
ntrain="${2:-400}"
data="${3:-$root/../shared/data/seismic_subset}"
for f in index.csv data.csv; do
	if [ ! -f "$data/$f" ]; then
		echo "time-split: no $data/$f" >&2
		exit 3
	fi
done
if ! head -n 1 "$data/index.csv" | grep -q '^id,post_time_day,start_ind,end_ind$'; then
	echo "time-split: $data/index.csv has no post_time_day column" >&2
	exit 3
fi
tmp="$(mktemp -d "${out%/}.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/train" "$tmp/test"
# The index sorted by post time (stable), numbered by rank.
tail -n +2 "$data/index.csv" | awk -F, '{ print NR "," $0 }' | sort -t, -k3,3g -k1,1n -s | cut -d, -f2- >"$tmp/sorted"
total=$(wc -l <"$tmp/sorted")
if [ "$ntrain" -lt 1 ] || [ "$ntrain" -ge "$total" ]; then
	echo "time-split: TRAIN must be between 1 and $((total - 1)), got $ntrain" >&2
	exit 2
fi
awk -F, -v ntrain="$ntrain" -v dir="$tmp" '
	NR == FNR { # the sorted index: which part each data row goes to, and in which order
		part = (FNR <= ntrain) ? "train" : "test"
		id[FNR] = $1; post[FNR] = $2; lo[FNR] = $3; hi[FNR] = $4; n = FNR
		next
	}
	FNR == 1 { header = $0; next }
	{ row[FNR - 1] = $0 }
	END {
		for (p = 1; p <= 2; p++) {
			part = (p == 1) ? "train" : "test"
			d = dir "/" part "/data.csv"; x = dir "/" part "/index.csv"
			print header > d
			print "id,post_time_day,start_ind,end_ind" > x
			k = 0
			for (i = 1; i <= n; i++) {
				if ((i <= ntrain) != (p == 1)) continue
				start = k + 1
				for (r = lo[i]; r <= hi[i]; r++) { print row[r] > d; k++ }
				print id[i] "," post[i] "," start "," k > x
			}
		}
	}' "$tmp/sorted" "$data/data.csv"
rm -f "$tmp/sorted"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "time-split: $ntrain cascades in $out/train, $((total - ntrain)) in $out/test" >&2
