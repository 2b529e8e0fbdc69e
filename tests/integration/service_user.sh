#!/usr/bin/env bash
# sekimorid as an unprivileged user without capabilities, as the unit runs it (User=,
# SupplementaryGroups=, CapabilityBoundingSet= empty): it makes its keys, store and audit
# log as its own, gives its socket to the admin group as a member of it, and a real PAM
# login goes through it; root's `sekimori audit verify` reads keys the broker's user owns,
# but not when others may write to their folder (issue 13, item 2; doc/deployment.md).
# The service user here is `nobody`, the admin group `users` (no account is created).
# Requirement IDs: R-CRED-2, R-MFA-1.
set -euo pipefail
: "${SK_PAM_MODULE:?}" "${SK_SEKIMORID:?}" "${SK_CLI:?}" "${SK_BINARY_DIR:?}"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (to start the broker as another user)"
for t in setpriv pamtester oathtool; do command -v "$t" > /dev/null || skip "$t missing"; done
getent passwd nobody > /dev/null && getent group users > /dev/null && getent group nogroup \
	> /dev/null || skip "no nobody / users / nogroup"
svc_uid=$(id -u nobody)
adm_gid=$(getent group users | cut -d: -f3)

dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-svcuser-XXXXXX")
broker=
cleanup() {
	[ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- last output:" >&2; cat "$dir/out" >&2 || true;
	echo "--- broker log:" >&2; tail -20 "$dir/broker.log" >&2 || true; exit 1; }
checks=0
ok() { checks=$((checks + 1)); }
# The broker's user must reach its folder; the parents of mktemp's folder may be closed.
p=$dir
while [ "$p" != / ]; do
	[ "$(stat -c %a "$(dirname "$p")")" != 700 ] || skip "$(dirname "$p") is closed to nobody"
	p=$(dirname "$p")
done

# Root adds and enrols this test's users in the recovery role, which may set up accounts of
# admin_profile only (sekimori(1) ROLES): they get that profile; the test's subject is not roles.
# The store: state/sekimori.db, or a database of its own under tests/pg/with-pg.sh.
. "$SK_SOURCE_DIR/tests/pg/store.sh"
sk_store_new || fail "no store"
cat > "$dir/sekimori.conf" <<CONF
[broker]
socket = run/sekimorid.sock
store = $sk_store
audit_log = log/audit.jsonl
audit_anchor = state/audit.anchor
key_dir = keys
locale_dir = $SK_BINARY_DIR/locale
language = C
default_profile = mynumber
admin_profile = mynumber
admin_group = users
[profile mynumber]
classes = knowledge, possession
methods = password, totp
totp_window = 2
CONF
# As the package and the unit prepare them: the folders the broker's user's, closed.
for d in run state log keys; do install -d -o nobody -g nogroup -m 0700 "$dir/$d"; done
chmod 0755 "$dir/run"
chown nobody:nogroup "$dir"; chmod 0755 "$dir"
mkdir -p "$dir/pam.d"
for phase in auth account password session; do
	echo "$phase required $SK_PAM_MODULE profile=mynumber conf=$dir/sekimori.conf"
done > "$dir/pam.d/sk-login"
printf '%s required pam_deny.so\n' auth account password session > "$dir/pam.d/other"

start_broker() {
	setpriv --reuid=nobody --regid=nogroup --groups=users --inh-caps=-all --bounding-set=-all \
		"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2>> "$dir/broker.log" &
	broker=$!
	for _ in $(seq 200); do [ -S "$dir/run/sekimorid.sock" ] && return 0; sleep 0.05; done
	fail "broker did not start as nobody"
}
start_broker
grep -q "^Uid:[[:space:]]*$svc_uid[[:space:]]" "/proc/$broker/status" || fail "not nobody"
grep -q '^CapEff:[[:space:]]*0000000000000000$' "/proc/$broker/status" || fail "capabilities"
ok
# The socket: the broker's, given to the admin group.
[ "$(stat -c '%u:%g %a' "$dir/run/sekimorid.sock")" = "$svc_uid:$adm_gid 660" ] ||
	fail "socket $(stat -c '%u:%g %a' "$dir/run/sekimorid.sock")"; ok
for k in seed.key audit.key; do
	[ "$(stat -c '%u %a' "$dir/keys/$k")" = "$svc_uid 600" ] || fail "$k $(stat -c '%u %a' "$dir/keys/$k")"
done
# A SQLite store is a file the broker makes as its own; a PostgreSQL store is the server's.
if ! sk_store_is_pg; then
	[ "$(stat -c %u "$dir/state/sekimori.db")" = "$svc_uid" ] || fail "store not the broker's"; ok
fi

cli() { LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }
temp=$(cli --json user add hanako --profile mynumber |
	sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
[ -n "$temp" ] || fail "no temporary password"
seed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
cli totp enroll hanako --secret "$seed" --code "$(oathtool --totp -b "$seed")" > "$dir/out" ||
	fail "enrol"
ok
[ "$(stat -c %u "$dir/log/audit.jsonl")" = "$svc_uid" ] || fail "audit log not the broker's"; ok

preload="libpam_wrapper.so"
case "$(ldd "$SK_PAM_MODULE")" in
*libasan*) preload="$(gcc -print-file-name=libasan.so) $preload" ;;
esac
code=$(oathtool --totp -b -N "@$(( $(date +%s) + 30 ))" "$seed")
printf '%s\n%s\n' "$temp" "$code" | LD_PRELOAD="$preload" PAM_WRAPPER=1 \
	PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" PAM_WRAPPER_DISABLE_DEEPBIND=1 \
	ASAN_OPTIONS=detect_leaks=0 TMPDIR="$dir" pamtester -v sk-login hanako authenticate \
	> "$dir/out" 2>&1 || fail "login through the broker running as nobody"
grep -q 'successfully authenticated' "$dir/out" || fail "no success line"; ok

# Root verifies the chain with the key the broker's user owns.
cli audit verify > "$dir/out" 2>&1 || fail "audit verify as root"
grep -q 'intact' "$dir/out" || fail "not intact"; ok
# ... but not when others may write to the keys' folder (anyone could have put a key there).
chmod 0770 "$dir/keys"
rc=0; cli audit verify > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a key in a group-writable folder was accepted (exit $rc)"
grep -q 'cannot read the audit key' "$dir/out" || fail "no refusal message"
chmod 0700 "$dir/keys"
# ... nor a key owned by someone else than the folder's owner.
cp -p "$dir/keys/audit.key" "$dir/audit.key.saved"
chown daemon "$dir/keys/audit.key"
rc=0; cli audit verify > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a key of another owner was accepted (exit $rc)"
cp -p "$dir/audit.key.saved" "$dir/keys/audit.key"; ok

# The broker restarts on its own files.
kill "$broker"; wait "$broker" || fail "broker exit status"; broker=
start_broker
cli user show hanako > /dev/null || fail "after restart"; ok
echo "service_user: $checks passed, 0 failed"
