#!/bin/sh
# Logins per second with 1 and 3 sekimorid on one PostgreSQL against 1 on SQLite, and the
# per-login costs (issue 12, item 6; doc/performance.md, "Several brokers on PostgreSQL").
# Builds bench_cluster in a RelWithDebInfo tree and runs it three times, as root:
#   1. one broker on SQLite;
#   2. one broker on a PostgreSQL server of its own (tests/pg/with-pg.sh with
#      SK_TEST_PG_DURABLE=1: fsync and full_page_writes on, the server's defaults otherwise);
#   3. three brokers on a new server of the same kind.
# Everything runs on this machine: brokers, server and clients share its CPUs and disk.
#
#   bench/cluster/run.sh                     # defaults: -u 400 -t 8 -x 600
#   bench/cluster/run.sh -u 600 -t 16 -x 900 # bench_cluster's options pass through
#
# The temporary folders go under $TMPDIR (default /tmp): put it on the disk to measure.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$SRC/build-bench}
OUT=${OUT:-$BUILD/bench-cluster-result.md}
[ "$#" -gt 0 ] || set -- -u 400 -t 8 -x 600

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSK_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target bench_cluster >/dev/null
bin=$BUILD/bench/bench_cluster
dir=${TMPDIR:-/tmp}

{
	echo "## Machine"
	echo
	echo "- CPUs: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "- Memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "- Benchmark folder: $dir on $(findmnt -n -o SOURCE,FSTYPE -T "$dir" | tr -s ' ')"
	echo "- PostgreSQL $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 | cut -d/ -f5)," \
	     "SQLite $(dpkg-query -W -f '${Version}' libsqlite3-0 2>/dev/null || echo '?')"
	echo "- Load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "## SQLite, 1 broker ($bin $*)"
	echo
	"$bin" "$@" || echo "bench_cluster exited with status $?"
	for b in 1 3; do
		echo
		echo "## PostgreSQL, $b broker(s) ($bin --store URI -b $b $*)"
		echo
		SK_TEST_PG_DURABLE=1 "$SRC/tests/pg/with-pg.sh" \
			sh -c 'exec "$0" --store "$SK_TEST_PG_URI" "$@"' "$bin" -b "$b" "$@" ||
			echo "bench_cluster exited with status $?"
	done
	echo
	echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$OUT"
