#!/bin/sh
# Builds bench_pam_login in a RelWithDebInfo tree (no sanitizers) and runs it as root.
# Prints the machine, the command and the markdown tables; also saved to $OUT.
#
#   bench/run.sh                 # defaults: 600 users, 150 logins for 1 client, 8:480, 32:640
#   bench/run.sh -u 300 -s 50    # any bench_pam_login options pass through
#   PERF=1 bench/run.sh          # also profile the broker with perf during the PAM phases
#
# The temporary folder goes under $TMPDIR (default /tmp): put it on the disk to measure.
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build-bench}
OUT=${OUT:-$BUILD/bench-result.md}

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSK_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target bench_pam_login >/dev/null

dir=${TMPDIR:-/tmp}
perf_args=
if [ "${PERF:-0}" = 1 ]; then
	perf_args="-p $BUILD/bench-broker.perf"
fi

{
	echo "## Machine"
	echo
	echo "- CPUs: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "- Memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	# shellcheck disable=SC1091
	echo "- Kernel: $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "- Benchmark folder: $dir on $(findmnt -n -o SOURCE,FSTYPE,OPTIONS -T "$dir" | tr -s ' ')"
	dev=$(findmnt -n -o SOURCE -T "$dir" | sed 's|/dev/||')
	if [ -r "/sys/class/block/$dev/queue/rotational" ]; then
		echo "- Device $dev: rotational=$(cat /sys/class/block/"$dev"/queue/rotational)," \
		     "scheduler $(cat /sys/class/block/"$dev"/queue/scheduler 2>/dev/null || echo '?')"
	fi
	echo "- Load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine disturbs the figures; see \"other CPU s\")"
	echo "- libxcrypt $(dpkg-query -W -f '${Version}' libcrypt1 2>/dev/null || echo '?')," \
	     "SQLite $(dpkg-query -W -f '${Version}' libsqlite3-0 2>/dev/null || echo '?')," \
	     "Linux-PAM $(dpkg-query -W -f '${Version}' libpam0g 2>/dev/null || echo '?')"
	echo
	echo "## Command"
	echo
	echo "    $BUILD/bench/bench_pam_login $perf_args $*"
	echo
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$BUILD/bench/bench_pam_login" $perf_args "$@" ||
		echo "bench_pam_login exited with status $? (3: some measured logins failed)."
	echo
	echo "Total run time: $(( $(date +%s) - start )) s; load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$OUT"

if [ -n "$perf_args" ]; then
	data=$BUILD/bench-broker.perf
	echo
	echo "## perf: where the broker's CPU went during the PAM phases"
	echo
	echo "By library (self time):"
	echo
	echo '```'
	perf report -i "$data" --no-children --sort dso --stdio 2>/dev/null |
		grep '%' | grep -v '^#' | grep -v '^ *|' | grep -v -- '--' | head -8
	echo '```'
	echo
	echo "By what the sample was doing (from the call chains):"
	echo
	echo '```'
	perf script -i "$data" 2>/dev/null | awk '
		function kind(s) {
			if (s ~ /exc_page_fault/) return "page faults"
			if (s ~ /sys_munmap|sys_madvise|sys_mmap/) return "mmap/munmap/madvise"
			if (s ~ /sys_fdatasync|sys_fsync/) return "fdatasync/fsync"
			if (s ~ /sys_clone|sys_exit/) return "thread start/exit"
			if (s ~ /do_syscall_64/) return "other system calls"
			if (s ~ /libcrypt/) return "libcrypt (yescrypt), user"
			if (s ~ /libsqlite3/) return "SQLite, user"
			if (s ~ /libcrypto/) return "OpenSSL, user"
			if (s ~ /libc\.so/) return "libc, user"
			return "other"
		}
		/^[^ \t]/ { if (st != "") n[kind(st)]++; st = ""; next }
		{ st = st " " $0 }
		END { if (st != "") n[kind(st)]++; for (k in n) t += n[k];
		      for (k in n) printf "%6.1f%%  %s\n", 100 * n[k] / t, k }' | sort -rn
	echo '```'
fi
