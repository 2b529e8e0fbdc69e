#!/usr/bin/env bash
# The enrolment day of the operator guide (doc/operator-guide.md chapter 4, the same in
# doc/ja/operator-guide.md), run as the guide writes it against a real broker with the
# shipped sekimori.conf, pamtester under pam_wrapper as the terminal: root sets up the first
# administrator (recovery), who changes the temporary password at a first login, then works
# under their own uid (here the system account `nobody`, a member of admin_group):
# admin login, user add with a temporary password, totp enroll, the user's first login with
# the forced change, user show/list, reset-password, lock/unlock, admin logout. Each message
# the guide quotes is checked, and so are the audit records chapter 9 explains.
# Also the root-shell way (XDG_RUNTIME_DIR set) and what happens under sudo without it.
# Needs root (77: skipped). Requirement IDs: R-ID-1, R-CRED-1, R-MFA-1, R-LOG-1.
set -euo pipefail
: "${SK_SEKIMORID:?}" "${SK_CLI:?}" "${SK_BINARY_DIR:?}" "${SK_SOURCE_DIR:?}" "${SK_PAM_MODULE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v pamtester >/dev/null && command -v oathtool >/dev/null &&
	command -v setpriv >/dev/null || { echo "SKIP: pamtester, oathtool or setpriv missing"; exit 77; }
admin=nobody
admin_gid=$(id -g "$admin")
admin_group=$(getent group "$admin_gid" | cut -d: -f1)

dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-guide-XXXXXX")
chmod 755 "$dir"
broker=
cleanup() {
	local rc=$?
	if [ -n "$broker" ]; then
		kill "$broker" 2>/dev/null || true
		wait "$broker" 2>/dev/null || true
	fi
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- last output:" >&2; cat "$dir/out" >&2 || true;
	echo "--- broker log:" >&2; tail -20 "$dir/broker.log" >&2 || true; exit 1; }
has() { grep -qF -- "$1" "$dir/out" || fail "output lacks: $1"; }
# The shipped configuration with the state in this folder and English messages; the
# administrators' group is the group of the account that plays the administrator.
# The store: state/sekimori.db, or a database of its own under tests/pg/with-pg.sh.
. "$SK_SOURCE_DIR/tests/pg/store.sh"
sk_store_new || fail "no store"
sed -e "s#^socket = .*#socket = sekimorid.sock#" \
    -e "s#^store = .*#store = ${sk_store//&/\\&}#" \
    -e "s#^audit_log = .*#audit_log = log/audit.jsonl#" \
    -e "s#^audit_anchor = .*#audit_anchor = state/audit.anchor#" \
    -e "s#^key_dir = .*#key_dir = keys#" \
    -e "s#^admin_group = .*#admin_group = $admin_group#" \
    -e "s#^language = .*#language = C\nlocale_dir = $SK_BINARY_DIR/locale#" \
    "$SK_SOURCE_DIR/conf/sekimori.conf" > "$dir/sekimori.conf"
chmod 644 "$dir/sekimori.conf"
mkdir -p "$dir/pam.d"
for phase in auth account password session; do
	echo "$phase required $SK_PAM_MODULE profile=mynumber conf=$dir/sekimori.conf"
done > "$dir/pam.d/login"
printf '%s required pam_deny.so\n' auth account password session > "$dir/pam.d/other"
log=$dir/log/audit.jsonl

"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2> "$dir/broker.log" &
broker=$!
for _ in $(seq 200); do [ -S "$dir/sekimorid.sock" ] && break; sleep 0.05; done
[ -S "$dir/sekimorid.sock" ] || fail "broker did not start"

# root without a session token file anywhere it would look
root_cli() { env -u XDG_RUNTIME_DIR LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }
# the administrator under their own uid, with their own runtime folder
install -d -o "$admin" -m 0700 "$dir/run-admin"
admin_cli() {
	XDG_RUNTIME_DIR=$dir/run-admin LC_ALL=C setpriv --reuid="$admin" --regid="$admin_gid" \
		--init-groups "$SK_CLI" -c "$dir/sekimori.conf" "$@"
}
preload=libpam_wrapper.so
case "$(ldd "$SK_PAM_MODULE")" in
*libasan*) preload="$(gcc -print-file-name=libasan.so) $preload" ;;
esac
pam() {
	LD_PRELOAD="$preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" \
	PAM_WRAPPER_DISABLE_DEEPBIND=1 ASAN_OPTIONS=detect_leaks=0 TMPDIR="$dir" \
		pamtester -v login "$@"
}
temp_of() { grep -F 'Temporary password (shown only now' "$dir/out" | sed 's/.* //'; }
# A code of the next time step: the profile accepts one step either side, and each code once.
next_step() { sleep $((30 - $(date +%s) % 30 + 1)); }
code() { oathtool --totp -b -N "@$(( $(date +%s) + ${2:-0} ))" "$1"; }
last() { grep "\"event\":\"$1\"" "$log" | tail -1; }

