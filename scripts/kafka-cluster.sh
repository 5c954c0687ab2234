#!/usr/bin/env bash
# kafka-cluster.sh: a local Apache Kafka cluster (KRaft, every node both
# broker and controller) on 127.0.0.1, for the real-Kafka tests
# (make test-kafka) and for trying hawkes stream --brokers by hand.
#
#   scripts/kafka-cluster.sh up DIR N        start N brokers (N = 1 or 3), data and logs under DIR;
#                                            prints the bootstrap servers as its last line
#   scripts/kafka-cluster.sh down DIR        stop them
#   scripts/kafka-cluster.sh restart DIR I   stop broker I (from 1) and start it again on its data
#
# `up` on a DIR that holds a cluster already starts that cluster again, on
# its data and its ports. Each broker's pid is in DIR/broker-<i>.pid, its
# log in DIR/broker-<i>/broker.log, its settings in
# DIR/broker-<i>/server.properties; DIR/bootstrap holds the bootstrap
# servers.
#
# The broker's jars come once through Maven, from scripts/kafka/pom.xml (which
# pins the version, Kafka 4) or scripts/kafka/kafka3/pom.xml (Kafka 3, with
# KAFKA_VERSION=3), into ${XDG_CACHE_HOME:-$HOME/.cache}/hawkes/kafka-<version>
# (HAWKES_KAFKA_CACHE overrides it); nothing is downloaded any other way.
# Needs Java 17 or newer and Maven.
#
# Each node listens on three ports: CLIENT (the bootstrap servers printed),
# INTERNAL (plaintext, between brokers, and where this script checks the
# cluster is up) and CONTROLLER. Settings from the environment, read by `up`
# when it creates DIR:
#   KAFKA_VERSION                the Kafka line: 4 (default, the version pinned in
#                                scripts/kafka/pom.xml) or 3 (KRaft, the version pinned
#                                in scripts/kafka/kafka3/pom.xml); DIR keeps its line
#   KAFKA_CLUSTER_SECURITY       security protocol of the CLIENT listener:
#                                PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL
#   KAFKA_CLUSTER_CONFIG         a file of server properties added to every node's
#                                (keystores, SASL mechanisms, ...)
#   KAFKA_CLUSTER_FORMAT_ARGS    more arguments to the storage formatter, such as
#                                --add-scram 'SCRAM-SHA-256=[name=alice,password=secret]'
#   KAFKA_HEAP_OPTS              the brokers' heap (default -Xms64m -Xmx384m)
#   KAFKA_CLUSTER_WAIT           seconds to wait for the cluster (default 180)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
pom="" # set by use_line

die() { echo "kafka-cluster: $*" >&2; exit 1; }
say() { echo "kafka-cluster: $*" >&2; }

usage() {
	sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

java_bin() {
	if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
		echo "$JAVA_HOME/bin/java"
	elif command -v java >/dev/null; then
		command -v java
	else
		die "no java on PATH (nor in \$JAVA_HOME): install Java 17 or newer"
	fi
}

# use_line L sets the pom of Kafka line L (3 or 4).
use_line() {
	case "$1" in
	4) pom="$here/kafka/pom.xml" ;;
	3) pom="$here/kafka/kafka3/pom.xml" ;;
	*) die "KAFKA_VERSION must be 3 or 4 (the Kafka line; the version is pinned in its pom), got $1" ;;
	esac
}

kafka_version() {
	sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom"
}

# fetch prints the folder of the broker's jars, fetching them through
# Maven the first time.
fetch() {
	local v cache
	v="$(kafka_version)"
	[[ -n "$v" ]] || die "no <kafka.version> in $pom"
	cache="${HAWKES_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hawkes/kafka-$v}"
	if [[ ! -f "$cache/jars/kafka_2.13-$v.jar" ]]; then
		command -v mvn >/dev/null || die "no mvn on PATH: install Maven to fetch Kafka $v"
		say "fetching Apache Kafka $v through Maven into $cache"
		mkdir -p "$cache"
		rm -rf "$cache/jars.tmp"
		mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
			-DoutputDirectory="$cache/jars.tmp" >&2 || die "mvn could not fetch Kafka $v (see above)"
		rm -rf "$cache/jars"
		mv "$cache/jars.tmp" "$cache/jars"
	fi
	echo "$cache/jars"
}

