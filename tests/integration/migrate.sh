#!/usr/bin/env bash
# sekimori migrate (issue 13): tokens made for pam_oath (a users file with oathtool-style
# hexadecimal seeds) and by the real google-authenticator tool are first used with their
# own PAM modules, then taken over, then used to log in through pam_sekimori with a code
# oathtool computes from the same seed; what cannot be taken over is refused with a reason,
# secrets are never printed, and the old files stay byte for byte as they were.
# Requirement IDs: R-MFA-1, R-CRED-2, R-INPUT-1.
set -euo pipefail
: "${SK_PAM_MODULE:?}" "${SK_SEKIMORID:?}" "${SK_CLI:?}" "${SK_BINARY_DIR:?}"

skip() { echo "SKIP: $*"; exit 77; }
moddir=/lib/x86_64-linux-gnu/security
for t in pamtester oathtool google-authenticator sha256sum; do
	command -v "$t" >/dev/null || skip "$t is not installed (scripts/install-deps.sh)"
done
[ -e "$moddir/pam_oath.so" ] || skip "pam_oath.so is not installed (libpam-oath)"
[ -e "$moddir/pam_google_authenticator.so" ] ||
	skip "pam_google_authenticator.so is not installed (libpam-google-authenticator)"
# google-authenticator's module reads its secret as the user given by user=root.
[ "$(id -u)" = 0 ] || skip "needs root (pam_google_authenticator user=root)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-migrate-XXXXXX")
broker=
cleanup() {
	[ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- last output:" >&2; cat "$dir/out" >&2 || true; exit 1; }
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
deny = 5
unlock_time = 0
totp_window = 2
CONF
mkdir -p "$dir/pam.d"
for phase in auth account password session; do
	echo "$phase required $SK_PAM_MODULE profile=mynumber conf=$dir/sekimori.conf"
done > "$dir/pam.d/sk-login"
echo "auth required pam_oath.so usersfile=$dir/users.oath window=3" > "$dir/pam.d/old-oath"
echo "auth required pam_google_authenticator.so secret=$dir/ga_\${USER} user=root" \
	> "$dir/pam.d/old-ga"
printf '%s required pam_deny.so\n' auth account password session > "$dir/pam.d/other"

"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2> "$dir/broker.log" &
broker=$!
for _ in $(seq 100); do [ -S "$dir/sekimorid.sock" ] && break; sleep 0.05; done
[ -S "$dir/sekimorid.sock" ] || fail "broker did not start"

cli() { LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }
preload="libpam_wrapper.so"
case "$(ldd "$SK_PAM_MODULE")" in
*libasan*) preload="$(gcc -print-file-name=libasan.so) $preload" ;;
esac
pt() {
	LD_PRELOAD="$preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" \
	PAM_WRAPPER_DISABLE_DEEPBIND=1 ASAN_OPTIONS=detect_leaks=0 TMPDIR="$dir" \
		pamtester -v "$@"
}
# The code of a seed (hex for oath, -b for base32) at now + offset seconds.
totp() { # totp OFFSET OATHTOOL-ARGS... SEED
	local off=$1; shift
	oathtool --totp -N "@$(( $(date +%s) + off ))" "$@"
}
hexseed() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
declare -A temp
for u in alice bob erin carol dave gina henry hanako jiro kenji saburo shiro ume sakura; do
	temp[$u]=$(cli --json user add $u --profile mynumber |
		sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
	[ -n "${temp[$u]}" ] || fail "no temporary password for $u"
done
ok

# --- pam_oath: a users file as oath-toolkit documents it, seeds from /dev/urandom. ---
s_alice=$(hexseed 20); s_bob=$(hexseed 32); s_erin=$(hexseed 20); s_carol=$(hexseed 20)
s_dave=$(hexseed 20); s_frank=$(hexseed 20); s_gina=$(hexseed 10); s_henry=$(hexseed 20)
pin_bob="PIN-$(hexseed 4)"
cat > "$dir/users.oath" <<OATH
# pam_oath users file (generated for the test)
HOTP/T30	alice	-	$s_alice
HOTP/T30/8	bob	$pin_bob	$s_bob	0
HOTP/T60	erin	+	$s_erin
HOTP	carol	-	$s_carol	12
HOTP/T30/7	dave	-	$s_dave
HOTP/T30	frank	-	$s_frank
HOTP/T30	gina	-	$s_gina
HOTP/T30	henry	-	$s_henry
HOTP/T60	henry	-	$(hexseed 20)

OATH
chmod 600 "$dir/users.oath"

# Side by side, before the migration: alice's code works in pam_oath itself.
old_code=$(totp 0 "$s_alice")
echo "$old_code" | pt old-oath alice authenticate > "$dir/out" 2>&1 || fail "pam_oath login"
has "successfully authenticated"; ok

# --- google-authenticator: files made by the real tool. ---
ga() { google-authenticator -f -q -s "$dir/ga_$1" "${@:2}" < /dev/null; }
ga hanako -t -d -r 3 -R 30 -w 3 -e 5     # the tool's usual answers: TOTP, no reuse
ga jiro -c -u -w 3                      # counter-based
ga kenji -t -D -u -w 17 -S 60 -e 2      # 60-second steps, reuse allowed
ga saburo -t -d -u -w 3
printf '" FOO_BAR 1\n' >> "$dir/ga_saburo"   # an option this version does not know
# The tool's old default: an 80-bit secret (16 base32 characters).
printf '%s\n" TOTP_AUTH\n' "$(head -c 10 /dev/urandom | base32)" > "$dir/ga_shiro"
chmod 400 "$dir/ga_shiro"
# Home folders as `totp import --google-authenticator DIR` reads them: DIR/NAME/.google_authenticator.
mkdir -p "$dir/home/ume" "$dir/home/sakura" "$dir/home/nobody-here"
google-authenticator -f -q -s "$dir/home/ume/.google_authenticator" -t -d -r 3 -R 30 -w 3 \
	< /dev/null
google-authenticator -f -q -s "$dir/home/sakura/.google_authenticator" -t -d -u -w 3 -S 60 \
	< /dev/null
s_ume=$(head -1 "$dir/home/ume/.google_authenticator")
s_sakura=$(head -1 "$dir/home/sakura/.google_authenticator")
s_hanako=$(head -1 "$dir/ga_hanako"); s_kenji=$(head -1 "$dir/ga_kenji")
echo "$(totp 0 -b "$s_hanako")" | pt old-ga hanako authenticate > "$dir/out" 2>&1 ||
	fail "google-authenticator login"
has "successfully authenticated"; ok

# The old files after their own modules used them (both rewrite theirs on success).
fingerprint() { for f in "$dir/users.oath" "$dir"/ga_* "$dir"/home/*/.google_authenticator; do
	sha256sum "$f"; stat -c '%a %u %g %s %Y' "$f"; done; }
fingerprint > "$dir/before"
secrets=("$s_alice" "$s_bob" "$s_erin" "$s_carol" "$s_dave" "$s_frank" "$s_gina" "$s_henry"
         "$pin_bob" "$s_hanako" "$s_kenji" "$s_ume" "$s_sakura")
no_secret_in() {
	local s
	# the seeds, the PIN, and the scratch codes of the google-authenticator files
	for s in "${secrets[@]}" $(cat "$dir"/ga_* | grep -E '^[0-9]{8}$'); do
		if grep -qiF -- "$s" "$1"; then fail "a secret appears in $1"; fi
	done
}

# --- Dry run: the report, and nothing changes. ---
rc=0; cli migrate pam-oath --dry-run "$dir/users.oath" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "dry run exit $rc (some tokens are refused: 1)"
has "alice (line 2): would import: TOTP SHA1, 6 digits, 30 s"
has "bob (line 3): would import: TOTP SHA1, 8 digits, 30 s"
has "not taken over: the PIN in the file"
has "erin (line 4): would import: TOTP SHA1, 6 digits, 60 s"
has "carol (line 5): refused: counter-based (HOTP) tokens are not supported"
has "dave (line 6): refused: 7-digit codes are not supported"
has "frank (line 7): skipped: no such user in sekimori"
has "gina (line 8): refused: the seed is shorter than the 128 bits"
has "henry (line 9): refused: the user has several lines in the file"
has "henry (line 10): refused: the user has several lines in the file"
has "Dry run: 3 would be imported, 1 skipped, 5 refused, 0 failed. Nothing was changed."
no_secret_in "$dir/out"; ok
cli --json user show alice > "$dir/out"
if grep -q '"confirmed": *true' "$dir/out"; then fail "the dry run enrolled a token"; fi
[ "$(grep -c 'totp_enroll' "$dir/log/audit.jsonl" || true)" = 0 ] ||
	fail "the dry run wrote enrolment records"
ok

# The same report in Japanese (the administrator's terminal language).
LC_ALL=ja_JP.UTF-8 "$SK_CLI" -c "$dir/sekimori.conf" migrate pam-oath --dry-run \
	"$dir/users.oath" > "$dir/out" 2>&1 || true
has "carol (行 5): 拒否:"
has "カウンター方式 (HOTP)"; ok

# --- The migration. ---
rc=0; cli migrate pam-oath "$dir/users.oath" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "migration exit $rc"
has "alice (line 2): imported: TOTP SHA1, 6 digits, 30 s"
has "bob (line 3): imported: TOTP SHA1, 8 digits, 30 s"
has "erin (line 4): imported: TOTP SHA1, 6 digits, 60 s"
has "3 imported, 1 skipped, 5 refused, 0 failed."
has "users.oath was only read; it is unchanged."
no_secret_in "$dir/out"; ok

# A second run skips those who have a token now (JSON report).
rc=0; cli --json migrate pam-oath "$dir/users.oath" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "second run exit $rc"
grep -A3 '"user":"alice"\|"user": "alice"' "$dir/out" | grep -q '"result": *"skipped"' ||
	fail "alice not skipped on the second run"
grep -q '"imported": *0,' "$dir/out" || fail "imported count"; no_secret_in "$dir/out"; ok

rc=0; cli migrate google-authenticator --user hanako "$dir/ga_hanako" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "hanako exit $rc"
has "hanako (line 1): imported: TOTP SHA1, 6 digits, 30 s"
has "not taken over: the emergency scratch codes"
has "not taken over: WINDOW_SIZE"
has "not taken over: RATE_LIMIT"
no_secret_in "$dir/out"; ok
rc=0; cli migrate google-authenticator --user kenji "$dir/ga_kenji" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "kenji exit $rc"
has "kenji (line 1): imported: TOTP SHA1, 6 digits, 60 s"
has "not taken over: the reuse of codes"; ok
rc=0; cli migrate google-authenticator --user jiro "$dir/ga_jiro" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "jiro exit $rc"
has "jiro (line 3): refused: counter-based (HOTP) tokens are not supported"; ok
rc=0; cli migrate google-authenticator --user saburo "$dir/ga_saburo" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "saburo exit $rc"
has "refused: an option this version does not support: FOO_BAR"; ok
rc=0; cli migrate google-authenticator --user shiro "$dir/ga_shiro" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "shiro exit $rc"
has "shiro (line 1): refused: the seed is shorter than the 128 bits"; ok
# The same import under the guide's names: a folder of home folders.
rc=0; cli totp import --google-authenticator "$dir/home" --dry-run > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "totp import dry run exit $rc"
has "sakura (line 1): would import: TOTP SHA1, 6 digits, 60 s"
has "ume (line 1): would import: TOTP SHA1, 6 digits, 30 s"
has "Dry run: 2 would be imported"; no_secret_in "$dir/out"; ok
rc=0; cli totp import --google-authenticator "$dir/home" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "totp import exit $rc"
has "ume (line 1): imported: TOTP SHA1, 6 digits, 30 s"
has "2 imported, 0 skipped, 0 refused, 0 failed."; no_secret_in "$dir/out"; ok
rc=0; cli totp import --oath-usersfile "$dir/users.oath" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "totp import --oath-usersfile exit $rc"
has "alice (line 2): skipped: the user already has a TOTP token"; ok
rc=0; cli totp import --oath-usersfile "$dir/users.oath" --google-authenticator "$dir/home" \
	> "$dir/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "both sources exit $rc"; has "give one of"; ok
rc=0; cli migrate pam-oath "$dir/no-such-file" > "$dir/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "missing file exit $rc"
has "cannot read"; ok

# The old files are as they were: content, mode, owner, size, time.
fingerprint > "$dir/after"
cmp -s "$dir/before" "$dir/after" || fail "an old file changed"; ok

# --- Logins through pam_sekimori with oathtool codes of the same seeds. ---
login() { # login USER CODE
	printf '%s\n%s\n' "${temp[$1]}" "$2" | pt sk-login "$1" authenticate > "$dir/out" 2>&1
}
# The code alice typed into pam_oath is refused: the migration used that step up.
if login alice "$old_code"; then fail "a code already used in pam_oath was accepted"; fi; ok
login alice "$(totp 30 "$s_alice")" || fail "alice login"; ok
login bob "$(totp 30 -d 8 "$s_bob")" || fail "bob login (8 digits)"; ok
login erin "$(totp 60 -s 60 "$s_erin")" || fail "erin login (60 s)"; ok
login hanako "$(totp 30 -b "$s_hanako")" || fail "hanako login"; ok
login kenji "$(totp 60 -b -s 60 "$s_kenji")" || fail "kenji login (60 s)"; ok
login ume "$(totp 30 -b "$s_ume")" || fail "ume login (totp import)"; ok
login sakura "$(totp 60 -b -s 60 "$s_sakura")" || fail "sakura login (totp import, 60 s)"; ok
# Refused ones got nothing.
cli --json user show carol > "$dir/out"
if grep -q '"confirmed": *true' "$dir/out"; then fail "carol has a token"; fi; ok

cli audit verify > "$dir/out" || fail "audit chain"
has "intact"; no_secret_in "$dir/log/audit.jsonl"; no_secret_in "$dir/broker.log"; ok
[ "$(grep -c '"admin.totp_enroll_confirm"' "$dir/log/audit.jsonl")" -ge 5 ] ||
	fail "enrolment records missing"; ok
echo "migrate: $checks passed, 0 failed"
