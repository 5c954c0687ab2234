# Targets of the hawkes toolkit. `make test` is what CI runs (.ci/run).
GO ?= go

.PHONY: all build test bench lint demo fuzz clean

all: build

## build: compile the command line tool into bin/hawkes
build:
	$(GO) build -o bin/hawkes ./cmd/hawkes

## test: vet, then every test with the race detector
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

## bench: every benchmark, with allocations
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

## lint: gofmt must have nothing to say, then vet
lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -l reports:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

## demo: build, then fit the shared data sets (or a simulated one)
demo:
	bash scripts/demo.sh

## fuzz: run every Fuzz target for FUZZTIME (default 20s) each
fuzz:
	bash scripts/fuzz.sh

## clean: remove build outputs
clean:
	rm -rf bin
