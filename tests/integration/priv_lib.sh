# Shared set-up of the privileged-session tests that run a real sudo (sourced by
# priv_sudo.sh, priv_restart.sh and priv_grant_cli.sh): the guards
# (root, tools, no sanitizer-built module: exit 77), a private mount namespace (the calling
# script is run again inside it), the test user skpriv in bind-mounted /etc/passwd and
# /etc/group, sudo's pam.d file through pam_sekimori, a sudoers drop-in, the broker, the
# user's password and TOTP, and the helpers: cli, db, audit, answers, as_user, now_ms, grant,
# live_session, gone_at, logged, start_broker, stop_broker, add_admin_user. The caller may set
# PRIV_OPS_EXTRA (more lines for [role ops]), PRIV_CISO (the ciso role's holders),
# PRIV_EXTRA_CONF (more sections for sekimori.conf), PRIV_BROKER_EXTRA (more [broker] lines)
# and PRIV_GRANT_GROUPS (the groups the
# grant helper writes when it is given none) before sourcing. Also: sudoers TIMEOUT rewrites
# the drop-in with that timestamp_timeout (0 as set up).
: "${SK_PAM_MODULE:?}" "${SK_SEKIMORID:?}" "${SK_CLI:?}" "${SK_BINARY_DIR:?}"
: "${SK_SESSION_AGENT:?}"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (bind mounts over /etc, sudo)"
for t in sudo unshare setpriv oathtool pamtester sqlite3 script; do
	command -v "$t" > /dev/null || skip "$t missing"
done
[ -f /etc/pam.d/sudo ] && [ -d /etc/sudoers.d ] || skip "no /etc/pam.d/sudo or /etc/sudoers.d"
case "$(ldd "$SK_PAM_MODULE")" in
*libasan*) skip "a sanitizer-built module cannot be loaded into setuid sudo" ;;
esac
if [ -z "${SK_PRIV_LIB_NS:-}" ]; then
	exec unshare --mount --propagation private env SK_PRIV_LIB_NS=1 "$0" "$@"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-priv-XXXXXX")
