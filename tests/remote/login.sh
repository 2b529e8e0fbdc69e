#!/usr/bin/env bash
# The console login example end to end: the real /bin/login (util-linux) on a pseudo-terminal
# driven by expect, under pam_wrapper (nothing under /etc), with the shipped example
# conf/pam.d/sekimori-mynumber as the PAM service "login", every line as shipped (pam_unix's
# account and session lines included). The account is the system's own "nobody" (in the real
# /etc/passwd and /etc/shadow, which pam_unix reads), added to Sekimori with the shipped
# profile "mynumber". First login with the forced password change, a normal login that
# reaches the account's shell, a wrong code, and the audit records of a local console login.
# Requirement IDs: R-MFA-1 (password then code), R-CRED-1 (temporary password changed at
# once), R-LOGIN-1 (the login report; a wrong code refused), R-MFA-3 (a console login is
# local: no PAM_RHOST, origin "local").
. "$(dirname "$0")/lib.sh"
command -v expect > /dev/null || fail "expect is not installed (scripts/install-deps.sh)"
[ -x /bin/login ] || fail "no /bin/login"
getent passwd nobody > /dev/null || fail "no nobody account"

start_shipped_broker

mkdir -p "$dir/pam.d"
example_stack sekimori-mynumber > "$dir/pam.d/login"
[ "$(grep -c 'pam_sekimori' "$dir/pam.d/login")" = 4 ] || fail "the example's Sekimori lines"
grep -q '^account *required *pam_unix.so$' "$dir/pam.d/login" || fail "the example's pam_unix line"
printf '%s required pam_deny.so\n' auth account password session > "$dir/pam.d/other"

# console_login USER PASSWORD CODE [OLD NEW]: /bin/login on a pty; the whole exchange in
# $dir/out. Answers each prompt by its text; prints nothing, returns 0 when login ran the
# account's shell (nobody's is nologin, which says so).
console_login() {
	SK_USER="$1" SK_PW="$2" SK_CODE="$3" SK_NEW="${4:-}" SK_PRELOAD="$(asan_preload)libpam_wrapper.so" \
	SK_PAMDIR="$dir/pam.d" TMPDIR="$dir" \
		timeout 90 expect -f - > "$dir/out" 2>&1 <<'EXP'
set timeout 40
log_user 1
# pam_wrapper (and a sanitizer runtime) for login only, not for expect. pam_wrapper 1.1.4
# reads UID_WRAPPER_DISABLE_DEEPBIND (sic) to dlopen libpam without RTLD_DEEPBIND, which
# the sanitizer runtime refuses.
spawn env LD_PRELOAD=$env(SK_PRELOAD) PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$env(SK_PAMDIR) \
	PAM_WRAPPER_DISABLE_DEEPBIND=1 UID_WRAPPER_DISABLE_DEEPBIND=1 ASAN_OPTIONS=detect_leaks=0 \
	/bin/login -p -- $env(SK_USER)
expect {
	"Current password: " { send -- "$env(SK_PW)\r"; exp_continue }
	"Retype new password: " { send -- "$env(SK_NEW)\r"; exp_continue }
	"New password: " { send -- "$env(SK_NEW)\r"; exp_continue }
	"Password: " { send -- "$env(SK_PW)\r"; exp_continue }
	"One-time code: " { send -- "$env(SK_CODE)\r"; exp_continue }
	"currently not available" { exit 0 }
	"Login incorrect" { exit 3 }
	timeout { exit 4 }
	eof { exit 5 }
}
EXP
}

temp=$(add_user nobody mynumber)
seed=$(enrol_totp nobody)
new='Yoshino-Zakura-2026'

# 1. First login: the login message, the temporary password and the code, then the change.
console_login nobody "$temp" "$(code "$seed" 30)" "$new" || fail "first console login (rc $?)"; ok
grep -q 'Password: ' "$dir/out" && grep -q 'One-time code: ' "$dir/out" || fail "prompts"; ok
grep -q 'New password: ' "$dir/out" || fail "no forced password change"; ok
audit_has '"event":"auth"' '"user":"nobody"' '"result":"allow"' '"service":"login"' \
	'"origin":"local"' '"rhost":""' || fail "no audited local console login"; ok

# 2. The new password and a fresh code: the shell runs, after Sekimori's login report.
console_login nobody "$new" "$(code "$seed" 60)" || fail "second console login (rc $?)"; ok
grep -q 'Last login: .* from ' "$dir/out" || fail "no login report in the session"; ok
audit_has '"user":"nobody"' '"event":"session_open"' || fail "no session record"; ok

# 3. A wrong code: "Login incorrect", audited as bad_otp.
rc=0; console_login nobody "$new" "$(code "$seed" -3600)" || rc=$?
[ "$rc" = 3 ] || fail "a wrong code gave rc $rc"; ok
audit_has '"user":"nobody"' '"result":"deny"' '"reason":"bad_otp"' '"service":"login"' ||
	fail "wrong code not audited"; ok

cli audit verify > "$dir/out" || fail "audit chain"
echo "login: $checks passed, 0 failed"