# free_port prints a port of 127.0.0.1 that nothing listens on, below the
# usual ephemeral range, and not in $taken.
taken=" "
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 12000))
		[[ "$taken" == *" $p "* ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			taken+="$p "
			echo "$p"
			return
		fi
	done
	die "no free port found"
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# start_node DIR I starts node I of the cluster in DIR.
start_node() {
	local dir="$1" i="$2" jars="$3"
	local node="$dir/broker-$i"
	if alive "$dir/broker-$i.pid"; then
		die "broker $i is running already (pid $(cat "$dir/broker-$i.pid"))"
	fi
	# setsid: the broker leaves the caller's process group, so that a
	# Ctrl-C meant for a test does not stop it before `down` does.
	# shellcheck disable=SC2086
	setsid "$(java_bin)" ${KAFKA_HEAP_OPTS:--Xms64m -Xmx384m} -XX:+UseSerialGC \
		-Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true \
		-cp "$jars/*" kafka.Kafka "$node/server.properties" \
		</dev/null >>"$node/broker.log" 2>&1 &
	echo $! >"$dir/broker-$i.pid"
}

# wait_ready DIR waits until the cluster's metadata lists every broker.
wait_ready() {
	local dir="$1"
	# shellcheck disable=SC1091
	source "$dir/cluster.env"
	local repo
	repo="$(cd "$here/.." && pwd)"
	(cd "$repo" && go run ./scripts/kafka/ready -brokers "$INTERNAL" -count "$N" \
		-timeout "${KAFKA_CLUSTER_WAIT:-180}s") || {
		for i in $(seq "$N"); do
			alive "$dir/broker-$i.pid" || say "broker $i has stopped; the end of its log:"
			alive "$dir/broker-$i.pid" || tail -n 20 "$dir/broker-$i/broker.log" >&2
		done
		die "the cluster in $dir did not come up (logs in $dir/broker-*/broker.log)"
	}
}

# create DIR N writes the settings of a new cluster of N nodes and formats
# their storage.
create() {
	local dir="$1" n="$2" jars="$3" line="$4"
	local security="${KAFKA_CLUSTER_SECURITY:-PLAINTEXT}"
	case "$security" in
	PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL) ;;
	*) die "KAFKA_CLUSTER_SECURITY must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got $security" ;;
	esac
	local -a client internal controller
	local voters="" i
	for i in $(seq "$n"); do
		client[i]="$(free_port)"
		internal[i]="$(free_port)"
		controller[i]="$(free_port)"
		voters+="${voters:+,}$i@127.0.0.1:${controller[i]}"
	done
	local rf=$((n < 3 ? n : 3)) isr=$((n < 3 ? 1 : 2))
	local cid
	cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c 1-22)"
	while [[ "$cid" == -* ]]; do cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c 1-22)"; done
	local bootstrap="" internals=""
	for i in $(seq "$n"); do
		bootstrap+="${bootstrap:+,}127.0.0.1:${client[i]}"
		internals+="${internals:+,}127.0.0.1:${internal[i]}"
		local node="$dir/broker-$i"
		mkdir -p "$node/data"
		cat >"$node/server.properties" <<-EOF
			# Written by scripts/kafka-cluster.sh: node $i of $n.
			process.roles=broker,controller
			node.id=$i
			controller.quorum.voters=$voters
			listeners=CLIENT://127.0.0.1:${client[i]},INTERNAL://127.0.0.1:${internal[i]},CONTROLLER://127.0.0.1:${controller[i]}
			advertised.listeners=CLIENT://127.0.0.1:${client[i]},INTERNAL://127.0.0.1:${internal[i]}
			listener.security.protocol.map=CLIENT:$security,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
			inter.broker.listener.name=INTERNAL
			controller.listener.names=CONTROLLER
			log.dirs=$node/data
			num.partitions=1
			default.replication.factor=$rf
			offsets.topic.replication.factor=$rf
			offsets.topic.num.partitions=10
			transaction.state.log.replication.factor=$rf
			transaction.state.log.min.isr=$isr
			share.coordinator.state.topic.replication.factor=$rf
			share.coordinator.state.topic.min.isr=$isr
			group.initial.rebalance.delay.ms=0
			auto.create.topics.enable=false
			log.segment.bytes=67108864
			num.network.threads=2
			num.io.threads=2
			background.threads=2
			num.recovery.threads.per.data.dir=1
		EOF
		if [[ -n "${KAFKA_CLUSTER_CONFIG:-}" ]]; then
			[[ -f "$KAFKA_CLUSTER_CONFIG" ]] || die "KAFKA_CLUSTER_CONFIG $KAFKA_CLUSTER_CONFIG: no such file"
			{
				echo "# From $KAFKA_CLUSTER_CONFIG"
				cat "$KAFKA_CLUSTER_CONFIG"
			} >>"$node/server.properties"
		fi
		# The extra arguments are split on spaces, never globbed (SCRAM
		# users are written name=[...]).
		set -f
		# shellcheck disable=SC2086
		"$(java_bin)" -Xmx256m -cp "$jars/*" kafka.tools.StorageTool format --cluster-id "$cid" \
			--config "$node/server.properties" --ignore-formatted ${KAFKA_CLUSTER_FORMAT_ARGS:-} \
			>>"$node/broker.log" 2>&1 || {
			tail -n 20 "$node/broker.log" >&2
			die "could not format the storage of broker $i"
		}
		set +f
	done
	cat >"$dir/cluster.env" <<-EOF
		N=$n
		KAFKA_LINE=$line
		CLUSTER_ID=$cid
		BOOTSTRAP=$bootstrap
		INTERNAL=$internals
	EOF
	echo "$bootstrap" >"$dir/bootstrap"
}

