# Targets of the hawkes toolkit. CI (.ci/run) runs `make lint`, `make test`,
# `make test-browser`, `make test-kafka` and `make test-long`.
GO ?= go

.PHONY: all build test test-long test-browser test-kafka kafka-suite browser bench lint demo fuzz clean screenshot

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

## browser: install Chromium with apt-get when it is missing (as root), for
##          the dashboard's browser test
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

## test-browser: the dashboard's browser test (headless Chromium on a run of
##               the pipeline over smh_cascades), Chromium installed first
test-browser: browser
	$(GO) test -count=1 -run 'TestBrowser' -v ./stream/dashboard/

## screenshot: the dashboard's screenshot in the README (docs/dashboard.png)
screenshot: browser
	$(GO) test -count=1 -run 'TestBrowser' ./stream/dashboard/ -args -screenshot $(CURDIR)/docs/dashboard.png
## test-kafka: the real-Kafka tests (names TestKafka*) on a 3-broker Apache
##             Kafka 4 cluster that scripts/kafka-cluster.sh starts in
##             KAFKA_DIR and stops after, then the whole pipeline and the
##             whole-cluster restart on a Kafka 3 cluster (needs Java 17+
##             and Maven; the brokers' jars are fetched once through Maven)
KAFKA_DIR ?= $(CURDIR)/.kafka-test
KAFKA3_TESTS = ^TestKafka(Pipeline|ClusterRestart)
test-kafka:
	$(MAKE) --no-print-directory kafka-suite KAFKA_LINE=4 KAFKA_TESTS='^TestKafka'
	$(MAKE) --no-print-directory kafka-suite KAFKA_LINE=3 KAFKA_TESTS='$(KAFKA3_TESTS)'

# kafka-suite: the tests KAFKA_TESTS names on a 3-broker cluster of Kafka
# line KAFKA_LINE (3 or 4), started in KAFKA_DIR and stopped after.
kafka-suite:
	rm -rf $(KAFKA_DIR)
	@set -e; \
	brokers="$$(KAFKA_VERSION=$(KAFKA_LINE) bash scripts/kafka-cluster.sh up $(KAFKA_DIR) 3 | tail -n 1)"; \
	trap 'bash scripts/kafka-cluster.sh down $(KAFKA_DIR)' EXIT; \
	HAWKES_KAFKA_BROKERS="$$brokers" HAWKES_KAFKA_DIR=$(KAFKA_DIR) KAFKA_VERSION=$(KAFKA_LINE) \
		$(GO) test -count=1 -p 1 -timeout 30m -run '$(KAFKA_TESTS)' -v ./cmd/hawkes
	rm -rf $(KAFKA_DIR)

## bench: every benchmark, with allocations
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

## lint: gofmt must have nothing to say, then vet, go mod tidy changes nothing,
##       and the stream and package diagnose link no plotting
lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -l reports:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	@if $(GO) list -deps ./stream | grep -q '^gonum.org/v1/plot'; then \
		echo "package stream links gonum.org/v1/plot: keep plotting in evaluate/boxplot"; exit 1; fi
	@if $(GO) list -deps ./diagnose | grep -q '^gonum.org/v1/plot'; then \
		echo "package diagnose links gonum.org/v1/plot: keep plotting in diagnose/figure"; exit 1; fi

## demo: build, then fit the shared data sets (or a simulated one)
demo:
	bash scripts/demo.sh

## fuzz: run every Fuzz target for FUZZTIME (default 20s) each
fuzz:
	bash scripts/fuzz.sh

## clean: remove build outputs
clean:
	rm -rf bin
