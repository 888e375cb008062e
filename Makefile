# leasefile: build, test, fuzz, bench. `make test` is what CI runs.
GO ?= go
PKGS := ./...

.PHONY: build test vet fmt-check unit fuzz bench conformance hydra-test demo clean

build:
	$(GO) build -o bin/leasefile ./cmd/leasefile

test: vet fmt-check unit

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

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

# Real `openstack reservation` CLI (Debian packages, installed if missing: needs root) against
# `leasefile emulator serve`; ends with "N passed, 0 failed".
conformance:
	bash scripts/conformance.sh

# hydra-test: the OAuth2 half of the OIDC login (discovery, refresh grant, rotation, ccauth's
# cache) against a real provider, Ory Hydra, built once by scripts/hydra.sh into
# ~/.cache/leasefile (about a minute and 700 MB the first time; needs gcc) and run on loopback.
hydra-test:
	hydra=$$(GO=$(GO) bash scripts/hydra.sh) && LEASEFILE_HYDRA=$$hydra $(GO) test -count=1 -run TestOIDCAgainstHydra -v ./cloud/

clean:
	rm -rf bin

# demo: the README's first command: apply the quick-start Leasefile against the embedded
# emulator and print the outputs. Run it again to see that nothing changes the second time.
demo:
	$(GO) run ./cmd/leasefile --local -f examples/quickstart.yaml apply -auto-approve -timeout 2m
	$(GO) run ./cmd/leasefile --local -f examples/quickstart.yaml output
