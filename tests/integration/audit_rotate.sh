#!/usr/bin/env bash
# The audit log rotated by the real logrotate with the shipped stanza (conf/sekimori.logrotate
# and conf/sekimori-audit-rotate), under a running broker: logins go on, the chain continues
# in the new file, `sekimori audit verify` passes on the live log and across the rotated
# files, and a cut or missing file is found (issue 13, item 5). Requirement IDs: R-LOG-1,
# R-LOG-3.
set -euo pipefail
: "${SK_SEKIMORID:?}" "${SK_CLI:?}" "${SK_BINARY_DIR:?}" "${SK_SOURCE_DIR:?}"
command -v logrotate >/dev/null || { echo "SKIP: logrotate is not installed"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-rotate-XXXXXX")
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
has() { grep -qF -- "$1" "$dir/out" || fail "output lacks: $1"; }

# Root adds and enrols this test's users in the recovery role, which may set up accounts of
# admin_profile only (sekimori(1) ROLES): they get that profile; the test's subject is not roles.
# The store: state/sekimori.db, or a database of its own under tests/pg/with-pg.sh.
. "$SK_SOURCE_DIR/tests/pg/store.sh"
sk_store_new || fail "no store"
cat > "$dir/sekimori.conf" <<CONF
[broker]
socket = sekimorid.sock
store = $sk_store
audit_log = log/audit.jsonl
audit_anchor = state/audit.anchor
key_dir = keys
locale_dir = $SK_BINARY_DIR/locale
language = C
default_profile = mynumber
admin_profile = mynumber
[profile mynumber]
classes = knowledge, possession
methods = password, totp
CONF
log="$dir/log/audit.jsonl"
start_broker() {
	"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2>> "$dir/broker.log" &
	broker=$!
	for _ in $(seq 200); do [ -S "$dir/sekimorid.sock" ] && return 0; sleep 0.05; done
	fail "broker did not start"
}
stop_broker() { kill "$broker"; wait "$broker" || fail "broker exit status"; broker=; }
cli() { LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }
# The shipped stanza, pointed at this test's log and helper; the broker's pid given.
stanza() {
	sed -e "s|/var/log/sekimori/audit.jsonl|$log|" \
	    -e "s|/usr/libexec/sekimori/sekimori-audit-rotate|SEKIMORID_PID=$1 $SK_SOURCE_DIR/conf/sekimori-audit-rotate|" \
	    "$SK_SOURCE_DIR/conf/sekimori.logrotate" > "$dir/logrotate.conf"
}
rotate() { logrotate -f -s "$dir/logrotate.state" "$dir/logrotate.conf" > "$dir/out" 2>&1; }
# The postrotate step is a signal: the broker begins the new file within its poll period.
wait_new_log() {
	for _ in $(seq 100); do
		[ -s "$log" ] && head -1 "$log" | grep -q '"event":"audit.rotated"' && return 0
		sleep 0.05
	done
	fail "no new log begun with audit.rotated"
}
first_seq() { head -1 "$1" | sed -n 's/^{"seq":\([0-9]*\),.*/\1/p'; }
last_seq() { tail -1 "$1" | sed -n 's/^{"seq":\([0-9]*\),.*/\1/p'; }

start_broker
grep -q 'audit_rotate\|rotate' "$SK_SOURCE_DIR/conf/sekimori.logrotate" || fail "no stanza"
for u in taro hanako; do cli user add "$u" > /dev/null || fail "user add $u"; done
ok

# First rotation: logrotate moves the log, the broker goes on in a new file.
stanza "$broker"
rotate || fail "logrotate failed"
[ -f "$log.1" ] || fail "no rotated file"
wait_new_log; ok
grep -q '"event":"audit.rotate_requested"' "$log.1" || fail "no announcement in the old file"
[ "$(first_seq "$log")" = $(( $(last_seq "$log.1") + 1 )) ] || fail "seq does not go on"; ok
# Decisions go on being recorded (they would all be refused without the announcement).
cli user add jiro > "$dir/out" 2>&1 || fail "user add after the rotation"
grep -q '"user":"jiro"' "$log" || fail "record not in the new log"; ok

# The live log alone verifies, and says where it begins.
cli audit verify > "$dir/out" 2>&1 || fail "verify of the live log"
has "Audit log intact:"
has "It begins at record $(first_seq "$log"), after a rotation"; ok
# With the rotated file: the whole chain, from record 1.
cli audit verify "$log.1" > "$dir/out" 2>&1 || fail "verify across the rotation"
has "Records 1 to $(last_seq "$log"), in 1 rotated files and the live log."; ok

# The broker restarts on the rotated state.
stop_broker; start_broker
cli user add saburo > /dev/null || fail "user add after restart"; ok

# Second rotation (.1 becomes .2); the files may be given in any order.
stanza "$broker"
rotate || fail "second logrotate failed"
[ -f "$log.2" ] || fail "no second rotated file"
wait_new_log
cli user add shiro > /dev/null || fail "user add after the second rotation"
cli --json audit verify "$log.1" "$log.2" > "$dir/out" 2>&1 || fail "verify of three files"
grep -q '"ok": *true' "$dir/out" || fail "json ok"
grep -q '"first_seq": *1,' "$dir/out" || fail "json first_seq"; ok

# A file left out in the middle, or its last record cut: found.
rc=0; cli audit verify "$log.2" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a missing middle file was not found (exit $rc)"
has "Audit log DAMAGED in $log at line 1: does not continue $log.2"; ok
cp "$log.1" "$dir/saved.1"
sed -i '$d' "$log.1"
rc=0; cli audit verify "$log.2" "$log.1" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a cut rotated file was not found (exit $rc)"
has "does not continue $log.1"; ok
cp "$dir/saved.1" "$log.1"
# A record changed in a rotated file.
cp "$log.2" "$dir/saved.2"
sed -i '1s/"user":"taro"/"user":"tar0"/' "$log.2"
rc=0; cli audit verify "$log.2" "$log.1" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a modified rotated file was not found (exit $rc)"
has "Audit log DAMAGED in $log.2 at line 1: record modified"; ok
cp "$dir/saved.2" "$log.2"

# Without a broker to announce it, the stanza leaves the log where it is.
stop_broker
before=$(sha256sum "$log")
stanza 999999
rc=0; rotate || rc=$?
[ "$rc" != 0 ] || fail "logrotate rotated without the broker"
[ "$(sha256sum "$log")" = "$before" ] || fail "the log was moved without the broker"
# (logrotate shifted the older files before its prerotate step failed: .1 and .2 are now
# .2 and .3, and no .1 was made from the live log.)
[ ! -f "$log.1" ] || fail "the live log was moved without the broker"; ok
start_broker
cli user add goro > /dev/null || fail "user add at the end"
cli audit verify "$log.3" "$log.2" > "$dir/out" 2>&1 || fail "verify at the end"
has "Records 1 to $(last_seq "$log"), in 2 rotated files and the live log."; ok
echo "audit_rotate: $checks passed, 0 failed"