chmod 755 "$dir"
# The store: state/sekimori.db, or a database of its own under tests/pg/with-pg.sh.
. "$SK_SOURCE_DIR/tests/pg/store.sh"
sk_store_new || { echo "FAIL: no store" >&2; rm -rf "$dir"; exit 1; }
broker=
bg=()
cleanup() {
	for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	[ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null
	for m in /etc/sudoers.d /etc/pam.d/sudo /etc/group /etc/passwd; do
		umount "$m" 2>/dev/null || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- last output:" >&2; cat "$dir/out" >&2 || true;
	echo "--- broker log:" >&2; tail -30 "$dir/broker.log" >&2 || true; exit 1; }
checks=0
ok() { checks=$((checks + 1)); }

user=skpriv
uid=4242
cat > "$dir/sekimori.conf" <<CONF
[broker]
socket = sekimorid.sock
store = $sk_store
audit_log = log/audit.jsonl
audit_anchor = state/audit.anchor
key_dir = keys
locale_dir = $SK_BINARY_DIR/locale
language = C
default_profile = admin
admin_profile = admin
privileged_warn_minutes = 1
${PRIV_BROKER_EXTRA:-}
[profile admin]
classes = knowledge, possession
methods = password, totp
totp_window = 10
idle_timeout = 30
[role ops]
services = sudo
holders = $user
max_minutes = 60
${PRIV_OPS_EXTRA:-}
[role ciso]
holders = ${PRIV_CISO:-approver}
${PRIV_EXTRA_CONF:-}
CONF

cp /etc/passwd "$dir/passwd"
cp /etc/group "$dir/group"
echo "$user:x:$uid:$uid:Sekimori privileged test:/nonexistent:/bin/sh" >> "$dir/passwd"
echo "$user:x:$uid:" >> "$dir/group"
# A group a role may add for the session (priv_sudo.sh); the user is not a member of it.
echo "skops:x:$((uid + 1)):" >> "$dir/group"
mkdir -p "$dir/pam.d" "$dir/sudoers.d"
# sudo's PAM service: conf/pam.d/sekimori-sudo, every line as shipped, with the module's
# absolute path, this test's configuration and agent, and the test's privileged profile.
grep '^[a-z]' "$SK_SOURCE_DIR/conf/pam.d/sekimori-sudo" |
	sed -e "s#pam_sekimori\.so#$SK_PAM_MODULE conf=$dir/sekimori.conf session_agent=$SK_SESSION_AGENT#" \
	    -e 's#profile=privileged#profile=admin#' > "$dir/pam.d/sudo"
[ "$(grep -c "$SK_PAM_MODULE" "$dir/pam.d/sudo")" = 3 ] || fail "the sudo example has no three module lines"
# The drop-in: timestamp_timeout=0 makes sudo ask (and so authenticate through PAM) every
# time; a larger TIMEOUT (with the widest cache, global) lets a test try sudo's cache.
sudoers() {
	{
		echo "Defaults:$user timestamp_timeout=$1"
		# sudo's time stamps in this test's folder: none from an earlier run, none left.
		echo "Defaults timestampdir=$dir/ts"
		[ "$1" = 0 ] || echo "Defaults:$user timestamp_type=global"
		echo "$user ALL=(root) ALL"
	} > "$dir/sudoers.d/sekimori-test"
	chmod 0440 "$dir/sudoers.d/sekimori-test"
}
install -d -m 0700 "$dir/ts"
sudoers 0
chmod 0750 "$dir/sudoers.d"
mount --bind "$dir/passwd" /etc/passwd
mount --bind "$dir/group" /etc/group
mount --bind "$dir/pam.d/sudo" /etc/pam.d/sudo
mount --bind "$dir/sudoers.d" /etc/sudoers.d
[ "$(id -u "$user")" = "$uid" ] || fail "the test user is not visible"

start_broker() {
	rm -f "$dir/sekimorid.sock"
	"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2>> "$dir/broker.log" &
	broker=$!
	for _ in $(seq 200); do [ -S "$dir/sekimorid.sock" ] && break; sleep 0.05; done
	[ -S "$dir/sekimorid.sock" ] || fail "broker did not start"
}
stop_broker() {
	kill "$broker"
	wait "$broker" 2>/dev/null || true
	broker=
}
start_broker
cli() { LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }
db() { sk_store_sql "$dir" "$@"; }
audit() { grep -c "$1" "$dir/log/audit.jsonl" || true; }

# A user of admin_profile with password and TOTP: USER; sets pw_USER and seed_USER.
add_admin_user() {
	local u=$1 temp seed pw
	temp=$(cli --json user add "$u" --profile admin |
		sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
	[ -n "$temp" ] || fail "no temporary password for $u"
	seed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
	cli totp enroll "$u" --secret "$seed" --code "$(oathtool --totp -b "$seed")" > "$dir/out" ||
		fail "TOTP enrolment of $u"
	pw="Privileged-Test-2026x-$(head -c 6 /dev/urandom | base32 | tr -d =)"
	printf '%s\n' "account required $SK_PAM_MODULE conf=$dir/sekimori.conf profile=admin" \
		"password required $SK_PAM_MODULE conf=$dir/sekimori.conf profile=admin" \
		> "$dir/pam.d/chpw"
	printf '%s\n%s\n%s\n' "$temp" "$pw" "$pw" | LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" PAM_WRAPPER_DISABLE_DEEPBIND=1 \
		pamtester -v chpw "$u" chauthtok > "$dir/out" 2>&1 || fail "password change of $u"
	printf -v "pw_$u" '%s' "$pw"
	printf -v "seed_$u" '%s' "$seed"
}
add_admin_user "$user"
pw=$pw_skpriv
seed=$seed_skpriv
# Each authentication of the test user uses the next unused TOTP step (the broker refuses a
# step used before), never below the window (totp_window = 10) nor above it (then it waits).
echo $(( $(date +%s) / 30 )) > "$dir/step"
answers() {
	local cur=$(( $(date +%s) / 30 )) step
	step=$(( $(cat "$dir/step") + 1 ))
	[ "$step" -ge $(( cur - 8 )) ] || step=$(( cur - 8 ))
	while [ "$step" -gt $(( cur + 9 )) ]; do sleep 1; cur=$(( $(date +%s) / 30 )); done
	echo "$step" > "$dir/step"
	printf '%s\n%s\n' "$pw" "$(oathtool --totp -b -N "@$(( step * 30 + 1 ))" "$seed")"
}
as_user() { setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@"; }
now_ms() { date +%s%3N; }
grant() {   # grant ENDS_EPOCH [GROUPS]: an active grant of role ops for the test user until then
	db "INSERT INTO grants(role, requester, reason, minutes, state, created, approver1,
	    approved1_at, starts, ends, services, groups) VALUES('ops', '$user', 'test', 60, 2,
	    $(date +%s), 'approver', $(date +%s), $(( $(date +%s) - 1 )), $1, 'sudo',
	    '${2-${PRIV_GRANT_GROUPS:-}}');"
}

# A live sudo session in the background (answers in $dir/ans): sh with two sleeps, one
# double-forked into its own process session. Sets $sudo_pid and $pids.
live_session() {
	rm -f "$dir/pids"
	cat "$dir/ans" | as_user sudo -S sh -c "sleep 300 & echo \$! > $dir/pids;
		setsid sh -c 'sleep 301 & echo \$! >> $dir/pids' & wait" > "$dir/out" 2>&1 &
	sudo_pid=$!
	bg+=("$sudo_pid")
	for _ in $(seq 400); do
		[ -f "$dir/pids" ] && [ "$(wc -l < "$dir/pids")" = 2 ] && break
		kill -0 "$sudo_pid" 2>/dev/null || fail "the sudo session did not start"
		sleep 0.025
	done
	[ "$(wc -l < "$dir/pids")" = 2 ] || fail "the session's processes did not start"
	pids="$(cat "$dir/pids") $(pgrep -P "$sudo_pid" | tr '\n' ' ') "
}
# Waits (at most $1 ms) until every process in $pids is gone; echoes when, or "never".
gone_at() {
	local t=$(( $(now_ms) + $1 )) p alive
	while [ "$(now_ms)" -lt "$t" ]; do
		alive=0
		for p in $pids; do
			[ -r "/proc/$p/stat" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] &&
				alive=1
		done
		[ "$alive" = 0 ] && { now_ms; return 0; }
		sleep 0.005
	done
	echo never
}
# Waits (at most $2 s) until the broker log has $1 at least $3 times (default 1).
logged() {
	local _
	for _ in $(seq $(( $2 * 20 ))); do
		[ "$(grep -c "$1" "$dir/broker.log" || true)" -ge "${3:-1}" ] && return 0
		sleep 0.05
	done
	return 1
}
