# Targets of the hawkes toolkit. CI (.ci/run) runs `make lint`, `make test`
# and `make test-long`.
GO ?= go

.PHONY: all build test test-long test-kafka bench lint demo fuzz clean

all: build

## build: compile the command line tool into bin/hawkes
build:
	$(GO) build -o bin/hawkes ./cmd/hawkes

## test: vet, then every test with the race detector, long sweeps skipped
##       (-short); at most 3 minutes on 2 cores
test:
	$(GO) vet ./...
	$(GO) test -race -short -count=1 ./...

## test-long: every test in full, the long numeric sweeps included, without
##            the race detector (they are single-threaded numeric code)
test-long:
	$(GO) test -count=1 -timeout 45m ./...

## test-kafka: the real-Kafka tests (names TestKafka*) on a 3-broker Apache
##             Kafka cluster that scripts/kafka-cluster.sh starts in
##             KAFKA_DIR and stops after (needs Java 17+ and Maven; the
##             broker's jars are fetched once through Maven)
KAFKA_DIR ?= $(CURDIR)/.kafka-test
test-kafka:
	rm -rf $(KAFKA_DIR)
	@set -e; \
	brokers="$$(bash scripts/kafka-cluster.sh up $(KAFKA_DIR) 3 | tail -n 1)"; \
	trap 'bash scripts/kafka-cluster.sh down $(KAFKA_DIR)' EXIT; \
	HAWKES_KAFKA_BROKERS="$$brokers" HAWKES_KAFKA_DIR=$(KAFKA_DIR) \
		$(GO) test -count=1 -p 1 -timeout 30m -run '^TestKafka' -v ./cmd/hawkes
	rm -rf $(KAFKA_DIR)

## bench: every benchmark, with allocations
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

## lint: gofmt must have nothing to say, then vet, go mod tidy changes nothing,
##       and the stream links no plotting
lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -l reports:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	@if $(GO) list -deps ./stream | grep -q '^gonum.org/v1/plot'; then \
		echo "package stream links gonum.org/v1/plot: keep plotting in evaluate/boxplot"; exit 1; fi

## demo: build, then fit the shared data sets (or a simulated one)
demo:
	bash scripts/demo.sh

## fuzz: run every Fuzz target for FUZZTIME (default 20s) each
fuzz:
	bash scripts/fuzz.sh

## clean: remove build outputs
clean:
	rm -rf bin
