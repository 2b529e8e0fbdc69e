#!/usr/bin/env bash
# A live privileged sudo session across a broker restart (issue 9; R-PRIV-7, R-INC-1): the
# session agent registers again with the new broker, naming the grant it was given at login,
# and the broker links the session to that grant again after checking it in the store, so
#   1. `sekimori grant revoke ID` after the restart ends the live session at once;
#   2. a grant revoked while the broker was down ends the session as soon as the agent
#      registers again (cause grant_revoked);
#   3. a grant the store no longer has (as a forged id) or another user's (foreign) is
#      refused: the session is ordered ended at once (cause grant_unknown), never extended.
# The grants are written into the store with SQL (priv_lib.sh's db: sqlite3, or psql on
# PostgreSQL); the set-up is priv_lib.sh's.
# A sanitizer-built module cannot be loaded by setuid sudo: skipped (77).
set -euo pipefail
. "$(dirname "$0")/priv_lib.sh"

# A live session under a fresh grant, then the broker stopped (the caller starts it again);
# sets $gid. The new grant is found by its end, which no earlier grant has (the clock and
# the round only go up), not as the highest id: step 3a moves an id up by 100000, after which
# SQLite numbers on from the highest id and PostgreSQL's identity from its own count.
rounds=0
session_across_restart() {
	local ends
	rounds=$((rounds + 1))
	ends=$(( $(date +%s) + 600 + rounds ))
	answers > "$dir/ans"
	grant "$ends"
	gid=$(db "SELECT id FROM grants WHERE ends = $ends;")
	[ -n "$gid" ] || fail "no grant ending at $ends"
	live_session
	stop_broker
}

# 1. Revoke after a restart.
session_across_restart
start_broker
logged "registered again under grant $gid" 20 || fail "the agent did not register again"
t0=$(now_ms)
cli grant revoke "$gid" > "$dir/out" 2>&1 || fail "grant revoke"
t=$(gone_at 5000)
[ "$t" != never ] || fail "the revoke after a broker restart left the session running"
echo "broker restart, then grant revoke -> last process gone: $(( t - t0 )) ms"
[ "$(audit '"session_order".*"grant_revoked"')" -ge 1 ] || fail "no order for the revoke"
ok

# 2. Revoked while the broker was down.
session_across_restart
db "UPDATE grants SET state = 4, ended_at = $(date +%s) WHERE id = $gid;"
t0=$(now_ms)
start_broker
t=$(gone_at 20000)
[ "$t" != never ] || fail "a grant revoked while the broker was down left its session running"
echo "grant revoked while down -> last process gone $(( t - t0 )) ms after the broker started"
logged "under grant $gid: grant_revoked" 5 || fail "no grant_revoked at registration"
ok

# 3a. The grant the agent names is gone from the store (a forged id).
session_across_restart
db "UPDATE grants SET id = id + 100000 WHERE id = $gid;"
start_broker
t=$(gone_at 20000)
[ "$t" != never ] || fail "a session whose grant id is unknown kept running"
logged "under grant $gid: grant_unknown" 5 || fail "no grant_unknown for an unknown grant"
ok
# 3b. The grant is another user's (foreign).
session_across_restart
db "UPDATE grants SET requester = 'someoneelse' WHERE id = $gid;"
start_broker
t=$(gone_at 20000)
[ "$t" != never ] || fail "a session under another user's grant kept running"
logged "under grant $gid: grant_unknown" 5 || fail "no grant_unknown for a foreign grant"
[ "$(audit '"session_order".*"grant_unknown"')" -ge 2 ] || fail "the orders were not audited"
ok
echo "priv_restart: $checks passed, 0 failed"
