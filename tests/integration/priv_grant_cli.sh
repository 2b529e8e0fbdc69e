#!/usr/bin/env bash
# The whole path of a privileged grant through the real CLI and a real sudo (issue 9;
# R-SOD-1, R-PRIV-7): the holder skpriv requests a grant of role ops with `sekimori grant
# request` in their own admin session, a second administrator (approver, holding the
# approving role ciso) approves it with `sekimori grant approve` in theirs (both sessions by
# `sekimori admin login` with password and TOTP); the holder's sudo then works; `sekimori
# grant revoke` ends the holder's live sudo session, every process of it, at once (the figure
# is printed), and sudo is refused afterwards. The set-up is priv_lib.sh's.
# A sanitizer-built module cannot be loaded by setuid sudo: skipped (77).
set -euo pipefail
PRIV_OPS_EXTRA="approver_role = ciso"
PRIV_CISO=approver
. "$(dirname "$0")/priv_lib.sh"

add_admin_user approver
# An admin session per person: the CLI keeps its token in $XDG_RUNTIME_DIR.
as_admin() { local who=$1; shift; XDG_RUNTIME_DIR="$dir/run-$who" cli "$@"; }
mkdir -p -m 700 "$dir/run-$user" "$dir/run-approver"
answers | as_admin "$user" admin login --user "$user" > "$dir/out" 2>&1 || fail "holder's admin login"
grep -q "Admin session for $user" "$dir/out" || fail "no admin session for the holder"
# The approver's next TOTP step (enrolment used the current one; the window is 10 steps).
printf '%s\n%s\n' "$pw_approver" \
	"$(oathtool --totp -b -N "@$(( ($(date +%s) / 30 + 1) * 30 + 1 ))" "$seed_approver")" |
	as_admin approver admin login --user approver > "$dir/out" 2>&1 || fail "approver's admin login"
grep -q "Admin session for approver" "$dir/out" || fail "no admin session for the approver"
ok

# 1. Request and approval through the CLI.
as_admin "$user" grant request --role ops --minutes 30 --reason "cli end-to-end" \
	> "$dir/out" 2>&1 || fail "grant request"
grep -q ': pending' "$dir/out" || fail "the request is not pending"
gid=$(sed -n 's/^[^0-9]*\([0-9][0-9]*\).*: pending.*/\1/p' "$dir/out" | head -n 1)
[ -n "$gid" ] || fail "no grant id in the request's output"
[ "$(db "SELECT state FROM grants WHERE id = $gid;")" = 0 ] || fail "grant $gid not pending in the store"
# Nobody approves their own request (R-SOD-1).
as_admin "$user" grant approve "$gid" > "$dir/out" 2>&1 && fail "the holder approved their own grant"
grep -q 'nobody may approve' "$dir/out" || fail "no self-approval refusal"
as_admin approver grant approve "$gid" > "$dir/out" 2>&1 || fail "grant approve"
grep -q ': active' "$dir/out" || fail "the approved grant is not active"
[ "$(db "SELECT state || ' ' || requester || ' ' || approver1 FROM grants WHERE id = $gid;")" = \
	"2 $user approver" ] || fail "the store does not show grant $gid active, approved by approver"
[ "$(audit '"grant.activated".*"admin":"approver"')" -ge 1 ] || fail "the approval was not audited"
ok

# 2. The holder's real sudo works under it, and role list shows the holder's last use
# (R-PRIV-1): none before, the login's time after.
cli --json role list | tr -d " \n" > "$dir/out" || fail "role list"
grep -q "\"user\":\"$user\"[^}]*\"last_use\":\"\"" "$dir/out" || fail "a last use before any login"
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -u > "$dir/out" 2>&1 || fail "sudo with the approved grant"
grep -Eq '(^|: )0$' "$dir/out" || fail "the command did not run as root"
[ "$(audit "\"privileged_login\".*\"allow\".*\"grant\":$gid")" -ge 1 ] || fail "no allow audit naming grant $gid"
cli --json role list | tr -d " \n" > "$dir/out" || fail "role list"
grep -q "\"user\":\"$user\"[^}]*\"last_use\":\"$(date -u +%Y-%m-%d)T" "$dir/out" ||
	fail "role list does not show the holder's last use"
ok

# 3. A live sudo session; the approver revokes the grant: every process gone at once.
answers > "$dir/ans"
live_session
t0=$(now_ms)
as_admin approver grant revoke "$gid" > "$dir/out" 2>&1 || fail "grant revoke"
t=$(gone_at 5000)
[ "$t" != never ] || fail "the revoke left the live sudo session running"
echo "sekimori grant revoke -> last process of the live sudo session gone: $(( t - t0 )) ms"
[ "$(audit '"session_order".*"grant_revoked"')" -ge 1 ] || fail "no order for the revoke"
[ "$(db "SELECT state FROM grants WHERE id = $gid;")" = 4 ] || fail "grant $gid not revoked in the store"
ok

# 4. sudo is refused afterwards.
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -u > "$dir/out" 2>&1 && fail "sudo ran after the revoke"
grep -q 'no active grant' "$dir/out" || fail "no refusal after the revoke"
ok
echo "priv_grant_cli: $checks passed, 0 failed"
