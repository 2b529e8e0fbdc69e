#!/bin/sh
# The benchmarks of issue 11, item 5 against the peer modules, with the exact commands and
# the machine's state printed beside the figures (doc/performance.md, "Against the peer
# modules"). Builds a RelWithDebInfo tree without sanitizers and runs, as root:
#   1. bench_peer_totp -u 1000 -u 10000 -n 1000: Sekimori vs pam_oath + pam_faillock vs
#      pam_google_authenticator + pam_faillock, TOTP + attempt limit, in turns;
#   2. bench_peer_scale -s 100 -l 100000 -r 3: p50 of the same transaction, 100,000 vs 100
#      enrolled users;
#   3. bench_pam_login -u 96 -s 60 -c 8:200 -Y 10: whole logins (yescrypt password + TOTP)
#      at 1 and 8 clients, as a fraction of bare yescrypt verifies/s (crypt_r, 1 and 8
#      threads, same hash).
# Each step can be chosen: bench/peer/run.sh totp scale kdf (default: all three).
#
#   BUILD=DIR   the build tree (default build-bench)
#   OUT=FILE    where the report is also written (default $BUILD/peer-result.md)
#   TMPDIR      where the temporary folders go: put it on the disk to measure, not tmpfs
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$SRC/build-bench}
OUT=${OUT:-$BUILD/peer-result.md}
steps=${*:-totp scale kdf}

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSK_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target bench_peer_totp bench_peer_scale bench_pam_login \
	>/dev/null

dir=${TMPDIR:-/tmp}
state() {
	echo "- $1: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)," \
	     "$(grep -c ^processor /proc/cpuinfo) CPUs"
}
run() {
	echo "## \`$*\`"
	echo
	state "before"
	start=$(date +%s)
	echo
	"$@" || echo "(exited with status $?; 3: some transaction had an unexpected PAM result)"
	echo
	state "after ($(( $(date +%s) - start )) s)"
	echo
}

{
	echo "# Against the peer modules"
	echo
	echo "- CPUs: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "- Kernel: $(uname -r)"
	echo "- Benchmark folder: $dir on $(findmnt -n -o SOURCE,FSTYPE -T "$dir" | tr -s ' ')"
	echo "- Linux-PAM $(dpkg-query -W -f '${Version}' libpam-modules 2>/dev/null || echo '?')," \
	     "libpam-oath $(dpkg-query -W -f '${Version}' libpam-oath 2>/dev/null || echo '?')," \
	     "libpam-google-authenticator $(dpkg-query -W -f '${Version}' libpam-google-authenticator 2>/dev/null || echo '?')," \
	     "libxcrypt $(dpkg-query -W -f '${Version}' libcrypt1 2>/dev/null || echo '?')"
	echo "- Other work on the machine changes the figures: compare within one run (the"
	echo "  stacks are taken in turns) and read the load average and \"other CPU\" beside each."
	echo
	for s in $steps; do
		case $s in
		totp) run "$BUILD/bench/peer/bench_peer_totp" -u 1000 -u 10000 -n 1000 ;;
		scale) run "$BUILD/bench/peer/bench_peer_scale" -s 100 -l 100000 -r 3 ;;
		kdf) run "$BUILD/bench/bench_pam_login" -u 96 -s 60 -c 8:200 -Y 10 ;;
		*) echo "unknown step $s (totp, scale, kdf)" >&2; exit 2 ;;
		esac
	done
} | tee "$OUT"
