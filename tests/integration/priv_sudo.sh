#!/usr/bin/env bash
# Privileged sessions through a real sudo (issue 9, items 3, 4 and 10): sudo's pam.d file and
# a sudoers drop-in that this test writes, a test user in /etc/passwd and /etc/group, all bind-
# mounted inside a private mount namespace (unshare -m), so nothing is left under /etc even if
# the test is killed. Requirement IDs: R-PRIV-7, R-INC-1, R-MFA-4.
#
#   1. sudo is refused without a grant (after a correct password and TOTP code).
#   2. The account phase alone (sudo's timestamp cache: no authentication in this sudo) is
#      refused even with a grant; with timestamp_timeout=0 sudo never skips authentication.
#   3. With an active grant sudo runs the command, with the role's unix group (skops) among
#      its supplementary groups (pam_sm_setcred, R-PRIV-1); a grant naming a group this host
#      lacks adds none of its groups (R-PRIV-2: fail closed, never more).
#   4. A live sudo session (sudo, sh, two sleeps, one of them double-forked into its own
#      process session) is gone within 1 s of the grant's end: the figure is printed.
#   5. After the grant's end sudo is refused again.
#   6. The deadline warning reaches the session's terminal (sudo under script(1)).
#   7. `sekimori user lock --all-privileged` ends a live session at once and locks its user.
#   8. `sekimori user lock USER` ends that user's live session at once.
#  10. `sekimori grant revoke ID` ends the grant's live session at once.
#   9. A privileged session on a terminal with no input for the profile's idle_timeout (30 s)
#      is ended (the kernel moves a terminal's last input time in 8-second steps, so the end
#      may come up to 7 s early).
#
# The grants are written into the store with SQL (priv_lib.sh's db) as an approved request
# leaves them (state active, starts, ends, services): the grant requests and approvals have
# their own tests; this one is about what a grant does at login and at its end.
# A sanitizer-built module cannot be loaded by setuid sudo (no LD_PRELOAD there): skipped (77).
set -euo pipefail
# The role ops adds the group skops to the session; grant() writes it unless told otherwise.
PRIV_OPS_EXTRA="groups = skops"
PRIV_GRANT_GROUPS=skops
. "$(dirname "$0")/priv_lib.sh"

# 1. No grant: refused after a correct password and code.
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S -k id -u > "$dir/out" 2>&1 && fail "sudo without a grant ran"
grep -q 'no active grant' "$dir/out" || fail "no refusal message"
[ "$(audit '"privileged_login".*"deny".*"no_grant"')" -ge 1 ] || fail "no audit of no_grant"
ok

# 2. The account phase without this transaction's authentication: a cached sudo timestamp
# skips pam_authenticate; the broker refuses the account phase (no ticket), grant or not.
grant $(( $(date +%s) + 600 ))
sudoers 15
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -u > "$dir/out" 2>&1 || fail "sudo with a grant (caching)"
grep -Eq '(^|: )0$' "$dir/out" || fail "the command did not run as root"
as_user sudo -n id -u > "$dir/out" 2>&1 && fail "sudo's timestamp cache bypassed the MFA"
grep -q 'multi-factor authentication in this same login' "$dir/out" ||
	fail "no fresh-MFA refusal"
[ "$(audit '"privileged_login".*"deny".*"no_fresh_mfa"')" -ge 1 ] || fail "no audit"
# With timestamp_timeout=0 there is nothing cached: -n cannot run without asking.
sudoers 0
as_user sudo -n id -u > "$dir/out" 2>&1 && fail "sudo -n ran with timestamp_timeout=0"
ok

# 3. With the grant, sudo runs the command, and the login is audited with role and grant.
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -u > "$dir/out" 2>&1 || fail "sudo with a grant"
grep -Eq '(^|: )0$' "$dir/out" || fail "the command did not run as root"
[ "$(audit '"privileged_login".*"allow".*"role":"ops"')" -ge 2 ] || fail "no allow audit"
ok
# The grant's group is added for the session (pam_sm_setcred), and only inside it.
as_user id -Gn | grep -qw skops && fail "the test user has skops outside sudo"
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -Gn > "$dir/out" 2>&1 || fail "sudo id -Gn"
grep -Eq '(^|[ :])skops( |$)' "$dir/out" || fail "the role's group skops is not in the session"
ok
db "UPDATE grants SET state = 4, ended_at = $(date +%s) WHERE state = 2;"
# A grant that names a group this host lacks: none of its groups is added (no skops either).
grant $(( $(date +%s) + 600 )) 'skops sknosuchgroup'
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -Gn > "$dir/out" 2>&1 || true
grep -qw skops "$dir/out" && fail "a grant with an unknown group still added skops"
echo "unknown group in the grant: $(tail -n 1 "$dir/out")"
ok
db "UPDATE grants SET state = 4, ended_at = $(date +%s) WHERE state = 2;"

# 4. The grant ends: every process of the live session is gone within 1 s.
answers > "$dir/ans"
ends=$(( $(date +%s) + 8 ))
grant "$ends"
live_session
t=$(gone_at 20000)
[ "$t" != never ] || fail "the session outlived its grant by 20 s"
late=$(( t - ends * 1000 ))
echo "grant end -> last process of the sudo session gone: ${late} ms"
[ "$late" -ge 0 ] || fail "the session ended ${late} ms before its grant's end"
[ "$late" -lt 1000 ] || fail "the session ended ${late} ms after its grant's end (limit 1000)"
wait "$sudo_pid" 2>/dev/null || true
[ "$(audit '"session_order".*"end".*"grant_expired"')" -ge 1 ] || fail "no order audited"
ok

