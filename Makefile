# xcetl — the developer's front door.
#   make build   bin/xcetl for this machine (pure Go, CGO_ENABLED=0)
#   make demo    the quickstart: GBK CSV → SQLite, with a reject file
#   make test    every test; starts a throwaway PostgreSQL and MariaDB unless XCETL_TEST_PG_DSN / XCETL_TEST_MYSQL_DSN are set
#   make bench   every performance scenario: 1M-row CSV append/upsert vs psql \copy, SM4, API, Excel, CDC (prints ratios)
#   make lint    gofmt + go vet
#   make release static binaries for linux/amd64, arm64, loong64 + SHA256SUMS and SM3SUMS in dist/
#   make test-arm64  unit tests of the arm64 build under qemu-user, and the quickstart on the arm64 binary
#   make fuzz    run each fuzz target for FUZZTIME

GO        ?= go
TAGS      ?=
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X github.com/xcetl/xcetl.Version=$(VERSION) -X github.com/xcetl/xcetl.Commit=$(COMMIT)
FUZZTIME  ?= 30s
BENCH_FLAGS ?= -only every
PLATFORMS ?= linux/amd64 linux/arm64 linux/loong64
QEMU_ARM64 ?= qemu-aarch64
export CGO_ENABLED ?= 0

.PHONY: build demo test test-short test-arm64 bench lint fuzz release clean

# TAGS=dm / TAGS=opengauss link the vendor drivers that the public module
# proxy does not serve (docs/dialects.md): internal/tools/drivers fetches
# them into bin/drivers/go.mod (never into go.mod) and prints the flags.
DRIVERS = $(GO) run ./internal/tools/drivers -tags '$(TAGS)'

build:
	@flags=$$($(DRIVERS)) && set -x && $(GO) build -trimpath -tags '$(TAGS)' $$flags -ldflags '$(LDFLAGS)' -o bin/xcetl ./cmd/xcetl

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

# The unit tests of the arm64 build, run by qemu-user (Test*Integration
# tests start servers and child processes of the host's architecture: they
# run natively in make test), then the quickstart pipeline run by the arm64
# binary itself.
test-arm64:
	GOARCH=arm64 $(GO) test -short -skip 'Integration$$' -count=1 -exec $(QEMU_ARM64) ./...
	GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/xcetl-linux-arm64 ./cmd/xcetl
	rm -rf bin/arm64-demo && mkdir -p bin/arm64-demo && cp -r examples/quickstart.yaml examples/data bin/arm64-demo/
	$(QEMU_ARM64) bin/xcetl-linux-arm64 version
	$(QEMU_ARM64) bin/xcetl-linux-arm64 run bin/arm64-demo/quickstart.yaml --report bin/arm64-demo/report.json
	@grep -q '"status": "ok"' bin/arm64-demo/report.json && echo "arm64: quickstart ok"

# Static, stripped, version-stamped binaries for every platform in
# PLATFORMS, with SHA256SUMS and SM3SUMS.
release:
	rm -rf dist && mkdir -p dist
	@set -e; flags=$$($(DRIVERS)); for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; out=dist/xcetl-$(VERSION)-$$os-$$arch; \
	  echo "build $$out"; \
	  GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -tags '$(TAGS)' $$flags -ldflags '$(LDFLAGS)' -o $$out ./cmd/xcetl; \
	done
	$(GO) run ./internal/tools/checksums dist/xcetl-*
	cd dist && sha256sum -c SHA256SUMS
	$(GO) run ./internal/tools/checksums -check dist/SM3SUMS

bench: build
	$(GO) run ./internal/pgtest/cmd/withpg -- $(GO) run ./bench -xcetl bin/xcetl $(BENCH_FLAGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOARCH=arm64 $(GO) build -o /dev/null ./...

# Every fuzz target of every package, FUZZTIME each (go test runs one
# fuzz target at a time).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME); \
	  done; \
	done

clean:
	rm -rf bin dist examples/out bench/out
