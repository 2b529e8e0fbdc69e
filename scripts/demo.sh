#!/usr/bin/env bash
# The main job on the embedded default: builds Sekimori, starts sekimorid on SQLite under
# ./var, creates a demo staff account with a password and a TOTP token, and walks it through
# a real PAM login (libpam + pam_sekimori.so, driven by pamtester under pam_wrapper): first
# login with the temporary password, the forced change, then a full login with the session
# report. Everything uses generated data (R-TEST-1). Run as root on Debian 12.
#
# Each step checks what it claims, from pamtester's result and the audit record the broker
# wrote (event, result, reason), and the demo stops with "DEMO FAILED" when one does not
# hold. Tests run it on an existing build: SK_DEMO_BUILD=<build folder> skips the package
# installation and the build, SK_DEMO_VAR=<folder> puts the state there instead of ./var.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
if [ -z "${SK_DEMO_BUILD:-}" ]; then
	./scripts/install-deps.sh
	echo "== build"
	cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSK_TESTS=OFF > /dev/null
	cmake --build build-demo -j "$(nproc)" > /dev/null
	bin=$top/build-demo
else
	bin=$SK_DEMO_BUILD
fi
module=$bin/pam_module/pam_sekimori.so

var=${SK_DEMO_VAR:-$top/var}
rm -rf "$var"
mkdir -p "$var/pam.d"
# The shipped configuration with the state moved under ./var.
sed -e "s#^socket = .*#socket = sekimorid.sock#" \
    -e "s#^store = .*#store = state/sekimori.db#" \
    -e "s#^audit_log = .*#audit_log = log/audit.jsonl#" \
    -e "s#^audit_anchor = .*#audit_anchor = state/audit.anchor#" \
    -e "s#^key_dir = .*#key_dir = keys#" \
    -e "s#^language = .*#language = ${SK_DEMO_LANGUAGE:-ja}\nlocale_dir = $bin/locale#" \
    conf/sekimori.conf > "$var/sekimori.conf"
for phase in auth account password session; do
	echo "$phase required $module profile=mynumber conf=$var/sekimori.conf"
done > "$var/pam.d/sekimori-demo"
# What libpam uses for services it does not know: deny everything.
printf '%s required pam_deny.so\n' auth account password session > "$var/pam.d/other"

echo "== start sekimorid (store: $var/state/sekimori.db)"
"$bin/broker/sekimorid" -c "$var/sekimori.conf" -f 2> "$var/sekimorid.log" &
broker=$!
enroll=
cleanup() {
	[ -z "$enroll" ] || kill "$enroll" 2>/dev/null || true
	kill "$broker" 2>/dev/null; wait "$broker" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do [ -S "$var/sekimorid.sock" ] && break; sleep 0.05; done
[ -S "$var/sekimorid.sock" ] || { cat "$var/sekimorid.log"; exit 1; }

cli() { "$bin/cli/sekimori" -c "$var/sekimori.conf" "$@"; }
# A sanitizer-built module needs the ASan runtime first in an uninstrumented program.
preload="libpam_wrapper.so"
case "$(ldd "$module")" in
*libasan*) preload="$(gcc -print-file-name=libasan.so) $preload" ;;
esac
pam() {
	LD_PRELOAD="$preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$var/pam.d" \
	PAM_WRAPPER_DISABLE_DEEPBIND=1 ASAN_OPTIONS=detect_leaks=0 TMPDIR="$var" \
		pamtester -v sekimori-demo "$@"
}
broken() { echo "DEMO FAILED: $*" >&2; exit 1; }
# The last audit record of EVENT for the demo user must contain every further argument.
expect_audit() {
	local event=$1 rec; shift
	rec=$(grep "\"event\":\"$event\"" "$var/log/audit.jsonl" | grep "\"user\":\"$user\"" |
	      tail -n 1 || true)
	for want in "$@"; do
		case $rec in
		*"$want"*) ;;
		*) broken "the last '$event' audit record lacks $want: ${rec:-none}" ;;
		esac
	done
	echo "   audit: $event $*"
}

# The CLI keeps an administrator's session token in $XDG_RUNTIME_DIR: the demo's own.
export XDG_RUNTIME_DIR="$var/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"

