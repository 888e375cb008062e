#!/usr/bin/env bash
# Real-client conformance: drives Debian's `openstack reservation` CLI (python3-blazarclient)
# against `leasefile emulator serve`, because the emulator's promise is that real clients
# cannot tell it from Chameleon. Prints PASS/FAIL per step and ends with "N passed, M failed";
# exits non-zero on any failure. Needs root (or the packages already installed) and GNU date.
# BLAZAR=chameleon (the default) or upstream picks the emulator's Blazar profile.
set -uo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
BLAZAR=${BLAZAR:-chameleon}
case $BLAZAR in chameleon | upstream) ;; *) echo "conformance: BLAZAR=$BLAZAR: want chameleon or upstream" >&2; exit 2 ;; esac
OSC=/usr/bin/openstack
PY=/usr/bin/python3

# --- the real client, from Debian, never from whatever python3 is first on PATH -----------------
if ! [ -x "$OSC" ] || ! "$PY" -c 'import blazarclient' 2>/dev/null; then
	if [ "$(id -u)" != 0 ]; then
		echo "conformance: python3-openstackclient and python3-blazarclient are missing and installing them needs root" >&2
		exit 2
	fi
	echo "conformance: installing python3-openstackclient python3-blazarclient"
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-openstackclient python3-blazarclient; } >/tmp/conformance-apt.log 2>&1; then
		tail -20 /tmp/conformance-apt.log >&2
		echo "conformance: apt-get failed" >&2
		exit 2
	fi
fi

# Only the emulator's settings may reach the client.
for v in $(env | sed -n 's/^\(OS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset PYTHONPATH PYTHONHOME

WORK=$(mktemp -d)
SERVE_PID=
cleanup() {
	if [ -n "$SERVE_PID" ]; then kill -TERM "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

echo "conformance: building leasefile (emulator profile: $BLAZAR Blazar)"
"$GO" build -o "$WORK/leasefile" ./cmd/leasefile || { echo "conformance: build failed" >&2; exit 2; }

# start_emulator launches the server on a free port and waits until it has written its env file,
# which it does only once it accepts connections.
start_emulator() {
	rm -f "$WORK/emu.env"
	"$WORK/leasefile" emulator serve --blazar "$BLAZAR" --data "$WORK/emu.json" --env-file "$WORK/emu.env" >"$WORK/serve.out" 2>&1 &
	SERVE_PID=$!
	for _ in $(seq 100); do
		[ -s "$WORK/emu.env" ] && break
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! [ -s "$WORK/emu.env" ]; then
		cat "$WORK/serve.out" >&2
		echo "conformance: the emulator did not start" >&2
		exit 1
	fi
	# shellcheck disable=SC1091
	. "$WORK/emu.env"
}

stop_emulator() {
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID"
	local rc=$?
	SERVE_PID=
	return $rc
}

pass=0 fail=0
LOG=$WORK/step.log
osc() { timeout 60 "$OSC" "$@"; }

# check NAME WANT PATTERN CMD...: WANT is ok (exit 0) or err (non-zero); PATTERN is an ERE the
# combined output must match, "!ERE" one it must not match, or "" for no output check.
check() {
	local name=$1 want=$2 pattern=$3
	shift 3
	"$@" >"$LOG" 2>&1
	local rc=$? good=1
	case $want in
	ok) [ $rc -eq 0 ] || good=0 ;;
	err) [ $rc -ne 0 ] || good=0 ;;
	esac
	case $pattern in
	'') ;;
	!*) ! grep -Eq -- "${pattern#!}" "$LOG" || good=0 ;;
	*) grep -Eq -- "$pattern" "$LOG" || good=0 ;;
	esac
	if [ $good = 1 ]; then
		pass=$((pass + 1))
		echo "PASS $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name (exit $rc, want $want and output matching /$pattern/):"
		sed 's/^/    /' "$LOG"
	fi
}

# value prints one field of a command's -f value output, or nothing on failure.
value() { osc "$@" -f value 2>/dev/null; }

date_in() { date -u -d "$1" '+%Y-%m-%d %H:%M'; }
UUID='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

start_emulator
check "serve prints the OS_* exports" ok '^export OS_AUTH_URL=http://127\.0\.0\.1:[0-9]+/chi-uc/identity/v3$' cat "$WORK/serve.out"
check "serve says which Blazar it follows" ok "^# following $BLAZAR Blazar" cat "$WORK/serve.out"

# Chameleon's policy is on at CHI@UC: at most 7 days, extensions only within 48 h of the end.
# This lease ends in 24 h, so extending it by a day is allowed.
START=$(date_in '+1 hour') END=$(date_in '+1 day') END2=$(date_in '+2 days')
SKYLAKE='resource_properties=["=", "$node_type", "compute_skylake"]'
check "lease create physical:host" ok '"status": "PENDING"' \
	osc reservation lease create conf-host --start-date "$START" --end-date "$END" \
	--reservation "resource_type=physical:host,min=1,max=1,$SKYLAKE" -f json
check "lease list" ok 'conf-host' osc reservation lease list
ID=$(value reservation lease show conf-host -c id)
check "lease show by name" ok "^$UUID\$" echo "$ID"
check "lease show by id" ok '^conf-host$' osc reservation lease show "$ID" -f value -c name
check "lease set --name" ok "Updated lease: $ID" osc reservation lease set --name conf-renamed "$ID"
check "renamed lease shows its new name" ok '^conf-renamed$' osc reservation lease show "$ID" -f value -c name
check "lease set --end-date (extension within 48 h of the end)" ok 'Updated lease' \
	osc reservation lease set --end-date "$END2" conf-renamed
