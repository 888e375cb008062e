#!/usr/bin/env bash
# bench.sh: run DESIGN.md §7's benchmarks once and print them as one table, leasefile side
# by side with the same work done one lease at a time (python-chi / openstack CLI style).
# Targets are reported, never asserted: a miss shows "no" in the table and exits 0; a
# benchmark that fails (wrong result, not slowness) exits 1.
#
#   scripts/bench.sh            # or: make bench
#   BENCH_OUT=bench.txt scripts/bench.sh   # also keep the raw `go test -bench` output
#   BENCH_DOC=docs/benchmarks.md scripts/bench.sh  # also write the table there, between its markers
#
# Every figure of a row comes from the same run; CPU times are the process's user + system
# time (rusage), beside wall time, since the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
raw=${BENCH_OUT:-$(mktemp)}
: >"$raw"

# package, benchmark, -benchtime. Iteration counts keep the whole run near two minutes on
# 2 cores: each plan benchmark process seeds its 10,000 leases once (~20 s), the 20 ms
# plan baseline is 1,000 x 20 ms, the apply baseline 200 x 50 ms.
runs=(
	"./spec BenchmarkValidate1000 10x"
	"./plan BenchmarkBuild1000 10x"
	"./cmd/leasefile BenchmarkPlan1000 3x"
	"./cmd/leasefile BenchmarkPlan1000Latency20ms 1x"
	"./cmd/leasefile BenchmarkVersion 20x"
	"./apply BenchmarkApply200 1x"
	"./blazar/leases BenchmarkDecodeList10000 5x"
	"./blazar/leases BenchmarkPollCost 100x"
	"./state BenchmarkSave 10x"
	"./state BenchmarkSaveLocked 100x"
	"./emulator BenchmarkListHandler 10x"
	"./cmd/leasefile BenchmarkPlanProcess 3x"
	"./cmd/leasefile BenchmarkApplyProcess 1x"
)
for r in "${runs[@]}"; do
	set -- $r
	echo "running $2 ($1, $3)..." >&2
	if ! $GO test -run '^$' -bench "^$2\$" -benchtime "$3" -benchmem "$1" >>"$raw" 2>&1; then
		cat "$raw" >&2
		echo "bench: $2 failed" >&2
		exit 1
	fi
done

