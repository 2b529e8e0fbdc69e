#!/bin/bash
# Runs one smart-card test against the REAL pcscd and vsmartcard-vpcd, isolated from the host:
#   unshare -mnp: a private mount namespace (tmpfs on /run/pcscd, so the host's pcscd is neither
#   seen nor disturbed), a private network namespace (vpcd's ports 35963/35964 listen on 0.0.0.0;
#   here that is a loopback nobody else shares) and a PID namespace: when this script ends, or
#   is killed (ctest timeout), the kernel ends every process started inside (--kill-child);
#   /proc is remounted for it so that LeakSanitizer finds its own threads.
# Then: the test PKI (make_test_pki.sh), `pcscd -f -c DIR` with a copy of vpcd's reader.conf
# (never -a: it logs APDUs, PINs included), and finally the given command with
#   SK_TEST_PKI, SK_TEST_WORK, SK_CARDEMU (from the caller) in its environment.
# Every process started here is stopped on exit (trap). Needs root (or CAP_SYS_ADMIN).
#
# usage: harness.sh COMMAND [ARGS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ "${SK_SC_IN_NS:-}" != 1 ]; then
	export SK_SC_IN_NS=1
	exec unshare -mnp --fork --kill-child --mount-proc -- "$here/harness.sh" "$@"
fi

: "${SK_CARDEMU:?SK_CARDEMU must name the sk-cardemu binary}"
[ $# -ge 1 ] || { echo "usage: harness.sh COMMAND [ARGS...]" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sk-smartcard-XXXXXX")
pcscd_pid=
cleanup() {
	local rc=$?
	if [ -n "$pcscd_pid" ]; then
		kill "$pcscd_pid" 2>/dev/null || true
		wait "$pcscd_pid" 2>/dev/null || true
	fi
	if [ $rc -ne 0 ] && [ -s "$work/pcscd.log" ]; then
		echo "--- pcscd log (last lines) ---" >&2
		tail -n 20 "$work/pcscd.log" >&2
	fi
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip link set lo up
mkdir -p /run/pcscd
mount -t tmpfs -o mode=0755 tmpfs /run/pcscd

"$here/make_test_pki.sh" "$work/pki"

mkdir "$work/readers"
cp /etc/reader.conf.d/vpcd "$work/readers/vpcd"
pcscd -f -c "$work/readers" >"$work/pcscd.log" 2>&1 &
pcscd_pid=$!
for _ in $(seq 100); do
	[ -S /run/pcscd/pcscd.comm ] && break
	kill -0 "$pcscd_pid" 2>/dev/null || { echo "pcscd exited" >&2; exit 1; }
	sleep 0.05
done
[ -S /run/pcscd/pcscd.comm ] || { echo "pcscd did not start" >&2; exit 1; }

export SK_TEST_PKI="$work/pki" SK_TEST_WORK="$work"
export HOME="$work"   # OpenSC keeps a cache under $HOME: keep it in the scratch dir
"$@"