up() {
	local dir="$1" n="$2"
	[[ "$n" == 1 || "$n" == 3 ]] || die "N must be 1 or 3, got $n"
	mkdir -p "$dir"
	dir="$(cd "$dir" && pwd)"
	local jars
	if [[ -f "$dir/cluster.env" ]]; then
		# shellcheck disable=SC1091
		source "$dir/cluster.env"
		[[ "$N" == "$n" ]] || die "$dir holds a cluster of $N brokers, not $n"
		use_line "${KAFKA_LINE:-4}"
		jars="$(fetch)"
		say "starting the cluster in $dir (Kafka $(kafka_version)) again on its data"
	else
		use_line "${KAFKA_VERSION:-4}"
		jars="$(fetch)"
		say "creating a cluster of Kafka $(kafka_version) in $dir"
		create "$dir" "$n" "$jars" "${KAFKA_VERSION:-4}"
	fi
	for i in $(seq "$n"); do start_node "$dir" "$i" "$jars"; done
	wait_ready "$dir"
	say "$n broker(s) up, logs in $dir/broker-*/broker.log"
	cat "$dir/bootstrap"
}

# stop DIR I stops broker I: SIGTERM (a controlled shutdown), SIGKILL after
# 30 s.
stop_nodes() {
	local dir="$1"
	shift
	local i pids=()
	for i in "$@"; do
		if alive "$dir/broker-$i.pid"; then
			pids+=("$(cat "$dir/broker-$i.pid")")
			kill -TERM "${pids[-1]}" 2>/dev/null || true
		fi
	done
	for _ in $(seq 300); do
		local left=0 p
		for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left=1; done
		((left)) || break
		sleep 0.1
	done
	for p in "${pids[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			say "pid $p did not stop in 30 s: killing it"
			kill -KILL "$p" 2>/dev/null || true
		fi
	done
	for i in "$@"; do rm -f "$dir/broker-$i.pid"; done
}

down() {
	local dir="$1"
	[[ -f "$dir/cluster.env" ]] || die "$dir holds no cluster"
	# shellcheck disable=SC1091
	source "$dir/cluster.env"
	stop_nodes "$dir" $(seq "$N")
	say "stopped the cluster in $dir"
}

restart() {
	local dir="$1" i="$2"
	[[ -f "$dir/cluster.env" ]] || die "$dir holds no cluster"
	dir="$(cd "$dir" && pwd)"
	# shellcheck disable=SC1091
	source "$dir/cluster.env"
	[[ "$i" =~ ^[0-9]+$ ]] && ((i >= 1 && i <= N)) || die "no broker $i in a cluster of $N"
	use_line "${KAFKA_LINE:-4}"
	local jars
	jars="$(fetch)"
	stop_nodes "$dir" "$i"
	start_node "$dir" "$i" "$jars"
	wait_ready "$dir"
	say "broker $i restarted"
	cat "$dir/bootstrap"
}

case "${1:-}" in
up) [[ $# == 3 ]] || usage; up "$2" "$3" ;;
down) [[ $# == 2 ]] || usage; down "$2" ;;
restart) [[ $# == 3 ]] || usage; restart "$2" "$3" ;;
*) usage ;;
esac
