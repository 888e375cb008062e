#!/usr/bin/env bash
# Checks .pre-commit-hooks.yaml with Debian's pre-commit on a throwaway repository: the fmt
# hook fails on an unformatted Leasefile (showing the diff) and passes once formatted, the
# validate hook fails on an invalid one with a positioned error. Uses the -system hooks
# (leasefile built once, on PATH) so that it takes seconds; PRECOMMIT_GOLANG=1 also runs the
# language: golang hooks, which build leasefile inside pre-commit (minutes, module download).
# Installs pre-commit with apt-get when missing (needs root). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GO=${GO:-go}

if ! command -v pre-commit >/dev/null; then
	if [ "$(id -u)" != 0 ]; then
		echo "precommit-check: pre-commit is missing and installing it needs root" >&2
		exit 2
	fi
	echo "precommit-check: installing pre-commit"
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends pre-commit; } >/tmp/precommit-apt.log 2>&1; then
		tail -20 /tmp/precommit-apt.log >&2
		exit 2
	fi
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export PRE_COMMIT_HOME=$WORK/cache
mkdir -p "$WORK/bin" "$WORK/repo"
"$GO" build -o "$WORK/bin/leasefile" ./cmd/leasefile
export PATH=$WORK/bin:$PATH

cd "$WORK/repo"
git init -q .
git config user.email ci@example.org
git config user.name ci

fail=0
check() { # check NAME WANT_STATUS GREP HOOK
	local name=$1 want=$2 grep=$3 hook=$4 out status=0
	out=$(pre-commit try-repo "$ROOT" "$hook" --all-files 2>&1) || status=$?
	if { [ "$want" = 0 ] && [ "$status" != 0 ]; } || { [ "$want" != 0 ] && [ "$status" = 0 ]; } || ! grep -qE -- "$grep" <<<"$out"; then
		echo "FAIL: $name (exit $status)"; echo "$out" | sed 's/^/    /'; fail=1
	else
		echo "PASS: $name"
	fi
}

sfx=${HOOK_SUFFIX:--system}
run_all() {
	cat > Leasefile <<'YAML'
leases:
    exp:
        reservations:
            n: {count: 1, type: node, node_type: compute_skylake}
        duration: 6h
        site: CHI@UC
version: 1
YAML
	git add Leasefile
	check "fmt hook fails on an unformatted Leasefile, with the diff" 1 '^\+leases:$' "leasefile-fmt$sfx"
	leasefile fmt Leasefile >/dev/null
	git add Leasefile
	check "fmt hook passes once formatted" 0 'leasefile fmt\.+Passed' "leasefile-fmt$sfx"
	check "validate hook passes a valid Leasefile" 0 'leasefile validate\.+Passed' "leasefile-validate$sfx"
	sed -i 's/count: 1/count: 0/' Leasefile
	git add Leasefile
	check "validate hook fails on an invalid Leasefile, positioned" 1 'Leasefile:[0-9]+:[0-9]+: leases\.exp\.reservations\.n\.count' "leasefile-validate$sfx"
}
run_all
if [ "${PRECOMMIT_GOLANG:-}" = 1 ]; then
	sfx="" run_all
fi
exit $fail