check "extended end date" ok "^${END2/ /T}:00\\.000000\$" osc reservation lease show "$ID" -f value -c end_date

# A lease ending in 5 days is outside the extension window.
check "lease create ending in 5 days" ok 'conf-far' \
	osc reservation lease create conf-far --start-date "$START" --end-date "$(date_in '+5 days')" \
	--reservation "resource_type=physical:host,min=1,max=1,$SKYLAKE"
FAR=$(value reservation lease show conf-far -c id)
check "extension outside the 48 h window is refused" err 'Lease can only be extended within 172800 seconds' \
	osc reservation lease set --end-date "$(date_in '+6 days')" conf-far
check "a lease longer than 7 days is refused" err 'maximum lease duration of 604800 seconds' \
	osc reservation lease create conf-long --start-date "$START" --end-date "$(date_in '+9 days')" \
	--reservation "resource_type=physical:host,min=1,max=1,$SKYLAKE"

# CHI@UC has 8 compute_skylake nodes.
# Upstream's short message; the fork quotes the query.
check "over-capacity create is refused" err 'Not enough (hosts|resources) available' \
	osc reservation lease create conf-too-big --start-date "$START" --end-date "$END" \
	--reservation "resource_type=physical:host,min=9,max=9,$SKYLAKE"
check "refused lease was not stored" ok '^conf-far$' bash -c "$OSC reservation lease list -f value -c name | grep -v conf-renamed"

check "host list" ok '^\| id +\| hypervisor_hostname +\| vcpus +\| memory_mb +\| local_gb' osc reservation host list
# Chameleon's host ids are UUIDs, which python-blazarclient 3.5.0 takes for names (its host
# id pattern is ^[0-9]+$), exactly as against Chameleon: host show works by hypervisor_hostname.
HOST1=$(osc reservation host list -f value -c id 2>/dev/null | head -1)
HOSTNAME1=$(osc reservation host list -f value -c hypervisor_hostname 2>/dev/null | head -1)
check "host ids are UUIDs" ok "^$UUID\$" echo "$HOST1"
check "host show by UUID is taken for a name (the client's limit, as on Chameleon)" err "Unable to find resource with name '$HOST1'" \
	osc reservation host show "$HOST1"
check "host show by hypervisor_hostname" ok "^$HOST1\$" osc reservation host show "$HOSTNAME1" -f value -c id
check "host show gives the extra capabilities" ok '^(compute|gpu|storage)_[a-z0-9_]+$' osc reservation host show "$HOSTNAME1" -f value -c node_type
check "host property list" ok 'node_type' osc reservation host property list

NET=$(value network show public -c id)
check "network show public (Neutron)" ok "^$UUID\$" echo "$NET"
check "lease create virtual:floatingip" ok "network_id[^,]*$NET" \
	osc reservation lease create conf-fip --end-date "$END" \
	--reservation "resource_type=virtual:floatingip,network_id=$NET,amount=1" -f json

FIP=$(value reservation lease show conf-fip -c id)

check "lease delete by name" ok '' osc reservation lease delete conf-far
check "deleted lease is gone (Blazar's 404)" err "Object with \\{'lease_id': '$FAR'\\} not found" \
	osc reservation lease show "$FAR"
check "lease delete of an unknown id" err 'not found' \
	osc reservation lease delete 00000000-0000-4000-8000-000000000000

# Application credentials authenticate without a scope block and see the same project.
appcred() {
	env -u OS_USERNAME -u OS_PASSWORD -u OS_PROJECT_NAME -u OS_USER_DOMAIN_NAME -u OS_PROJECT_DOMAIN_NAME \
		OS_AUTH_TYPE=v3applicationcredential OS_APPLICATION_CREDENTIAL_ID=demo-appcred \
		OS_APPLICATION_CREDENTIAL_SECRET="$1" timeout 60 "$OSC" "${@:2}"
}
check "app-credential lease list" ok 'conf-renamed' appcred demo-secret reservation lease list
check "app-credential with a wrong secret is refused" err 'requires authentication.*HTTP 401' \
	appcred wrong-secret reservation lease list

# Another project sees none of demo's leases in its list; by id, the fork shows them (any
# user reads any lease by id), upstream refuses with its policy 403.
check "project isolation" ok '!conf-' env OS_USERNAME=other OS_PASSWORD=other OS_PROJECT_NAME=other \
	timeout 60 "$OSC" reservation lease list -f value -c name
if [ "$BLAZAR" = chameleon ]; then
	check "another project's lease by id (the fork answers it)" ok '^conf-renamed$' env OS_USERNAME=other OS_PASSWORD=other OS_PROJECT_NAME=other \
		timeout 60 "$OSC" reservation lease show "$ID" -f value -c name
else
	check "another project's lease by id (upstream's 403)" err "Policy doesn't allow blazar:leases:get" env OS_USERNAME=other OS_PASSWORD=other OS_PROJECT_NAME=other \
		timeout 60 "$OSC" reservation lease show "$ID"
fi

# --data: the leases survive a restart, and SIGTERM is a clean exit.
check "serve exits 0 on SIGTERM" ok '' stop_emulator
check "data file is private" ok '^600$' stat -c %a "$WORK/emu.json"
start_emulator
check "leases survive a restart" ok "^$FIP conf-fip\$" osc reservation lease list -f value -c id -c name

echo "$pass passed, $fail failed ($BLAZAR Blazar)"
[ "$fail" -eq 0 ]
