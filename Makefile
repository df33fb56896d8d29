# SafeHub build, test and demo. `make help` lists the targets.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/safehub-iot/safehub/gateway/daemon.Version=$(VERSION)
BIN       := bin
CMDS      := safehubd safehubctl safehub-center safehub-sim

.PHONY: help deps build test test-short vet fmt tidy lint tools demo bench bench-district release clean

help:
	@echo "make deps      install what the tests need (Debian: mosquitto, chromium, cross compilers, qemu)"
	@echo "make build     build the four commands into $(BIN)/"
	@echo "make test      gofmt, go vet, go mod tidy -diff, staticcheck and every test with the race detector"
	@echo "make lint      staticcheck (built from the tools module, tools/go.mod)"
	@echo "make demo      run the center console and one simulated home"
	@echo "make bench     run the benchmarks and print their figures (make bench-district: 1,000 and 10,000 homes)"
	@echo "make test-arm64  the package tests cross-built for arm64, run under qemu"
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

# go.mod and go.sum must be tidy, the product's and the tools' alike.
tidy:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum not tidy: run go mod tidy"; exit 1; }
	@cd tools && $(GO) mod tidy -diff || { echo "tools/go.mod not tidy: run (cd tools && go mod tidy)"; exit 1; }

# Build-only tools come from their own module, so none of their
# dependencies enter the product's module graph.
TOOLS := $(BIN)/tools
tools: $(TOOLS)/staticcheck $(TOOLS)/nfpm
$(TOOLS)/staticcheck: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o ../$(TOOLS)/ honnef.co/go/tools/cmd/staticcheck
$(TOOLS)/nfpm: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o ../$(TOOLS)/ github.com/goreleaser/nfpm/v2/cmd/nfpm

lint: $(TOOLS)/staticcheck
	$(TOOLS)/staticcheck ./...
	$(TOOLS)/staticcheck -tags simhw ./cmd/safehubd

test: fmt vet tidy lint
	$(GO) test -race -timeout 15m ./...

test-short:
	$(GO) test -short ./...

demo: build
	$(BIN)/safehub-sim demo

bench: build
	$(GO) test -run '^$$' -bench BenchmarkReading -cpu 1 -count 3 ./rules/
	$(GO) test -run '^$$' -bench BenchmarkLatency -benchtime 2000x ./cloudlink
	$(GO) test -run '^$$' -bench BenchmarkDrain -benchtime 3x ./cloudlink
	$(GO) test -run '^$$' -bench BenchmarkCommit -benchtime 3000x ./gateway/store
	$(GO) test -run '^$$' -bench . -benchtime 200x ./center/alarmdb ./center
	$(GO) test -run '^$$' -bench . -benchtime 2000x -cpu 1 ./drivers/... ./firmware-sim/i2csim ./gateway/config
	$(BIN)/safehub-sim district --homes 1 --disk --alarms 500 --rate 5 --hold 100ms --rtt 1000
	$(BIN)/safehub-sim district --homes 200 --alarms 200 --rate 50 --rtt 1000

# The district-scale figures of docs/benchmarks.md (tens of minutes, needs mosquitto).
bench-district: build
	$(BIN)/safehub-sim district --homes 1000 --mosquitto /usr/sbin/mosquitto --alarms 1000 --rate 100 --rtt 100 --outage 5m --outage-alarms 1000 --settle 3m
	$(BIN)/safehub-sim district --homes 10000 --mosquitto /usr/sbin/mosquitto --alarms 10000 --rate 500 --idle 60s --rtt 1000 --settle 3m

clean:
	rm -rf $(BIN) dist artifacts

