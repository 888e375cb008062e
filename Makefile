# leasefile: build, test, fuzz, bench. `make test` is what CI runs.
GO ?= go
PKGS := ./...

.PHONY: build test scripts-upstream vet fmt-check unit fuzz fuzz-fmt bench conformance hydra-test swift-test demo clean man precommit-check release-check wheel wheel-check reliability reliability-short

# build: linked statically, as releases are (.goreleaser.yaml): a cgo build spends about 0.7 ms
# of every run in the dynamic loader and libc.
build:
	CGO_ENABLED=0 $(GO) build -o bin/leasefile ./cmd/leasefile

test: vet fmt-check unit scripts-upstream

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

# scripts-upstream: the end-to-end scripts again against the emulator's upstream Blazar profile
# (the default profile is Chameleon's fork; scripts mark where the two differ).
scripts-upstream:
	LEASEFILE_TEST_BLAZAR=upstream $(GO) test -count=1 -run TestScripts ./cmd/leasefile/

unit:
	$(GO) test -count=1 $(PKGS)

fuzz:
	$(GO) test ./spec -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s
	$(GO) test ./plan -run '^$$' -fuzz '^FuzzRead$$' -fuzztime 30s
	$(GO) test ./state -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 30s

# bench: DESIGN.md §7's figures as one table beside the one-lease-at-a-time baseline
# (about 2 minutes; BENCH_OUT=FILE keeps the raw `go test -bench` output).
bench:
	GO=$(GO) bash scripts/bench.sh

# reliability: issue 8's proof against `leasefile emulator serve --latency`: crash (SIGKILL at
# observed points), faults, contention, hostile Leasefiles and the secrets scan; prints the table
# and writes it to docs/reliability.md. TRIALS=N crash trials (default 200), REPEAT=N runs of each
# fault and contention scenario; STRICT=1 fails on findings marked known too. About 3 minutes.
TRIALS ?= 200
REPEAT ?= 3
reliability:
	$(GO) test -count=1 -timeout 60m ./reliability -run TestReliability -v -args \
		-trials $(TRIALS) -repeat $(REPEAT) -doc ../docs/reliability.md $(if $(STRICT),-strict)

# reliability-short: the CI-sized run (50 crash trials, each scenario once), which `make test`
# also runs as part of `go test ./...`; prints the table, writes nothing.
reliability-short:
	$(GO) test -count=1 ./reliability -run TestReliability -v

# Real `openstack reservation` CLI (Debian packages, installed if missing: needs root) against
# `leasefile emulator serve`; ends with "N passed, 0 failed".
conformance:
	BLAZAR=chameleon bash scripts/conformance.sh
	BLAZAR=upstream bash scripts/conformance.sh

# hydra-test: the OAuth2 half of the OIDC login (discovery, refresh grant, rotation, ccauth's
# cache) against a real provider, Ory Hydra, built once by scripts/hydra.sh into
# ~/.cache/leasefile (about a minute and 700 MB the first time; needs gcc) and run on loopback.
hydra-test:
	hydra=$$(GO=$(GO) bash scripts/hydra.sh) && LEASEFILE_HYDRA=$$hydra $(GO) test -count=1 -run TestOIDCAgainstHydra -v ./cloud/

# swift-test: the Swift state backend and the team workflow against a real Swift (Debian's
# swift-proxy, -account, -container, -object, installed if missing: needs root), started on
# loopback by scripts/swift.sh in a temporary directory and stopped afterwards.
swift-test:
	@dir=$$(mktemp -d) && url=$$(bash scripts/swift.sh start $$dir) || exit 1; \
	LEASEFILE_SWIFT_URL=$$url $(GO) test -count=1 -v ./state/swift/ && \
	LEASEFILE_SWIFT_URL=$$url $(GO) test -count=1 -v -run 'Swift' ./cmd/leasefile/; rc=$$?; \
	bash scripts/swift.sh stop $$dir; rm -rf $$dir; exit $$rc

clean:
	rm -rf bin man

# demo: the README's first command: apply the quick-start Leasefile against the embedded
# emulator and print the outputs. Run it again to see that nothing changes the second time.
demo:
	$(GO) run ./cmd/leasefile --local -f examples/quickstart.yaml apply -auto-approve -timeout 2m
	$(GO) run ./cmd/leasefile --local -f examples/quickstart.yaml output

# fuzz-fmt: leasefile fmt is idempotent and keeps the spec (30 s, like fuzz).
fuzz-fmt:
	$(GO) test ./spec -run '^$$' -fuzz FuzzFormat -fuzztime 30s

# man: the man page, generated from the command tree (`leasefile docs`), in man/man1.
man:
	$(GO) run ./cmd/leasefile docs -format man -o man/man1

# precommit-check: .pre-commit-hooks.yaml through Debian's pre-commit (installed if missing:
# needs root) on a throwaway repository; PRECOMMIT_GOLANG=1 also builds the golang hooks.
precommit-check:
	GO=$(GO) bash scripts/precommit-check.sh

# release-check: `goreleaser check` of .goreleaser.yaml (builds goreleaser v2.15.1 if missing:
# minutes; not part of CI). SNAPSHOT=1 also builds a snapshot release into dist/.
release-check:
	GO=$(GO) bash scripts/goreleaser-check.sh

# wheel: the Python wheel carrying the binary (ruff's pattern), built offline with Debian's
# python3-build into python/dist (DIST=DIR elsewhere); GOOS/GOARCH and LEASEFILE_PLAT_NAME
# for other platforms, LEASEFILE_VERSION for its version. wheel-check installs it into a venv
# and runs it from Python against the embedded emulator.
DIST ?= python/dist
wheel:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o python/src/leasefile/bin/leasefile ./cmd/leasefile
	/usr/bin/python3 -m build --wheel --no-isolation --outdir $(DIST) python

wheel-check:
	GO=$(GO) bash scripts/wheel-check.sh
