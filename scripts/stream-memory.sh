#!/usr/bin/env bash
# Resident memory of a fitter process holding many open cascades, with and
# without a --max-open bound.
#
#   bash scripts/stream-memory.sh [DATA_DIR] [MAX_OPEN...]
#
# Starts `hawkes stream broker`, replays DATA_DIR (default
# ../shared/data/seismic_subset, where nearly all 508 cascades are open at
# once: they start within 10 days and last 7) into it once, then for each
# MAX_OPEN (default: 100000 50) runs one fitter process (its own consumer
# group, --no-fit so that only the cascades' state is measured, and
# --terminated 1e9 so that no cascade finishes before the end of the
# replay) over the whole topic, sampling its VmRSS and open cascades every
# 0.2 s until it has consumed every event (read from its /metrics). Prints
# the RSS when a quarter, half, three quarters and all of the events were
# consumed, the peak RSS, and the most cascades open at once.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
data="${1:-$root/../shared/data/seismic_subset}"
shift || true
limits=("$@")
[ ${#limits[@]} -gt 0 ] || limits=(100000 50)
tmp="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o bin/hawkes ./cmd/hawkes
bin/hawkes stream broker --log-level warn >"$tmp/addr" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
addr="$(cat "$tmp/addr")"
echo "broker at $addr"
bin/hawkes stream reader --brokers "$addr" --data "$data" --log-level warn
events=$(($(wc -l <"$data/data.csv") - 1))

port=19187
for max in "${limits[@]}"; do
	port=$((port + 1))
	bin/hawkes stream fitter --brokers "$addr" --group "memory-$max" --no-fit --max-open "$max" --terminated 1e9 \
		--metrics-addr "127.0.0.1:$port" --log-level warn 2>"$tmp/fitter-$max.log" &
	fpid=$!
	pids+=("$fpid")
	peak=0 maxopen=0 q=1 marks=""
	while :; do
		if ! rss=$(awk '/VmRSS/ { print $2 }' "/proc/$fpid/status" 2>/dev/null); then
			echo "the fitter stopped:"; cat "$tmp/fitter-$max.log"; exit 1
		fi
		[ "$rss" -gt "$peak" ] && peak=$rss
		metrics="$(curl -s "127.0.0.1:$port/metrics" || true)" # not up yet: no events
		done_events=$(awk '/^hawkes_events_(consumed|ignored)_total/ { s += $2 } END { printf "%d", s }' <<<"$metrics")
		open=$(awk '/^hawkes_open_cascades / { printf "%d", $2 }' <<<"$metrics")
		[ "${open:-0}" -gt "$maxopen" ] && maxopen=$open
		while [ $q -le 4 ] && [ "$done_events" -ge $((events * q / 4)) ]; do
			marks="$marks $((q * 25))%:$((rss / 1024))"
			q=$((q + 1))
		done
		[ "$done_events" -ge "$events" ] && break
		sleep 0.2
	done
	evicted=$(awk '/^hawkes_cascades_evicted_total / { printf "%d", $2 }' <<<"$metrics")
	kill "$fpid"
	wait "$fpid" 2>/dev/null || true
	echo "max-open $max: RSS (MiB) after events consumed:$marks; peak $((peak / 1024)) MiB; at most $maxopen cascades open, $evicted evicted"
done