# 5. After the grant's end: refused again.
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -u > "$dir/out" 2>&1 && fail "sudo ran after the grant's end"
grep -q 'no active grant' "$dir/out" || fail "no refusal after the end"
ok

# 6 and 7. A session on a terminal (script(1) gives sudo one): the warning comes a minute
# before the deadline (privileged_warn_minutes = 1); then lock --all-privileged ends it.
answers > "$dir/ans"
grant $(( $(date +%s) + 64 ))
# A sudo session on a terminal: script(1) runs as root (it writes the typescript here), sudo
# inside it as the user. Each answer only once its prompt is on the terminal: sudo flushes
# typed-ahead input when it turns echo off. Sets $pids.
terminal_session() {
	rm -f "$dir/pids" "$dir/typescript"
	cp "$dir/ans" "$dir/answers"
	{ prompted 'password for'; sleep 0.2; head -n 1 "$dir/answers"; prompted 'One-time code'
		sleep 0.2; tail -n 1 "$dir/answers"
		# The terminal stays open (no EOF) until the test's folder is gone.
		for _ in $(seq 240); do [ -d "$dir" ] || break; sleep 0.5; done; } | script -qfec "setpriv \
		--reuid=$uid --regid=$uid --clear-groups -- sudo -S sh -c 'sleep 300 & \
		echo \$! > $dir/pids; wait'" "$dir/typescript" > /dev/null 2>&1 &
	bg+=("$!")
	for _ in $(seq 400); do [ -s "$dir/pids" ] && break; sleep 0.025; done
	[ -s "$dir/pids" ] || { cp "$dir/typescript" "$dir/out" 2>/dev/null || true
		fail "the terminal session did not start"; }
	pids="$(cat "$dir/pids") "
}
prompted() { for _ in $(seq 400); do grep -q "$1" "$dir/typescript" 2>/dev/null && return 0
	sleep 0.025; done; return 0; }
terminal_session
for _ in $(seq 600); do grep -q 'privileged access ends at' "$dir/typescript" && break; sleep 0.05; done
grep -q 'Your privileged access ends at' "$dir/typescript" || fail "no warning on the terminal"
[ "$(audit '"deadline_warning_shown"')" -ge 1 ] || fail "the warning was not audited"
ok
t0=$(now_ms)
cli user lock --all-privileged > "$dir/out" 2>&1 || fail "lock --all-privileged"
grep -q '^1 privileged sessions ended' "$dir/out" || fail "lock --all-privileged count"
t=$(gone_at 5000)
[ "$t" != never ] || fail "lock --all-privileged left the session running"
echo "lock --all-privileged -> last process gone: $(( t - t0 )) ms"
[ "$(audit '"admin.user_lock".*"all_privileged"')" -ge 1 ] || fail "its user was not locked"
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -u > "$dir/out" 2>&1 && fail "a locked user ran sudo"
cli user unlock "$user" > /dev/null || fail "unlock"
# The lock ended the grant too: unlocked, the user is still refused.
[ "$(db "SELECT count(*) FROM grants WHERE state = 2;")" = 0 ] || fail "a grant survived the lock"
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -u > "$dir/out" 2>&1 && fail "sudo ran on a grant the lock ended"
grep -q 'no active grant' "$dir/out" || fail "no refusal after the lock"
ok

# 8. sekimori user lock USER ends that user's live privileged session at once (the lock of
# step 7 ended the user's grants: a new one).
answers > "$dir/ans"
grant $(( $(date +%s) + 600 ))
live_session
t0=$(now_ms)
cli user lock "$user" > "$dir/out" 2>&1 || fail "user lock"
t=$(gone_at 5000)
[ "$t" != never ] || fail "user lock left the privileged session running"
echo "user lock -> last process gone: $(( t - t0 )) ms"
[ "$(audit '"session_order".*user_locked"')" -ge 1 ] || fail "no order for the lock"
ok
cli user unlock "$user" > /dev/null || fail "unlock"

# 10. An early revoke (the real CLI, root's recovery role) ends the grant's live session.
answers > "$dir/ans"
grant $(( $(date +%s) + 600 ))
gid=$(db "SELECT max(id) FROM grants;")
live_session
t0=$(now_ms)
cli grant revoke "$gid" > "$dir/out" 2>&1 || fail "grant revoke"
t=$(gone_at 5000)
[ "$t" != never ] || fail "the revoke left the privileged session running"
echo "grant revoke -> last process gone: $(( t - t0 )) ms"
[ "$(audit '"session_order".*"grant_revoked"')" -ge 1 ] || fail "no order for the revoke"
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -u > "$dir/out" 2>&1 && fail "sudo ran after the revoke"
ok

# 9. Idle: no input on the session's terminal for idle_timeout (30 s) ends it.
db "UPDATE grants SET state = 4, ended_at = $(date +%s) WHERE state = 2;"
answers > "$dir/ans"
grant $(( $(date +%s) + 600 ))
terminal_session
t0=$(now_ms)
t=$(gone_at 60000)
[ "$t" != never ] || fail "the idle privileged session was not ended"
idle_s=$(( (t - t0) / 1000 ))
echo "idle privileged session ended ${idle_s} s after its login (idle_timeout 30 s)"
[ "$idle_s" -ge 21 ] || fail "ended after ${idle_s} s, before its idle limit"
[ "$(audit '"idle_timeout_end"')" -ge 1 ] || fail "the idle end was not audited"
ok
echo "priv_sudo: $checks passed, 0 failed"
