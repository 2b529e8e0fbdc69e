#!/bin/sh
# Decisions through the broker (issue 11, item 5): builds bench_decisions in a RelWithDebInfo
# tree (no sanitizers) and runs it as root, first with the protocol-level load generator at
# 1, 8, 64, 256 and 1,000 clients, then the same decisions through PAM at 8, 64 and 256
# clients. Prints the machine, its load, the exact commands and the markdown tables; also
# saved to $OUT. Each run ends with the durable floor measured in the same folder.
#
#   bench/load/run.sh                 # both runs with the defaults
#   bench/load/run.sh -u 3000 -w 3    # options for the protocol run (bench_decisions -h)
#   PAM_ARGS="-u 400 -c 8:800" bench/load/run.sh   # other options for the PAM run
#   PERF=1 bench/load/run.sh          # a third run: perf profile of the broker at 64 and 256
#
# The temporary folder goes under $TMPDIR (default /tmp): put it on the disk to measure.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$SRC/build-bench}
OUT=${OUT:-$BUILD/bench-decisions.md}
dir=${TMPDIR:-/tmp}
PAM_ARGS=${PAM_ARGS:--u 1000 -c 8:2000 -c 64:4000 -c 256:4000}

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target bench_decisions >/dev/null
bin=$BUILD/bench/load/bench_decisions

run() {
	echo "    $*"
	echo
	start=$(date +%s)
	"$@" || echo "exited with status $? (3: a decision was refused or got an unexpected verdict)"
	echo
	echo "Run time: $(( $(date +%s) - start )) s."
	echo
}

{
	echo "## Machine"
	echo
	echo "- CPUs: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "- Memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	# shellcheck disable=SC1091
	echo "- Kernel: $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "- Benchmark folder: $dir on $(findmnt -n -o SOURCE,FSTYPE,OPTIONS -T "$dir" | tr -s ' ')"
	echo "- SQLite $(dpkg-query -W -f '${Version}' libsqlite3-0 2>/dev/null || echo '?')," \
	     "Linux-PAM $(dpkg-query -W -f '${Version}' libpam0g 2>/dev/null || echo '?')," \
	     "perf: $(command -v perf >/dev/null && echo yes || echo no)"
	echo "- Load average before: $(cut -d' ' -f1-3 /proc/loadavg); the busiest other processes:"
	echo
	ps -eo pcpu=,comm= --sort=-pcpu | head -8 | sed 's/^/    /'
	echo
	echo "## Protocol-level load generator"
	echo
	run "$bin" -P -d "$dir" "$@"
	echo "## The same decisions through PAM"
	echo
	# shellcheck disable=SC2086
	run "$bin" --pam -P -d "$dir" $PAM_ARGS
	echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$OUT"

if [ "${PERF:-0}" = 1 ]; then
	data=$BUILD/bench-decisions.perf
	{
		echo
		echo "## perf: where the broker's CPU went (64 and 256 clients)"
		echo
		run "$bin" -d "$dir" -u 1000 -c 64:4000 -c 256:4000 -p "$data"
		echo "By library (self time):"
		echo
		perf report -i "$data" --no-children --sort dso --stdio 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -12 | sed 's/^/    /'
		echo
		echo "By function (self time):"
		echo
		perf report -i "$data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -40 | sed 's/^/    /'
	} | tee -a "$OUT"
fi
