# SafeHub build, test and demo. `make help` lists the targets.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/safehub-iot/safehub/gateway/daemon.Version=$(VERSION)
BIN       := bin
CMDS      := safehubd safehubctl safehub-center safehub-sim

.PHONY: help deps build test test-short vet fmt demo bench release clean

help:
	@echo "make deps      install what the tests need (Debian: mosquitto, chromium, cross compilers, qemu)"
	@echo "make build     build the four commands into $(BIN)/"
	@echo "make test      gofmt, go vet and every test with the race detector"
	@echo "make demo      run the center console and one simulated home"
	@echo "make bench     run the benchmarks and print their figures"
	@echo "make release   ARM builds and .deb packages into dist/"

deps:
	./.ci/deps

build:
	@mkdir -p $(BIN)
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ $(addprefix ./cmd/,$(CMDS))

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: fmt vet
	$(GO) test -race -timeout 15m ./...

test-short:
	$(GO) test -short ./...

demo: build
	$(BIN)/safehub-sim demo

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./rules/ ./cloudlink/... ./cmd/safehub-center/... ./drivers/... ./firmware-sim/...

clean:
	rm -rf $(BIN) dist artifacts
