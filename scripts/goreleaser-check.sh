#!/usr/bin/env bash
# Checks .goreleaser.yaml with `goreleaser check` (goreleaser v2.15.1, built from the Go
# module proxy when it is not on PATH: several minutes, so CI does not run this; run it after
# editing .goreleaser.yaml). With SNAPSHOT=1 it also builds a snapshot release into dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
VERSION=v2.15.1
GR=$(command -v goreleaser || true)
if [ -z "$GR" ] || ! "$GR" --version 2>/dev/null | grep -q "${VERSION#v}"; then
	echo "goreleaser-check: building goreleaser $VERSION from the module proxy"
	GOFLAGS=-mod=mod "$GO" install "github.com/goreleaser/goreleaser/v2@$VERSION"
	GR=$("$GO" env GOPATH)/bin/goreleaser
fi
"$GR" check
if [ "${SNAPSHOT:-}" = 1 ]; then
	"$GR" release --snapshot --clean --skip=publish
fi
