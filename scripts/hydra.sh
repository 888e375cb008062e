#!/usr/bin/env bash
# Builds Ory Hydra (a real OpenID Connect provider) once, for cloud's TestOIDCAgainstHydra, and
# prints the binary's path. Hydra comes from the Go module proxy like any module; its go.mod
# replaces gobuffalo/pop with Ory's fork, and replace directives of a dependency do not apply,
# so it is built from a throw-away module that repeats that replace. The sqlite tag gives the
# in-memory database (DSN=memory); it needs cgo (gcc). About a minute and 700 MB the first
# time; later runs reuse the binary.
set -euo pipefail
GO=${GO:-go}
VERSION=v2.3.0
POP=github.com/ory/pop/v6@v6.2.1-0.20241121111754-e5dfc0f3344b
dir=${LEASEFILE_HYDRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/leasefile}/hydra-$VERSION
bin=$dir/hydra
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi
mkdir -p "$dir"
mod=$(mktemp -d)
trap 'rm -rf "$mod"' EXIT
(
	cd "$mod"
	export GOFLAGS=-mod=mod GOWORK=off
	"$GO" mod init leasefile.local/hydra >/dev/null 2>&1
	"$GO" mod edit -replace "github.com/gobuffalo/pop/v6=$POP"
	"$GO" get "github.com/ory/hydra/v2@$VERSION"
	CGO_ENABLED=1 "$GO" build -tags sqlite,sqlite_omit_load_extension -o "$bin.tmp" github.com/ory/hydra/v2
) >&2
mv "$bin.tmp" "$bin"
echo "$bin"
