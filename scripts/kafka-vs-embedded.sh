#!/usr/bin/env bash
# kafka-vs-embedded.sh: the stream on the embedded broker against a 3-broker
# Apache Kafka cluster, back to back on the same machine, pair by pair:
#
#   scripts/kafka-vs-embedded.sh BOOTSTRAP [PAIRS] [DATA]
#
# BOOTSTRAP is the cluster's bootstrap servers (the last line of
# scripts/kafka-cluster.sh up DIR 3). For each pair it runs the ingest
# (hawkes stream --no-fit) on the embedded broker then on the cluster, and
# the whole pipeline (--window 600,3600) the same way, each cluster run on
# topics and groups of its own (replication 3, min.insync.replicas 2). It
# prints each run's summary line and wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
bootstrap="${1:?usage: kafka-vs-embedded.sh BOOTSTRAP [PAIRS] [DATA]}"
pairs="${2:-2}"
data="${3:-../shared/data/seismic_subset}"
go build -o bin/hawkes ./cmd/hawkes

# cluster_flags NAME: the flags of a run on the cluster, on fresh topics.
cluster_flags() {
	local p="bench-$(date +%s%N)-$1."
	echo --brokers "$bootstrap" --replication 3 --min-insync-replicas 2 \
		--topic-retweets "${p}retweets" --topic-predictions "${p}predictions" --topic-samples "${p}samples" \
		--topic-models "${p}models" --topic-alerts "${p}alerts" --topic-stats "${p}stats" \
		--topic-deadletters "${p}deadletters" --group "${p}fitters" --trainer-group "${p}trainer" \
		--alerts-group "${p}alerts"
}

# run LABEL ARGS...: one run, its summary line and wall time.
run() {
	local label="$1"
	shift
	local began ended
	began=$(date +%s.%N)
	bin/hawkes stream --data "$data" --log-level warn "$@" >/dev/null 2>/tmp/kafka-vs-embedded.err
	ended=$(date +%s.%N)
	printf '%-22s %6.1f s  %s\n' "$label" "$(echo "$ended - $began" | bc)" \
		"$(grep '^stream: .* events of' /tmp/kafka-vs-embedded.err)"
}

for i in $(seq "$pairs"); do
	echo "# pair $i, load $(cut -d' ' -f1-3 /proc/loadavg)"
	run "ingest embedded" --no-fit
	# shellcheck disable=SC2046
	run "ingest kafka x3" --no-fit $(cluster_flags "ingest$i")
	run "pipeline embedded" --window 600,3600
	# shellcheck disable=SC2046
	run "pipeline kafka x3" --window 600,3600 $(cluster_flags "pipeline$i")
done