# 4.1 The first administrator, by root without a session (recovery).
root_cli user add "$admin" --profile privileged > "$dir/out" || fail "recovery user add"
has "User added."
atemp=$(temp_of)
[ ${#atemp} -eq 16 ] || fail "temporary password of 16 characters"
aseed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
root_cli totp enroll "$admin" --secret "$aseed" --code "$(code "$aseed")" > "$dir/out" ||
	fail "recovery totp enroll"
has "TOTP token enrolled."
last admin.totp_enroll_confirm | grep -q '"role":"recovery"' || fail "recovery not recorded"
# Root without a session may not add staff.
if root_cli user add tanaka01 --profile mynumber > "$dir/out" 2>&1; then fail "root added staff"; fi
has "root without an admin session may only do recovery"
last admin.refused | grep -q '"request":"user_add"' || fail "admin.refused request"
# admin login refuses the temporary password.
printf '%s\n%s\n' "$atemp" "$(code "$aseed" 30)" | admin_cli admin login > "$dir/out" 2>&1 &&
	fail "admin login with a temporary password"
has "the password is temporary or expired: change it by logging in first"
last admin.login | grep -q '"reason":"password_change_required"' || fail "admin.login reason"
# The administrator's first login: the temporary password must be changed.
apw='Kanri-Hikari-2026x#'
next_step
printf '%s\n%s\n' "$atemp" "$(code "$aseed" 30)" | pam "$admin" authenticate acct_mgmt \
	> "$dir/out" 2>&1 && fail "a temporary password was not forced to change"
has "You are logging in with a temporary password. You must change it now."
printf '%s\n%s\n%s\n' "$atemp" "$apw" "$apw" | pam "$admin" chauthtok > "$dir/out" 2>&1 ||
	fail "the administrator's password change"
has "Your password has been changed."

# 4.2 admin login under the administrator's own uid (no sudo).
admin_cli user list > "$dir/out" 2>&1 && fail "user list without a session"
next_step
printf '%s\n%s\n' "$apw" "$(code "$aseed" 30)" | admin_cli admin login > "$dir/out" 2>&1 ||
	fail "admin login"
has "Admin session for $admin."
has "expires: "
admin_cli admin whoami > "$dir/out" || fail "admin whoami"
has "Admin session for $admin."

# 4.3 Adding the staff: a temporary password, shown once.
admin_cli user add tanaka01 --profile mynumber > "$dir/out" || fail "user add"
has "User added."
temp=$(temp_of)
[ ${#temp} -eq 16 ] || fail "temporary password of 16 characters"
last admin.user_add | grep -q "\"admin\":\"$admin\"" || fail "user_add not under the admin"
last admin.user_add | grep -q '"profile":"mynumber"' || fail "user_add profile"
admin_cli user add tanaka01 --profile mynumber > "$dir/out" 2>&1 && fail "a second user add"

# 4.4 TOTP: the URI, the code read from standard input, "TOTP token enrolled."
mkfifo "$dir/enroll.in"
admin_cli totp enroll tanaka01 < "$dir/enroll.in" > "$dir/enroll.out" 2>&1 &
enroll=$!
exec 3> "$dir/enroll.in"
for _ in $(seq 200); do grep -q 'otpauth://' "$dir/enroll.out" && break; sleep 0.05; done
grep -qF 'Add this token to the authenticator (shown only now):' "$dir/enroll.out" ||
	{ exec 3>&-; cp "$dir/enroll.out" "$dir/out"; fail "no enrolment text"; }
seed=$(grep -o 'secret=[A-Z2-7]*' "$dir/enroll.out" | cut -d= -f2)
grep -q 'issuer=Sekimori&algorithm=SHA1&digits=6&period=30' "$dir/enroll.out" ||
	{ exec 3>&-; fail "URI parameters"; }
code "$seed" >&3
exec 3>&-
wait "$enroll" || { cp "$dir/enroll.out" "$dir/out"; fail "totp enroll"; }
cp "$dir/enroll.out" "$dir/out"
has "TOTP token enrolled."

# 4.6 The first login and the forced change; the enrolment code cannot log in again.
printf '%s\n%s\n' "$temp" "$(code "$seed")" | pam tanaka01 authenticate > "$dir/out" 2>&1 &&
	fail "the enrolment code was accepted again"
last auth | grep -q '"reason":"otp_replayed"' || fail "replayed code not otp_replayed"
printf '%s\n%s\n' "$temp" "$(code "$seed" 30)" | pam tanaka01 authenticate acct_mgmt \
	> "$dir/out" 2>&1 && fail "a temporary password was not forced to change"
has "この端末はマイナンバー利用事務系です。権限のない利用は禁止されています。"
has "You are logging in with a temporary password. You must change it now."
last auth | grep -q '"result":"allow"' || fail "auth allow"
last auth | grep -q '"classes":"knowledge,possession"' || fail "auth classes"
# a new password with the user name in it is refused and asked for again
printf '%s\n%s\n%s\n%s\n%s\n' "$temp" "Tanaka01-Sakura-2026!" "Tanaka01-Sakura-2026!" \
	"Sakura-Hanami-2026!" "Sakura-Hanami-2026!" | pam tanaka01 chauthtok > "$dir/out" 2>&1 ||
	fail "the forced change"
has "The new password must not contain the user name."
has "Your password has been changed."

# 4.5 Checking.
admin_cli user show tanaka01 > "$dir/out" || fail "user show"
has "profile: mynumber"
has "temporary: false"
admin_cli --json user list > "$dir/out" || fail "user list"
grep -q '"user":"tanaka01"' "$dir/out" || fail "user list lacks tanaka01"

# 4.7 Forgotten password and locks.
admin_cli user reset-password tanaka01 > "$dir/out" || fail "reset-password"
has "Password reset."
temp=$(temp_of)
[ ${#temp} -eq 16 ] || fail "reset temporary password"
admin_cli user lock tanaka01 > "$dir/out" || fail "user lock"
has "Locked until an administrator unlocks."
printf 'x\ny\n' | pam tanaka01 authenticate > "$dir/out" 2>&1 && fail "a locked user logged in"
last auth | grep -q '"result":"locked"' || fail "auth locked"
admin_cli user unlock tanaka01 > "$dir/out" || fail "user unlock"
has "Unlocked."

# 4.8 and chapter 9: logout, then the chain.
admin_cli admin logout > "$dir/out" || fail "admin logout"
admin_cli user show tanaka01 > "$dir/out" 2>&1 && fail "a command after logout"
last admin.logout | grep -q "\"user\":\"$admin\"" || fail "admin.logout"
root_cli audit verify > "$dir/out" || fail "audit verify"
has "Audit log intact:"

# The root shell (chapter 5): XDG_RUNTIME_DIR set to a private folder, admin login --user.
rt=$(mktemp -d "$dir/rt-XXXXXX")
next_step
printf '%s\n%s\n' "$apw" "$(code "$aseed" 30)" |
	XDG_RUNTIME_DIR=$rt LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" admin login --user "$admin" \
	> "$dir/out" 2>&1 || fail "admin login in a root shell"
XDG_RUNTIME_DIR=$rt LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" user add sato02 \
	--profile mynumber > "$dir/out" || fail "user add in a root shell"
last admin.user_add | grep -q '"peer":"root"' || fail "root shell peer"
last admin.user_add | grep -q "\"admin\":\"$admin\"" || fail "root shell admin"
XDG_RUNTIME_DIR=$rt LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" admin logout > "$dir/out" ||
	fail "logout in a root shell"
# Under sudo, without XDG_RUNTIME_DIR, the token goes to /run/user/0 (sekimori(1)).
if [ ! -d /run/user/0 ]; then
	next_step
	printf '%s\n%s\n' "$apw" "$(code "$aseed" 30)" | SUDO_USER=$admin root_cli admin login \
		> "$dir/out" 2>&1 && fail "admin login wrote a token into a missing /run/user/0"
	has "sekimori: cannot write the session token to /run/user/0/sekimori-admin-session: No such file or directory"
	last admin.login | grep -q '"result":"ok"' || fail "the broker's side of that login"
fi
root_cli audit verify > "$dir/out" || fail "audit verify at the end"
echo "guide_enrolment: passed"
