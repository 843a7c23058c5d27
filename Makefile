# xcetl — the developer's front door.
#   make build   bin/xcetl for this machine (pure Go, CGO_ENABLED=0)
#   make demo    the quickstart: GBK CSV → SQLite, with a reject file
#   make test    every test; starts a throwaway PostgreSQL unless XCETL_TEST_PG_DSN is set
#   make bench   load 1M rows into PostgreSQL, xcetl vs psql \copy (prints ratios)
#   make lint    gofmt + go vet
#   make fuzz    run each fuzz target for FUZZTIME

GO        ?= go
TAGS      ?=
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X github.com/xcetl/xcetl.Version=$(VERSION) -X github.com/xcetl/xcetl.Commit=$(COMMIT)
FUZZTIME  ?= 30s
BENCH_FLAGS ?=
export CGO_ENABLED ?= 0

.PHONY: build demo test test-short bench lint fuzz clean

build:
	$(GO) build -trimpath -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o bin/xcetl ./cmd/xcetl

demo: build
	@mkdir -p examples/out
	bin/xcetl run examples/quickstart.yaml --report examples/out/quickstart-report.json
	@echo
	@echo "report:      examples/out/quickstart-report.json"
	@echo "database:    examples/out/quickstart.db (table residents)"
	@echo "rejects:     examples/out/quickstart-rejects.csv"
	@cat examples/out/quickstart-report.json

test:
	$(GO) run ./internal/pgtest/cmd/withpg -- $(GO) test -count=1 -timeout 15m ./...

test-short:
	$(GO) test -short ./...

bench: build
	$(GO) run ./internal/pgtest/cmd/withpg -- $(GO) run ./bench -xcetl bin/xcetl $(BENCH_FLAGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOARCH=arm64 $(GO) build -o /dev/null ./...

fuzz:
	$(GO) test ./config -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	$(GO) test ./extract/csv -run '^$$' -fuzz FuzzReader -fuzztime $(FUZZTIME)
	$(GO) test ./pipelines -run '^$$' -fuzz FuzzPipeline -fuzztime $(FUZZTIME)

clean:
	rm -rf bin dist examples/out bench/out
