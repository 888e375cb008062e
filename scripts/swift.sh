#!/bin/bash
# swift.sh: a single-node OpenStack Swift (Debian's swift-proxy, -account, -container,
# -object) on loopback for the state backend's tests, without auth middleware.
#
#   scripts/swift.sh start DIR   installs the packages when missing (needs root), writes the
#                                config, rings and storage under DIR, starts the four servers,
#                                waits until the proxy answers and prints the endpoint
#                                (http://127.0.0.1:PORT/v1; accounts are created on first use)
#   scripts/swift.sh stop DIR    stops the servers started in DIR
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

if [ "$cmd" = stop ]; then
	for p in "$dir"/*.pid; do
		[ -e "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
	done
	exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

if ! command -v swift-proxy-server >/dev/null || ! command -v swift-object-server >/dev/null ||
	! command -v swift-container-server >/dev/null || ! command -v swift-account-server >/dev/null; then
	echo "swift.sh: installing Debian's swift servers" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q swift-proxy swift-object swift-container swift-account >&2
fi

# The servers read the storage policies from /etc/swift/swift.conf, a fixed path.
if ! grep -q swift_hash_path_suffix /etc/swift/swift.conf 2>/dev/null; then
	mkdir -p /etc/swift
	cat >/etc/swift/swift.conf <<CONF
[swift-hash]
swift_hash_path_suffix = leasefile-test
swift_hash_path_prefix = leasefile-test

[storage-policy:0]
name = default
default = yes
CONF
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$dir/srv/d1"
dir=$(cd "$dir" && pwd)
user=$(id -un)
proxy=$(free_port)
declare -A port=([account]=$(free_port) [container]=$(free_port) [object]=$(free_port))

for kind in account container object; do
	( cd "$dir" &&
		swift-ring-builder $kind.builder create 0 1 1 >/dev/null &&
		swift-ring-builder $kind.builder add r1z1-127.0.0.1:${port[$kind]}/d1 1 >/dev/null &&
		swift-ring-builder $kind.builder rebalance >/dev/null ) || true
	[ -e "$dir/$kind.ring.gz" ] || { echo "swift.sh: could not build the $kind ring" >&2; exit 1; }
	cat >"$dir/$kind-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port[$kind]}
devices = $dir/srv
mount_check = false
swift_dir = $dir
user = $user
workers = 0
log_level = WARNING

[pipeline:main]
pipeline = $kind-server

[app:$kind-server]
use = egg:swift#$kind
CONF
done

cat >"$dir/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $proxy
swift_dir = $dir
user = $user
workers = 0
log_level = WARNING

[pipeline:main]
pipeline = catch_errors proxy-server

[filter:catch_errors]
use = egg:swift#catch_errors

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
CONF

for kind in account container object proxy; do
	swift-$kind-server "$dir/$kind-server.conf" >"$dir/$kind.log" 2>&1 &
	echo $! >"$dir/$kind.pid"
done

url=http://127.0.0.1:$proxy/v1
for _ in $(seq 1 150); do
	# An account PUT answers once the proxy and the account server are up.
	if code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$url/AUTH_probe/ready" 2>/dev/null) &&
		[ "${code:0:1}" = 2 ]; then
		echo "$url"
		exit 0
	fi
	sleep 0.2
done
echo "swift.sh: the servers did not come up; logs in $dir" >&2
tail -n 20 "$dir"/*.log >&2 || true
"$0" stop "$dir"
exit 1