# --- Builds and tests for the box (issue 10; see docs/install.md) ----------
# make release     binaries for arm64 and armv7 in dist/<arch>/, .deb files in dist/
# make deb DEB_TARGETS=amd64   a package for this machine (to inspect or try)
# make test-arm64  the ARM-relevant package tests, cross-built, under qemu
DIST            := dist
RELEASE_TARGETS := arm64 armv7
DEB_TARGETS     ?= $(RELEASE_TARGETS)
# Debian versions must start with a digit: a tag v1.2.3 gives 1.2.3, else
# 0.0~git<commit date>.<hash> (sorts below any release).
ifeq ($(origin DEB_VERSION),undefined)
DEB_VERSION     := $(shell v=$$(git describe --tags --exact-match 2>/dev/null); if [ -n "$$v" ]; then echo "$${v\#v}"; else git log -1 --format='0.0~git%cd.%h' --date=format:%Y%m%d%H%M 2>/dev/null || echo 0.0~dev; fi)
endif
# Per target: Go's cross settings with the Debian cross compiler for cgo
# (SQLite), and nfpm's arch name (arm7 is Debian's armhf).
cross_arm64     := GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc
cross_armv7     := GOOS=linux GOARCH=arm GOARM=7 CC=arm-linux-gnueabihf-gcc
cross_amd64     := GOOS=linux GOARCH=amd64 CC=gcc
nfpm_arch_arm64 := arm64
nfpm_arch_armv7 := arm7
nfpm_arch_amd64 := amd64
RELEASE_CMDS    := safehubd safehubctl safehub-center
# Packages whose tests also run on arm64 (alignment, cgo, byte order in frame
# parsing). Left out: cloudlink and cloudlink/brokertest (real mosquitto and
# broker processes), cmd/... (they build and run commands, mosquitto and
# Chromium); their code is the same on every arch and runs in make test.
ARM64_PKGS      ?= ./gateway/... ./rules/... ./cloudlink/protocol ./drivers/... ./firmware-sim/...
ARM64_OUT       := $(DIST)/test-arm64
QEMU_ARM64      ?= qemu-aarch64-static -L /usr/aarch64-linux-gnu

.PHONY: deb test-arm64

release: $(addprefix $(DIST)/bin-,$(RELEASE_TARGETS)) $(addprefix deb-,$(RELEASE_TARGETS))
	@ls -l $(DIST)/*/safehub* $(DIST)/*.deb

# safehub-sim is built when cmd/safehub-sim has code; until then (it is being
# written) it is skipped with a note, and only then.
$(DIST)/bin-%: FORCE
	@mkdir -p $(DIST)/$*
	CGO_ENABLED=1 $(cross_$*) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(DIST)/$*/ $(addprefix ./cmd/,$(RELEASE_CMDS))
	@if ls cmd/safehub-sim/*.go >/dev/null 2>&1; then \
		echo "CGO_ENABLED=1 $(cross_$*) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/$*/ ./cmd/safehub-sim"; \
		CGO_ENABLED=1 $(cross_$*) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(DIST)/$*/ ./cmd/safehub-sim; \
	else echo "release: cmd/safehub-sim has no code yet: skipped for $*"; fi

deb: $(addprefix deb-,$(DEB_TARGETS))

deb-%: $(DIST)/bin-% $(TOOLS)/nfpm
	BINDIR=$(DIST)/$* DEB_ARCH=$(nfpm_arch_$*) DEB_VERSION=$(DEB_VERSION) \
		$(TOOLS)/nfpm package --config configs/packaging/nfpm.yaml --packager deb --target $(DIST)/
	@./configs/packaging/check-deb $(DIST)/safehub_$(DEB_VERSION)_$(subst arm7,armhf,$(nfpm_arch_$*)).deb

test-arm64:
	@command -v qemu-aarch64-static >/dev/null || { echo "test-arm64: qemu-aarch64-static missing (make deps)"; exit 1; }
	@rm -rf $(ARM64_OUT) && mkdir -p $(ARM64_OUT)
	@set -e; start=$$(date +%s); pkgs=$$($(GO) list $(ARM64_PKGS)); \
	for p in $$pkgs; do \
		CGO_ENABLED=1 $(cross_arm64) $(GO) test -c -o $(ARM64_OUT)/$$(echo $$p | tr / _).test $$p; \
	done; \
	echo "test-arm64: built in $$(( $$(date +%s) - start )) s"; start=$$(date +%s); failed=""; \
	for p in $$pkgs; do \
		bin=$$(pwd)/$(ARM64_OUT)/$$(echo $$p | tr / _).test; [ -f "$$bin" ] || continue; \
		t0=$$(date +%s); \
		if (cd "$$($(GO) list -f '{{.Dir}}' $$p)" && $(QEMU_ARM64) "$$bin" -test.timeout 5m >$$bin.log 2>&1); \
		then echo "ok   $$p (arm64, $$(( $$(date +%s) - t0 )) s)"; \
		else echo "FAIL $$p (arm64)"; tail -50 $$bin.log; failed="$$failed $$p"; fi; \
	done; \
	echo "test-arm64: ran in $$(( $$(date +%s) - start )) s"; \
	[ -z "$$failed" ] || { echo "test-arm64: failed:$$failed"; exit 1; }

.PHONY: FORCE
FORCE:
