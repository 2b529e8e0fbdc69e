#!/usr/bin/env bash
# The main job on the embedded default: builds Sekimori, starts sekimorid on SQLite under
# ./var, creates a demo staff account with a password and a TOTP token, and walks it through
# a real PAM login (libpam + pam_sekimori.so, driven by pamtester under pam_wrapper): first
# login with the temporary password, the forced change, then a full login with the session
# report. Everything uses generated data (R-TEST-1). Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
./scripts/install-deps.sh

echo "== build"
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSK_TESTS=OFF > /dev/null
cmake --build build-demo -j "$(nproc)" > /dev/null
bin=$top/build-demo
module=$bin/pam_module/pam_sekimori.so

var=$top/var
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
trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -S "$var/sekimorid.sock" ] && break; sleep 0.05; done
[ -S "$var/sekimorid.sock" ] || { cat "$var/sekimorid.log"; exit 1; }

cli() { "$bin/cli/sekimori" -c "$var/sekimori.conf" "$@"; }
pam() {
	LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$var/pam.d" \
	TMPDIR="$var" pamtester -v sekimori-demo "$@"
}

user=demo$(printf '%04d' $((RANDOM % 10000)))
echo "== sekimori user add $user --profile mynumber"
temp=$(cli --json user add "$user" --profile mynumber | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
echo "temporary password (shown once): $temp"

echo "== sekimori totp enroll $user   (a generated seed stands in for the staff member's phone)"
seed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
code() { oathtool --totp -b -N "@$(( $(date +%s) + $1 ))" "$seed"; }
cli totp enroll "$user" --secret "$seed" --code "$(code 0)"

echo
echo "== first login: temporary password + one-time code; the account phase demands a change"
printf '%s\n%s\n' "$temp" "$(code 30)" | pam "$user" authenticate acct_mgmt || true

new="Sakura-$(head -c 6 /dev/urandom | base64 | tr -d '/+=')-2026"
echo
echo "== the forced password change (R-CRED-1)"
printf '%s\n%s\n%s\n' "$temp" "$new" "$new" | pam "$user" chauthtok

# A code is accepted once only, and the profile allows one step of clock drift: wait for
# the next 30-second step, as a person at the terminal would.
sleep $((30 - $(date +%s) % 30 + 1))
echo
echo "== a full login with the new password and the next code, session opened and closed"
printf '%s\n%s\n' "$new" "$(code 30)" | pam "$user" authenticate acct_mgmt open_session close_session

echo
echo "== a wrong password is refused and counted (R-LOGIN-1)"
printf '%s\n%s\n' "not-the-password" "$(code 0)" | pam "$user" authenticate || true

echo
echo "== sekimori user show $user"
cli user show "$user"
echo
echo "== sekimori audit verify (R-LOG-1, R-LOG-3)"
cli audit verify
echo
echo "The demo's state is in $var (store, audit log, keys); the broker stops now."