# Each result line is "BenchmarkName-P N v unit v unit ...": index every value by
# benchmark and unit, then lay out the table.
awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i += 2) m[name, $(i + 1)] = $i
}
function has(b, u) { return ((b, u) in m) }
function ms(b, u) { return has(b, u) ? sprintf("%.1f ms", m[b, u] * 1000) : "n/a" }
function sec(b, u) { return has(b, u) ? sprintf("%.2f s", m[b, u]) : "n/a" }
function x(b, u) { return has(b, u) ? sprintf("%.1fx", m[b, u]) : "n/a" }
function mb(b, u) { return has(b, u) ? sprintf("%.0f MB", m[b, u]) : "n/a" }
function met(ok) { return ok ? "yes" : "**no**" }
function row(a, b, c, d, e, f) { printf "| %s | %s | %s | %s | %s | %s |\n", a, b, c, d, e, f }
END {
	D = "BenchmarkDecodeList10000"; Q = "BenchmarkPollCost"; W = "BenchmarkSave"; X = "BenchmarkPlanProcess"
	V = "BenchmarkValidate1000"; P = "BenchmarkPlan1000"; S = "BenchmarkVersion"; A = "BenchmarkApply200"; B = "BenchmarkBuild1000"; L = "BenchmarkPlan1000Latency20ms"
	row("measure", "leasefile", "one-at-a-time", "ratio", "target", "met?")
	row("---", "---", "---", "---", "---", "---")
	row("validate: parse 1,000-lease Leasefile", ms(V, "s/leasefile"), ms(V, "s/one-at-a-time") " (1,000 one-lease files)", x(V, "speedup"), "< 100 ms", met(has(V, "s/leasefile") && m[V, "s/leasefile"] < 0.1))
	row("plan: 1,000 declared vs 10,000 live, 3 sites, wall", sec(P, "s/plan"), sec(P, "s/one-at-a-time") " (GET per lease)", x(P, "speedup"), "< 1 s", met(has(P, "s/plan") && m[P, "s/plan"] < 1))
	row("plan, same at 20 ms emulator latency, wall", sec(L, "s/plan"), sec(L, "s/one-at-a-time") " (GET per lease)", x(L, "speedup"), "-", "-")
	row("plan: lease calls per site", (has(P, "lists/site") ? sprintf("%d list", m[P, "lists/site"]) : "n/a"), (has(P, "gets/one-at-a-time") ? sprintf("%d GETs in all", m[P, "gets/one-at-a-time"]) : "n/a"), "-", "1 list", met(has(P, "lists/site") && m[P, "lists/site"] == 1))
	row("plan: peak live heap (emulator in-process included)", mb(P, "peak-heap-MB"), mb(P, "peak-heap-MB-one-at-a-time"), "-", "< 200 MB", met(has(P, "peak-heap-MB") && m[P, "peak-heap-MB"] < 200))
	row("plan: allocated per plan (emulator included)", (has(P, "B/op") ? sprintf("%.0f MB", m[P, "B/op"] / 1048576) : "n/a"), "-", "-", "-", "-")
	row("plan: Build + text render only (in memory)", ms(B, "s/build") " + " ms(B, "s/render"), "-", "-", "-", "-")
	row("`leasefile version` start-up", ms(S, "s/start"), ms(S, "s/openstack-start") " (`openstack --version`)", x(S, "speedup"), "< 30 ms", met(has(S, "s/start") && m[S, "s/start"] < 0.03))
	row("apply: 200 creates at 50 ms latency", sec(A, "s/parallel"), sec(A, "s/sequential") " (Parallelism 1)", x(A, "speedup"), ">= 8x", met(has(A, "speedup") && m[A, "speedup"] >= 8))
	print ""
	print "Decoding a 10,000-lease list (16.8 MB, shaped as the Chameleon recording), per decode, CPU (wall), memory, allocations:"
	print ""
	printf "| decoder | CPU | wall | MB/s | allocated | allocs |\n| --- | --- | --- | --- | --- | --- |\n"
	split("leasefile-keep1000-drop leasefile-keep1000 leasefile encoding-json-before gophercloud-v2.16", dn, " ")
	for (i = 1; i <= 5; i++) {
		b = D "/" dn[i]
		printf "| %s | %s | %s | %s | %s | %s |\n", dn[i], has(b, "cpu-ms/op") ? sprintf("%.1f ms", m[b, "cpu-ms/op"]) : "n/a", sprintf("%.1f ms", m[b, "ns/op"] / 1e6), m[b, "MB/s"], sprintf("%.1f MB", m[b, "B/op"] / 1048576), m[b, "allocs/op"]
	}
	print ""
	print "`leasefile plan` as a process (1,000 declared leases, 3 sites) against `emulator serve` in another, beside the json.loads of CPython of the same list bytes (the raw decode, the limit):"
	print ""
	printf "| live leases | list | plan CPU (mean, best) | plan wall | json.loads CPU (best of 5) | plan CPU / json.loads (mean, best) | leasefile decode alone, every lease whole | plan peak RSS |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n"
	split("2000 10000 50000", sz, " ")
	for (i = 1; i <= 3; i++) {
		b = X "/live=" sz[i]
		printf "| %s | %.1f MB | %.0f ms, %.0f ms | %.0f ms | %s | %s | %.0f ms | %.0f MB |\n", sz[i], m[b, "list-MB"], m[b, "s/plan-cpu"] * 1000, m[b, "s/plan-cpu-best"] * 1000, m[b, "s/plan-wall"] * 1000, has(b, "s/json.loads-cpu") ? sprintf("%.0f ms", m[b, "s/json.loads-cpu"] * 1000) : "n/a (no python3)", has(b, "cpu-vs-json.loads") ? sprintf("%.2f, %.2f", m[b, "cpu-vs-json.loads"], m[b, "best-vs-json.loads"]) : "n/a", m[b, "s/decode-cpu"] * 1000, m[b, "peak-rss-MB"]
	}
	lo = X "/live=2000"; hi = X "/live=50000"
	if (has(lo, "s/plan-cpu") && has(hi, "s/plan-cpu"))
		printf "\nGrowth order of plan CPU from 2,000 to 50,000 live leases: n^%.2f (json.loads: n^%.2f).\n", log(m[hi, "s/plan-cpu"] / m[lo, "s/plan-cpu"]) / log(25), has(hi, "s/json.loads-cpu") ? log(m[hi, "s/json.loads-cpu"] / m[lo, "s/json.loads-cpu"]) / log(25) : 0
	print ""
	print "The state save of one apply step (one lease changed), by state size: under the lock, as apply saves (journalled), and whole (a save outside a run):"
	print ""
	printf "| leases in the state | per save under the lock, CPU | allocated | whole-file save | allocated | allocs |\n| --- | --- | --- | --- | --- | --- |\n"
	split("100 1000 10000", sv, " ")
	for (i = 1; i <= 3; i++) {
		b = W "/leases=" sv[i]; k = W "Locked/leases=" sv[i]
		printf "| %s | %s | %s | %.1f ms | %.1f MB | %s |\n", sv[i], has(k, "cpu-ns/op") ? sprintf("%.0f us", m[k, "cpu-ns/op"] / 1000) : "n/a", has(k, "B/op") ? sprintf("%.1f KB", m[k, "B/op"] / 1024) : "n/a", m[b, "ns/op"] / 1e6, m[b, "B/op"] / 1048576, m[b, "allocs/op"]
	}
	lo = W "/leases=100"; hi = W "/leases=10000"
	if (has(lo, "ns/op") && has(hi, "ns/op"))
		printf "\nGrowth order from 100 to 10,000 leases: n^%.2f under the lock, n^%.2f whole.\n", has(W "Locked/leases=100", "cpu-ns/op") ? log(m[W "Locked/leases=10000", "cpu-ns/op"] / m[W "Locked/leases=100", "cpu-ns/op"]) / log(100) : 0, log(m[hi, "ns/op"] / m[lo, "ns/op"]) / log(100)
	print ""
	print "`leasefile apply` of N new leases as a process against `emulator serve` in another (client CPU only):"
	print ""
	printf "| leases | client CPU per lease | apply wall |\n| --- | --- | --- |\n"
	for (i = 1; i <= 3; i++) {
		b = "BenchmarkApplyProcess/leases=" sv[i]
		printf "| %s | %s | %s |\n", sv[i], has(b, "ms/lease-cpu") ? sprintf("%.2f ms", m[b, "ms/lease-cpu"]) : "n/a", sec(b, "s/apply-wall")
	}
	lo = "BenchmarkApplyProcess/leases=100"; hi = "BenchmarkApplyProcess/leases=10000"
	if (has(lo, "ms/lease-cpu") && has(hi, "ms/lease-cpu"))
		printf "\nGrowth order of CPU per lease from 100 to 10,000: n^%.2f (flat is n^0).\n", log(m[hi, "ms/lease-cpu"] / m[lo, "ms/lease-cpu"]) / log(100)
	print ""
	print "The emulator'"'"'s GET /leases (in-process HTTP), by leases in the project:"
	print ""
	printf "| leases | per list | list | allocated | allocs |\n| --- | --- | --- | --- | --- |\n"
	split("100 1000", el, " ")
	for (i = 1; i <= 2; i++) {
		b = "BenchmarkListHandler/leases=" el[i]
		printf "| %s | %.1f ms | %.2f MB | %.1f MB | %s |\n", el[i], m[b, "ns/op"] / 1e6, m[b, "list-MB"], m[b, "B/op"] / 1048576, m[b, "allocs/op"]
	}
	print ""
	printf "Waits (apply/wait.go): one GET costs %.0f us of client CPU, a list of 1,000 leases %.0f us (%.1f us a lease): a GET is worth %.0f listed leases.\n", m[Q "/get", "cpu-µs/op"], m[Q "/list1000", "cpu-µs/op"], m[Q "/list1000", "cpu-µs/op"] / 1000, m[Q "/get", "cpu-µs/op"] / (m[Q "/list1000", "cpu-µs/op"] / 1000)
}' "$raw" | tee "${raw}.table"
if [ -n "${BENCH_DOC:-}" ]; then
	# Replace what lies between the markers with this run's table.
	awk -v table="${raw}.table" '
	/<!-- bench:begin -->/ { print; print ""; while ((getline line < table) > 0) print line; print ""; skip = 1; next }
	/<!-- bench:end -->/ { skip = 0 }
	!skip' "$BENCH_DOC" >"${BENCH_DOC}.tmp" && mv "${BENCH_DOC}.tmp" "$BENCH_DOC"
fi
rm -f "${raw}.table"
[ -n "${BENCH_OUT:-}" ] || rm -f "$raw"
