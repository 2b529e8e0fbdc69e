#!/usr/bin/env bash
# The load generator (bench/load/bench_decisions, issue 11 item 5) run briefly, 24 users, 1
# then 8 concurrent clients: once with the typed protocol calls, once through libpam and the
# built module (--pam). Not timed: it checks that no decision was refused,
# that every verdict was the one expected (the generator checks each reply: OK for a right
# code, DENIED with exactly deny - failures remaining for a wrong one), and, independently,
# that the broker's audit log holds exactly one `auth` record per decision sent: `allow` for
# each right code and `deny` with reason `bad_otp` for each wrong one (R-LOGIN-1, R-LOG-1).
# Needs root (77: skipped): the broker answers PREAUTH/AUTH_* only from root peers.
# Under tests/pg/with-pg.sh (integration_bench_decisions_smoke_pg) the broker's store is a new
# PostgreSQL database for each run (tests/pg/store.sh), given with --store.
set -euo pipefail
: "${SK_BENCH_DECISIONS:?}"
# shellcheck source=../pg/store.sh
. "$(dirname "$0")/../pg/store.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-decisions-XXXXXX")
cleanup() { rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- output:" >&2; cat "$dir/out" "$dir/err" >&2 || true; exit 1; }

check() {
	local mode=$1 rc=0 right=0 wrong=0 phases=0 kept log allow deny deny_all wr ww
	shift
	sk_store_new
	"$SK_BENCH_DECISIONS" "$@" --store "$sk_store" -u 24 -c 1:24 -c 8:64 -f 10 -d "$dir" -k >"$dir/out" 2>"$dir/err" || rc=$?
	[ "$rc" = 0 ] || fail "bench_decisions $* exited $rc"

	# The generator's own account, per phase.
	while read -r _ clients _ r _ w _ refused _ unexpected; do
		[ "$refused" = 0 ] || fail "$clients clients: $refused decisions refused"
		[ "$unexpected" = 0 ] || fail "$clients clients: $unexpected unexpected verdicts"
		right=$((right + r)) wrong=$((wrong + w)) phases=$((phases + 1))
	done < <(grep -E '^phase [0-9]+:' "$dir/err" | tr -d ':')
	[ "$phases" = 2 ] || fail "expected 2 phases, saw $phases"
	read -r _ _ wr _ ww < <(grep -E '^warm-up:' "$dir/err" | tr -d ':')
	[ $((right + wrong)) = $((24 + 64)) ] || fail "right $right + wrong $wrong is not 88 decisions"
	right=$((right + wr)) wrong=$((wrong + ww))
	[ "$right" -gt 0 ] && [ "$wrong" -gt 0 ] || fail "the mix lacks right or wrong codes"

	# The table says the same.
	grep -qE '^\| 1 \| 24 \| 0 \| 0 \|' "$dir/out" || fail "table row for 1 client"
	grep -qE '^\| 8 \| 64 \| 0 \| 0 \|' "$dir/out" || fail "table row for 8 clients"

	# The broker's audit log: one record per decision, each with the expected result.
	kept=$(sed -n 's/^kept //p' "$dir/err")
	[ -n "$kept" ] && [ -f "$kept/log/audit.jsonl" ] || fail "no kept folder"
	log=$kept/log/audit.jsonl
	allow=$(grep -c '"event":"auth","user":"load[0-9]*","result":"allow"' "$log" || true)
	deny=$(grep '"event":"auth","user":"load[0-9]*","result":"deny"' "$log" | grep -c '"reason":"bad_otp"' || true)
	deny_all=$(grep -c '"event":"auth","user":"load[0-9]*","result":"deny"' "$log" || true)
	[ "$allow" = "$right" ] || fail "audit: $allow allow records for $right right codes"
	[ "$deny" = "$wrong" ] || fail "audit: $deny bad_otp denies for $wrong wrong codes"
	[ "$deny_all" = "$wrong" ] || fail "audit: $deny_all denies in all for $wrong wrong codes"
	! grep -q '"lockout":true' "$log" || fail "audit: an account was locked"
	rm -rf "$kept"
	echo "PASS ($mode): $right right and $wrong wrong decisions, none refused, each verdict and audit record as expected"
}

check protocol
check pam --pam
