#!/usr/bin/env bash
# Issue 10 through a real sudo and the real CLI (R-LIFE-2, R-LIFE-4, R-SOD-1): the holder
# skpriv of role ops (tied to department D-OPS by `departments =`), linked to staff number
# 80001, holds a grant approved in the CLI and has a live sudo session; an HR transfer to
# another department, imported with `sekimori hr import`, revokes the grant and ends every
# process of the live session at once (the figure is printed), audited with the HR file's
# hash; afterwards the holder holds ops no more. The same person, as a plain user at the
# terminal (their own uid, no admin session; socket_group lets them reach the socket), asks
# for their TOTP to be removed; they cannot confirm it in their own admin session; another
# administrator confirms it and the TOTP is gone. The set-up is priv_lib.sh's.
# A sanitizer-built module cannot be loaded by setuid sudo: skipped (77).
set -euo pipefail
PRIV_OPS_EXTRA="departments = D-OPS
approver_role = ciso"
PRIV_BROKER_EXTRA="socket_group = skpriv"
PRIV_CISO=approver
. "$(dirname "$0")/priv_lib.sh"

add_admin_user approver
as_admin() { local who=$1; shift; XDG_RUNTIME_DIR="$dir/run-$who" cli "$@"; }
# The holder as a plain user: their own uid and group, no admin session.
as_plain() { as_user env LC_ALL=C XDG_RUNTIME_DIR=/nonexistent "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }
mkdir -p -m 700 "$dir/run-$user" "$dir/run-approver"
answers | as_admin "$user" admin login --user "$user" > "$dir/out" 2>&1 || fail "holder's admin login"
printf '%s\n%s\n' "$pw_approver" \
	"$(oathtool --totp -b -N "@$(( ($(date +%s) / 30 + 1) * 30 + 1 ))" "$seed_approver")" |
	as_admin approver admin login --user approver > "$dir/out" 2>&1 || fail "approver's admin login"
grep -q "Admin session for approver" "$dir/out" || fail "no admin session for the approver"
ok

hr_file() {   # hr_file NAME DEPT DATE: a transfer of 80001 (generated data)
	printf '%s\n%s\n' "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分" \
		"80001,生成80001,セイセイ,$2,係員,,$3,異動" > "$dir/$1"
}

# 1. The holder is linked to HR and moved into D-OPS (from no department: nothing revoked).
as_admin approver user set-staff "$user" --staff 80001 > "$dir/out" 2>&1 || fail "user set-staff"
hr_file hr-in.csv D-OPS 2025-04-01
as_admin approver hr import "$dir/hr-in.csv" > "$dir/out" 2>&1 || fail "hr import into D-OPS"
[ "$(db "SELECT hr_dept FROM users WHERE name = '$user';")" = D-OPS ] || fail "not in D-OPS"
ok

# 2. A grant through the CLI, listed by the access review with the holder.
as_admin "$user" grant request --role ops --minutes 30 --reason "hr transfer test" \
	> "$dir/out" 2>&1 || fail "grant request"
gid=$(sed -n 's/^[^0-9]*\([0-9][0-9]*\).*: pending.*/\1/p' "$dir/out" | head -n 1)
[ -n "$gid" ] || fail "no grant id"
as_admin approver grant approve "$gid" > "$dir/out" 2>&1 || fail "grant approve"
grep -q ': active' "$dir/out" || fail "the grant is not active"
as_admin approver --json review access | tr -d ' \n' > "$dir/out" || fail "review access"
grep -q "{\"id\":$gid,\"role\":\"ops\",\"user\":\"$user\"" "$dir/out" || fail "the grant is not listed"
grep -q "{\"role\":\"ops\",\"user\":\"$user\",\"via\":\"config\",\"delegation\":0,\"holds\":true" \
	"$dir/out" || fail "the holder is not listed as holding ops"
as_admin approver review access > "$dir/out" || fail "review access (table)"
grep -q "Active grants: 1" "$dir/out" || fail "no table of active grants"
ok

# 3. A live sudo session; the transfer out of D-OPS ends it at once.
answers > "$dir/ans"
live_session
hr_file hr-out.csv D-PAY 2025-05-01
sha=$(sha256sum "$dir/hr-out.csv" | cut -c1-64)
t0=$(now_ms)
as_admin approver hr import "$dir/hr-out.csv" > "$dir/out" 2>&1 || fail "hr import of the transfer"
t=$(gone_at 5000)
[ "$t" != never ] || fail "the transfer left the live sudo session running"
echo "HR transfer import -> last process of the live sudo session gone: $(( t - t0 )) ms"
[ "$(db "SELECT state || ' ' || end_cause FROM grants WHERE id = $gid;")" = "4 hr_transfer" ] ||
	fail "grant $gid not revoked by the transfer"
[ "$(audit "\"hr.transfer_revoked\".*\"hr_file\":\"$sha\".*\"kind\":\"grant\".*\"id\":$gid")" = 1 ] ||
	fail "no audit record of the grant's revocation with the file's hash"
[ "$(audit "\"hr.transfer_revoked\".*\"hr_file\":\"$sha\".*\"kind\":\"holder\"")" = 1 ] ||
	fail "no audit record of the holding's end"
[ "$(audit '"session_order".*"grant_hr_transfer"')" -ge 1 ] || fail "no session order for the transfer"
[ "$(db "SELECT disabled FROM users WHERE name = '$user';")" = 0 ] || fail "the account was not kept"
ok

# 4. No sudo afterwards, and the holder holds ops no more.
answers > "$dir/ans"; cat "$dir/ans" | as_user sudo -S id -u > "$dir/out" 2>&1 && fail "sudo ran after the transfer"
as_admin "$user" grant request --role ops --minutes 5 --reason again > "$dir/out" 2>&1 &&
	fail "a holder outside D-OPS requested ops"
grep -q 'you do not hold this role' "$dir/out" || fail "no not-holder refusal"
ok

# 5. Self-service as a plain user; not confirmed by the requester; confirmed by another.
as_plain request removal totp --reason "phone replaced" > "$dir/out" 2>&1 || fail "request removal as the user"
rid=$(sed -n 's/^Removal request \([0-9][0-9]*\) recorded.*/\1/p' "$dir/out")
[ -n "$rid" ] || fail "no request id"
[ "$(audit "\"removal.requested\".*\"user\":\"$user\".*\"uid\":$uid")" = 1 ] || fail "the request was not audited"
as_plain request confirm "$rid" > "$dir/out" 2>&1 && fail "a plain user confirmed a request"
as_admin "$user" request confirm "$rid" > "$dir/out" 2>&1 && fail "the requester confirmed their own request"
grep -q 'nobody may confirm or refuse their own removal request' "$dir/out" || fail "no own-request refusal"
[ "$(db "SELECT count(*) FROM totp WHERE user_id = (SELECT id FROM users WHERE name = '$user');")" = 1 ] ||
	fail "the TOTP went before the confirmation"
as_admin approver request list > "$dir/out" 2>&1 || fail "request list"
grep -q "phone replaced" "$dir/out" || fail "the request is not listed"
as_admin approver request confirm "$rid" > "$dir/out" 2>&1 || fail "request confirm"
[ "$(db "SELECT count(*) FROM totp WHERE user_id = (SELECT id FROM users WHERE name = '$user');")" = 0 ] ||
	fail "the TOTP was not removed"
[ "$(audit "\"removal.confirmed\".*\"user\":\"$user\".*\"decided_by\":\"approver\"")" = 1 ] ||
	fail "the confirmation was not audited"
ok
echo "priv_hr_review: $checks passed, 0 failed"
