#!/usr/bin/env bash
# Builds the Python wheel offline (Debian's python3-build, python3-wheel, python3-venv;
# installed with apt-get when missing, which needs root), installs it into a fresh venv with
# no index, and from Python applies a Leasefile against the embedded emulator (--local) and
# reads `output -json` back as dicts. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GO=${GO:-go}
PY=/usr/bin/python3 # Debian's, with the packages below; never a pyenv shim

if ! "$PY" -c 'import build, wheel, venv, ensurepip' 2>/dev/null; then
	if [ "$(id -u)" != 0 ]; then
		echo "wheel-check: python3-build, python3-wheel and python3-venv are needed; installing them needs root" >&2
		exit 2
	fi
	echo "wheel-check: installing python3-build python3-wheel python3-venv"
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-build python3-wheel python3-venv; } >/tmp/wheel-apt.log 2>&1; then
		tail -20 /tmp/wheel-apt.log >&2
		exit 2
	fi
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; rm -rf "$ROOT/python/build" "$ROOT"/python/src/*.egg-info' EXIT
GO=$GO DIST=$WORK/dist LEASEFILE_VERSION=0.0.1.dev1 make -s wheel
whl=$(ls "$WORK"/dist/*.whl)
case "$whl" in
*-py3-none-any.whl) echo "wheel-check: FAIL: $whl is a pure wheel, but it carries a binary" >&2; exit 1 ;;
*-py3-none-*.whl) echo "wheel-check: built $(basename "$whl")" ;;
*) echo "wheel-check: FAIL: unexpected wheel tag: $whl" >&2; exit 1 ;;
esac

"$PY" -m venv "$WORK/venv"
env -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL "$WORK/venv/bin/pip" install -q --no-index --no-cache-dir "$whl"

mkdir "$WORK/exp"
cat > "$WORK/exp/Leasefile" <<'YAML'
version: 1
name_prefix: wheel-
defaults: {site: CHI@UC}
leases:
  compute:
    duration: 2h
    reservations:
      nodes: {type: node, count: 1, node_type: compute_skylake}
      ip: {type: floating_ip}
YAML
cd "$WORK/exp"
PATH=$WORK/venv/bin:/usr/bin:/bin "$WORK/venv/bin/python" - <<'PY'
import re, shutil, sys
import leasefile

exe = shutil.which("leasefile")
assert exe and exe.startswith(sys.prefix), f"leasefile on PATH is {exe}, not the venv's"
assert leasefile.binary().startswith(sys.prefix), leasefile.binary()
assert leasefile.__version__ == "0.0.1.dev1", leasefile.__version__

leasefile.run("--local", "apply", "-auto-approve", "-timeout", "2m")
outs = leasefile.outputs(local=True)
assert isinstance(outs, dict) and set(outs) == {"compute"}, outs
c = outs["compute"]
assert c["status"] == "ACTIVE" and c["name"] == "wheel-compute", c
uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
assert uuid.match(c["reservations"]["nodes"]["id"]), c
assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", c["end"]), c["end"]
addrs = leasefile.outputs("compute.ip.addresses", local=True)
assert isinstance(addrs, list) and len(addrs) == 1, addrs
try:
    leasefile.outputs("nosuch", local=True)
except leasefile.LeasefileError as e:
    assert e.returncode == 1 and "no lease" in e.stderr, e
else:
    raise AssertionError("an unknown address did not raise")
print("wheel-check: PASS: the wheel installs offline, applies and returns outputs as dicts")
PY