admin=boss$(printf '%04d' $((RANDOM % 10000)))
echo "== the first administrator: root, without an admin session, may set one up (recovery)"
echo "   sekimori user add $admin --profile privileged; sekimori totp enroll $admin"
atemp=$(cli --json user add "$admin" --profile privileged | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
[ -n "$atemp" ] || broken "no temporary password for the administrator"
aseed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
cli totp enroll "$admin" --secret "$aseed" --code "$(oathtool --totp -b "$aseed")" > /dev/null ||
	broken "the administrator's TOTP enrolment"
echo "   $admin sets their own password (a PAM password change)"
apw='Tsukuba-Admin-2026x'
printf '%s\n%s\n%s\n' "$atemp" "$apw" "$apw" | pam "$admin" chauthtok > /dev/null 2>&1 ||
	broken "the administrator's password change"
echo "== sekimori admin login --user $admin   (their own password and code: a step-up)"
printf '%s\n%s\n' "$apw" "$(oathtool --totp -b -N "@$(( $(date +%s) + 30 ))" "$aseed")" |
	cli admin login --user "$admin" || broken "admin login"
echo

user=demo$(printf '%04d' $((RANDOM % 10000)))
echo "== sekimori user add $user --profile mynumber"
temp=$(cli --json user add "$user" --profile mynumber | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
[ -n "$temp" ] || broken "no temporary password"
echo "temporary password (shown once): $temp"
expect_audit admin.user_add '"result":"ok"' '"profile":"mynumber"' "\"admin\":\"$admin\""

echo
echo "== sekimori totp enroll $user   (the broker makes the seed; oathtool stands in for the phone)"
# As at the terminal: the CLI prints the otpauth URI (and, on a terminal, the QR code), then
# waits for the first code. Here the "phone" reads the seed from that URI.
mkfifo "$var/enroll.in"
cli totp enroll "$user" < "$var/enroll.in" > "$var/enroll.out" 2>&1 &
enroll=$!
exec 3> "$var/enroll.in"
for _ in $(seq 200); do grep -q 'otpauth://' "$var/enroll.out" && break; sleep 0.05; done
uri=$(grep -o 'otpauth://[^ ]*' "$var/enroll.out" || true)
[ -n "$uri" ] || { exec 3>&-; cat "$var/enroll.out"; broken "no otpauth URI"; }
seed=$(printf '%s\n' "$uri" | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
algo=$(printf '%s\n' "$uri" | sed -n 's/.*[?&]algorithm=\([A-Z0-9]*\).*/\1/p')
code() { oathtool --totp="${algo:-SHA1}" -b -N "@$(( $(date +%s) + $1 ))" "$seed"; }
code 0 >&3
exec 3>&-
wait "$enroll" || { cat "$var/enroll.out"; broken "totp enroll failed"; }
enroll=
cat "$var/enroll.out"
expect_audit admin.totp_enroll_confirm '"result":"ok"'

echo
echo "== first login: temporary password + one-time code; the account phase demands a change"
if printf '%s\n%s\n' "$temp" "$(code 30)" | pam "$user" authenticate acct_mgmt > "$var/out" 2>&1
then cat "$var/out"; broken "a temporary password was not forced to change"; fi
cat "$var/out"
grep -q 'successfully authenticated' "$var/out" || broken "the temporary password did not authenticate"
expect_audit auth '"result":"allow"'

new="Sakura-$(head -c 6 /dev/urandom | base64 | tr -d '/+=')-2026"
echo
echo "== the forced password change (R-CRED-1)"
printf '%s\n%s\n%s\n' "$temp" "$new" "$new" | pam "$user" chauthtok
expect_audit password_change '"result":"ok"'

# A code is accepted once only, and the profile allows one step of clock drift: wait for
# the next 30-second step, as a person at the terminal would.
sleep $((30 - $(date +%s) % 30 + 1))
fresh=$(code 30)   # a code no login has used yet; the next three steps all send it

echo
echo "== a wrong password with a valid, unused code is refused for the password (R-LOGIN-1)"
if printf '%s\n%s\n' "not-the-password" "$fresh" | pam "$user" authenticate; then
	broken "a wrong password was accepted"
fi
expect_audit auth '"result":"deny"' '"reason":"bad_password"'

echo
echo "== the right password with that same code: the code was valid and not used up"
printf '%s\n%s\n' "$new" "$fresh" | pam "$user" authenticate acct_mgmt open_session close_session
expect_audit auth '"result":"allow"' '"classes":"knowledge,possession"'
expect_audit session_close '"result":"ok"'

echo
echo "== the same code once more: refused as a replay, although the password is right"
if printf '%s\n%s\n' "$new" "$fresh" | pam "$user" authenticate; then
	broken "a replayed code was accepted"
fi
expect_audit auth '"result":"deny"' '"reason":"otp_replayed"'

echo
echo "== sekimori user show $user"
cli user show "$user"
echo
echo "== sekimori audit verify (R-LOG-1, R-LOG-3)"
cli audit verify || broken "the audit log does not verify"
echo
echo "== sekimori audit report (R-LOG-2): the log review, after the same verification"
cli audit report || broken "the audit report failed"
echo
echo "Every step held. The demo's state is in $var (store, audit log, keys); the broker stops now."
