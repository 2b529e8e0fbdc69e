#!/usr/bin/env bash
# The benchmarks of issue 11, item 5, run briefly with tiny sizes (nothing here is timed or
# asserted about time): every transaction must have had the expected PAM result.
#   bench_peer_totp: Sekimori, pam_oath + pam_faillock and pam_google_authenticator +
#     pam_faillock each log every measured user in (pam_authenticate and pam_acct_mgmt
#     PAM_SUCCESS, one prompt), and each stack locks the account after 3 wrong codes (the
#     right code is refused afterwards);
#   bench_peer_scale: every transaction against the small and the large broker succeeds;
#   bench_pam_login -Y: every login succeeds and the bare yescrypt figures are printed.
set -euo pipefail
: "${SK_BINARY_DIR:?}"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-peer-smoke-XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; echo "--- output:" >&2; cat "$dir/out" >&2 || true; exit 1; }
checks=0
ok() { checks=$((checks + 1)); }

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (the broker serves logins to root only)"; exit 77; }
for m in pam_oath.so pam_google_authenticator.so pam_faillock.so; do
	[ -e "/usr/lib/x86_64-linux-gnu/security/$m" ] || [ -e "/lib/x86_64-linux-gnu/security/$m" ] ||
		fail "$m is not installed (scripts/install-deps.sh)"
done

bench="$SK_BINARY_DIR/bench"
# A sanitizer build: pam_oath's own leak is suppressed by name, nothing else (the file says
# why).
supp="$(cd "$(dirname "$0")" && pwd)/peer_bench_lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$supp"

# 1. Side by side: 40 users, 12 transactions per stack.
rc=0
TMPDIR=$dir "$bench/peer/bench_peer_totp" -u 40 -n 12 -w 2 > "$dir/out" 2> "$dir/err" || rc=$?
cat "$dir/err" >> "$dir/out"
[ "$rc" = 0 ] || fail "bench_peer_totp exited $rc"; ok
grep -q '^OK: 0 transactions with another PAM result than expected\.$' "$dir/out" ||
	fail "bench_peer_totp did not report every result as expected"; ok
for stack in 'Sekimori (pam_sekimori + sekimorid)' 'pam_oath + pam_faillock' \
	'pam_google_authenticator + pam_faillock'; do
	# The measured row: 12 transactions, 0 unexpected.
	grep -qF "| $stack | 12 | 0 |" "$dir/out" || fail "$stack: not 12 expected transactions"; ok
	# The lockout row: three refusals, then the right code refused too.
	row=$(grep -F "| $stack |" "$dir/out" | grep -F 'right code' -v | tail -1)
	case "$row" in
	*"| as expected |") ok ;;
	*) fail "$stack: lockout check: $row" ;;
	esac
	[ "$(grep -o 'Authentication failure' <<< "$row" | wc -l)" -ge 3 ] ||
		fail "$stack: wrong codes not refused as authentication failures: $row"; ok
done
# The folders the bench made are gone.
[ -z "$(find "$dir" -mindepth 1 -maxdepth 1 -name 'sk-peer-*' -print -quit)" ] ||
	fail "bench_peer_totp left its folders behind"; ok

# 2. Few against many users: 5 against 60, one round.
rc=0
TMPDIR=$dir "$bench/peer/bench_peer_scale" -s 5 -l 60 -r 1 > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "bench_peer_scale exited $rc"; ok
grep -qF '| small | 5 | 5 | 0 |' "$dir/out" || fail "small broker: not 5 expected transactions"; ok
grep -qF '| large | 60 | 5 | 0 |' "$dir/out" || fail "large broker: not 5 expected transactions"; ok
grep -q '^\*\*p50 ratio, 60 users ÷ 5 users: [0-9.]*\*\*' "$dir/out" || fail "no p50 ratio"; ok

# 3. Whole logins with the bare KDF beside them: 64 users, 4 logins, then 2 clients x 8.
rc=0
TMPDIR=$dir "$bench/bench_pam_login" -u 64 -s 4 -c 2:8 -Y 0.3 > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "bench_pam_login exited $rc (3: a login failed)"; ok
grep -qE '^\| 1 \| 4 \| 0 \|' "$dir/out" || fail "1 client: not 4 logins without failure"; ok
grep -qE '^\| 2 \| 8 \| 0 \|' "$dir/out" || fail "2 clients: not 8 logins without failure"; ok
grep -q '^### Logins as a fraction of bare yescrypt' "$dir/out" || fail "no yescrypt table"; ok
grep -qE '^\| 2 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ % \|' "$dir/out" ||
	fail "no fraction for 2 clients"; ok

echo "peer_bench_smoke: $checks checks passed"
