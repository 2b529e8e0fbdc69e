#!/usr/bin/env bash
# pamtester, an unmodified PAM application, driven under pam_wrapper against a real broker
# (issue 2, item 10). Requirement IDs: R-MFA-1, R-CRED-1, R-LOGIN-1.
set -euo pipefail
: "${SK_PAM_MODULE:?}" "${SK_SEKIMORID:?}" "${SK_CLI:?}" "${SK_BINARY_DIR:?}"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-pamtester-XXXXXX")
broker=
cleanup() {
	[ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- last output:" >&2; cat "$dir/out" >&2 || true; exit 1; }
checks=0
ok() { checks=$((checks + 1)); }

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
admin_profile = admin
[profile admin]
methods = password, totp
totp_window = 2
[profile mynumber]
classes = knowledge, possession
methods = password, totp
deny = 3
unlock_time = 0
totp_window = 2
message = PAMTESTER BANNER
CONF
mkdir -p "$dir/pam.d"
for phase in auth account password session; do
	echo "$phase required $SK_PAM_MODULE profile=mynumber conf=$dir/sekimori.conf"
done > "$dir/pam.d/sk-pamtester"
printf '%s required pam_deny.so\n' auth account password session > "$dir/pam.d/other"

"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2> "$dir/broker.log" &
broker=$!
for _ in $(seq 100); do [ -S "$dir/sekimorid.sock" ] && break; sleep 0.05; done
[ -S "$dir/sekimorid.sock" ] || fail "broker did not start"

cli() { LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }
# A sanitizer-built module needs the ASan runtime first in an uninstrumented program.
preload="libpam_wrapper.so"
# (No `ldd | grep -q` under pipefail: grep's early exit can fail the pipeline by SIGPIPE.)
case "$(ldd "$SK_PAM_MODULE")" in
*libasan*) preload="$(gcc -print-file-name=libasan.so) $preload" ;;
esac
pt() {
	LD_PRELOAD="$preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" \
	PAM_WRAPPER_DISABLE_DEEPBIND=1 ASAN_OPTIONS=detect_leaks=0 TMPDIR="$dir" \
		pamtester -v sk-pamtester "$@"
}

# The administrator who does the rest, set up by root in the recovery role (an account with
# the admin profile, its TOTP, its own password), then logged in as themselves: the CLI keeps
# the admin session token in $XDG_RUNTIME_DIR.
export XDG_RUNTIME_DIR="$dir/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
atemp=$(cli --json user add boss --profile admin | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
[ -n "$atemp" ] || fail "no temporary password for the administrator"
aseed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
cli totp enroll boss --secret "$aseed" --code "$(oathtool --totp -b "$aseed")" > "$dir/out" \
	|| fail "administrator's TOTP enrolment"
apw='Tsukuba-Admin-2026x'
printf '%s\n%s\n%s\n' "$atemp" "$apw" "$apw" | pt boss chauthtok > "$dir/out" 2>&1 \
	|| fail "administrator's password change"
printf '%s\n%s\n' "$apw" "$(oathtool --totp -b -N "@$(( $(date +%s) + 30 ))" "$aseed")" |
	cli admin login --user boss > "$dir/out" 2>&1 || fail "admin login"
grep -q 'Admin session for boss' "$dir/out" || fail "admin login message"; ok

temp=$(cli --json user add hanako --profile mynumber | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
[ -n "$temp" ] || fail "no temporary password"; ok
seed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
cli totp enroll hanako --secret "$seed" --code "$(oathtool --totp -b "$seed")" > "$dir/out" || fail "enrol"
grep -q 'otpauth://totp/Sekimori:hanako' "$dir/out" || fail "no otpauth URI"; ok
code() { oathtool --totp -b -N "@$(( $(date +%s) + $1 ))" "$seed"; }

# Wrong password: authentication fails.
printf '%s\n%s\n' "not-the-password" "$(code 30)" | pt hanako authenticate > "$dir/out" 2>&1 \
	&& fail "wrong password accepted"
grep -q 'Authentication failed' "$dir/out" || fail "no failure message"; ok

# Temporary password + code: authenticated, then the account phase demands a new password.
printf '%s\n%s\n' "$temp" "$(code 30)" | pt hanako authenticate acct_mgmt > "$dir/out" 2>&1 \
	&& fail "temporary password not forced to change"
grep -q 'successfully authenticated' "$dir/out" || fail "auth with temporary password"; ok
grep -q 'PAMTESTER BANNER' "$dir/out" || fail "no login message"; ok
grep -q 'temporary password' "$dir/out" || fail "no forced-change notice"; ok

# The password change itself, through pamtester's chauthtok.
new='Kawazu-Sakura-2026'
printf '%s\n%s\n%s\n' "$temp" "$new" "$new" | pt hanako chauthtok > "$dir/out" 2>&1 \
	|| fail "chauthtok"
grep -q 'password has been changed' "$dir/out" || fail "chauthtok message"; ok

# The new password, the next code, account and session phases all pass.
next=$(code 60)   # computed once: the replay below must send the very same code
printf '%s\n%s\n' "$new" "$next" | \
	pt hanako authenticate acct_mgmt open_session close_session > "$dir/out" 2>&1 \
	|| fail "full login with the new password"
grep -q 'Last login' "$dir/out" || fail "no last-login line"; ok

# Reusing that code is refused.
printf '%s\n%s\n' "$new" "$next" | pt hanako authenticate > "$dir/out" 2>&1 \
	&& fail "replayed code accepted"
ok

grep '"event":"admin.user_add"' "$dir/log/audit.jsonl" | grep '"user":"hanako"' |
	grep -q '"admin":"boss"' || fail "user add not recorded under the administrator"; ok
cli audit verify > "$dir/out" || fail "audit chain"
grep -q 'intact' "$dir/out" || fail "audit verify text"; ok
echo "pamtester: $checks passed, 0 failed"
