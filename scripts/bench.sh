#!/usr/bin/env bash
# bench.sh: run DESIGN.md §7's benchmarks once and print them as one table, leasefile side
# by side with the same work done one lease at a time (python-chi / openstack CLI style).
# Targets are reported, never asserted: a miss shows "no" in the table and exits 0; a
# benchmark that fails (wrong result, not slowness) exits 1.
#
#   scripts/bench.sh            # or: make bench
#   BENCH_OUT=bench.txt scripts/bench.sh   # also keep the raw `go test -bench` output
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
}' "$raw"
[ -n "${BENCH_OUT:-}" ] || rm -f "$raw"
