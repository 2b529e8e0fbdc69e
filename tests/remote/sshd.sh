#!/usr/bin/env bash
# OpenSSH end to end: the real sshd on a spare loopback port with a test-made sshd_config and
# PAM stack (pam_wrapper: nothing under /etc), the real ssh client answering the
# keyboard-interactive prompts through SSH_ASKPASS, codes from oathtool.
# The configuration is conf/sekimori.conf as shipped (profile "remote") and the PAM stack is
# the shipped example conf/pam.d/sekimori-sshd.
# Requirement IDs: R-MFA-1 (password then code), R-LOGIN-1 (wrong code refused, lockout),
# R-MFA-3 (the line names its front end, frontend=sshd, which the profile "remote" lets in;
# a user whose own profile allows only local logins is refused), R-CRED-1 (the
# temporary password is changed inside the keyboard-interactive exchange).
. "$(dirname "$0")/lib.sh"
command -v /usr/sbin/sshd > /dev/null || fail "openssh-server is not installed (scripts/install-deps.sh)"
# A sanitizer-built module would need the ASan runtime preloaded into sshd, and sshd's
# unprivileged child (seccomp sandbox) then never answers: the login hangs. The module's code
# runs under ASan in the integration tests (real libpam); here only the release build runs.
if [ -n "$(asan_preload)" ]; then
	echo "sshd: skipped, the module is built with sanitizers (sshd's sandbox cannot host them)"
	exit 77
fi

start_shipped_broker

# The accounts sshd sees: its privilege separation user and two staff, through nss_wrapper.
mkdir -p "$dir/home/taro" "$dir/home/jiro" "$dir/client/.ssh"
chmod 700 "$dir/client" "$dir/client/.ssh"
privsep=$(getent passwd sshd) || fail "no sshd account (openssh-server's postinst makes it)"
{
	getent passwd root
	echo "$privsep"
	echo "taro:x:42421:42421:Taro:$dir/home/taro:/bin/sh"
	echo "jiro:x:42422:42422:Jiro:$dir/home/jiro:/bin/sh"
} > "$dir/passwd"
{
	getent group root
	getent group nogroup
	echo "taro:x:42421:"
	echo "jiro:x:42422:"
} > "$dir/group"
chown 42421:42421 "$dir/home/taro"; chown 42422:42422 "$dir/home/jiro"

# The shipped example stack conf/pam.d/sekimori-sshd as the service "sshd", with a copy of
# Debian's common-session it includes (read from /etc, nothing written there). Its
# `@include common-account` line is left out: pam_unix's account check does not accept the
# test's nss_wrapper accounts (on a host it reads the real /etc/shadow); every other line,
# the Sekimori ones included, runs as shipped.
mkdir -p "$dir/pam.d"
example_stack sekimori-sshd | grep -v '^@include common-account$' > "$dir/pam.d/sshd"
grep -c 'frontend=sshd' "$dir/pam.d/sshd" | grep -qx 4 || fail "the example's Sekimori lines"
cp /etc/pam.d/common-session "$dir/pam.d/"
printf '%s required pam_deny.so\n' auth account password session > "$dir/pam.d/other"

ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey" || fail "host key"
# sshd chroots its unprivileged child into this compiled-in folder; it must exist.
[ -d /run/sshd ] || { mkdir -p /run/sshd; chmod 755 /run/sshd; }

start_sshd() {
	port=$(free_port t) || fail "no free port"
	cat > "$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/hostkey
PidFile none
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
AuthenticationMethods keyboard-interactive
AuthorizedKeysFile none
PermitRootLogin no
StrictModes no
UseDNS no
MaxAuthTries 6
LogLevel ${SK_SSHD_LOGLEVEL:-VERBOSE}
CONF
	LD_PRELOAD="libnss_wrapper.so libpam_wrapper.so" \
	NSS_WRAPPER_PASSWD="$dir/passwd" NSS_WRAPPER_GROUP="$dir/group" \
	PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" PAM_WRAPPER_DISABLE_DEEPBIND=1 \
	TMPDIR="$dir" \
		/usr/sbin/sshd -D -e -f "$dir/sshd_config" 2> "$dir/sshd.log" &
	sshd_pid=$!
	listening() { ss -Hltn "sport = :$port" | grep -q .; }
	if ! wait_for 100 listening; then
		kill "$sshd_pid" 2>/dev/null; wait "$sshd_pid" 2>/dev/null || true
		return 1
	fi
	pids+=("$sshd_pid")
}
started=0
for _ in 1 2 3; do start_sshd && { started=1; break; }; done
[ "$started" = 1 ] || fail "sshd did not start"

# The askpass program: answers each prompt by its text and writes down what it was asked.
cat > "$dir/askpass" <<'ASK'
#!/bin/sh
printf '%s\n' "$1" >> "$SK_ASK_LOG"
case "$1" in
*"Current password:"*) printf '%s\n' "$SK_ASK_OLD" ;;
*"Retype new password:"*|*"New password:"*) printf '%s\n' "$SK_ASK_NEW" ;;
*"Password:"*) printf '%s\n' "$SK_ASK_PW" ;;
*"One-time code:"*) printf '%s\n' "$SK_ASK_CODE" ;;
*) exit 1 ;;
esac
ASK
chmod 755 "$dir/askpass"

# login USER PASSWORD CODE [NEW]: one ssh connection running `echo`; output in $dir/out,
# the prompts in $dir/prompts. Returns ssh's exit status.
login() {
	: > "$dir/prompts"
	local rc=0
	HOME="$dir/client" SSH_ASKPASS="$dir/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
	SK_ASK_LOG="$dir/prompts" SK_ASK_PW="$2" SK_ASK_CODE="$3" SK_ASK_OLD="$2" \
	SK_ASK_NEW="${4:-}" \
		timeout ${SK_SSH_TIMEOUT:-60} setsid ssh -F /dev/null -p "$port" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o PreferredAuthentications=keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=20 -o LogLevel=INFO \
		"$1@127.0.0.1" echo SK-REMOTE-LOGGED-IN < /dev/null > "$dir/out" 2>&1 || rc=$?
	return "$rc"
}

temp=$(add_user taro remote)
seed=$(enrol_totp taro)
new='Kawazu-Sakura-2026'

# 1. First login: temporary password, code, then the forced change in the same exchange.
login taro "$temp" "$(code "$seed" 30)" "$new" || fail "first ssh login (rc $?)"
grep -q SK-REMOTE-LOGGED-IN "$dir/out" || fail "the remote command did not run"; ok
# sshd puts the PAM messages before the next prompt's text.
grep -q '遠隔接続です' "$dir/prompts" || fail "no login message relayed by sshd"; ok
grep -oE '(Password|One-time code): $' "$dir/prompts" | head -n 2 | tr '\n' '|' |
	grep -qx 'Password: |One-time code: |' ||
	fail "prompts were not password then code: $(tr '\n' '|' < "$dir/prompts")"; ok
grep -q 'New password:' "$dir/prompts" || fail "no forced password change"; ok
audit_has '"event":"auth"' '"user":"taro"' '"result":"allow"' '"rhost":"127.0.0.1"' \
	'"origin":"sshd"' || fail "no audited success from sshd at 127.0.0.1"; ok

# 2. The new password with a wrong code (a code from long ago): refused, no shell.
login taro "$new" "$(code "$seed" -3600)" && fail "wrong code accepted"
grep -q SK-REMOTE-LOGGED-IN "$dir/out" && fail "a shell ran after a wrong code"
grep -q 'Permission denied' "$dir/out" || fail "no refusal from sshd"; ok
grep -q 'Authentication failed' "$dir/out" || fail "the module's refusal was not relayed"; ok

# 3. Four more wrong codes reach deny = 5: the account locks, and then even the right
#    password and a fresh code are refused without asking anything.
for off in -7200 -10800 -14400 -18000; do
	login taro "$new" "$(code "$seed" "$off")" && fail "wrong code $off accepted"
done
login taro "$new" "$(code "$seed" 60)" && fail "a locked account logged in"
grep -q SK-REMOTE-LOGGED-IN "$dir/out" && fail "a shell ran on a locked account"
grep -q 'locked' "$dir/out" || fail "no lock notice relayed"; ok
[ ! -s "$dir/prompts" ] || fail "a locked account was asked: $(tr '\n' '|' < "$dir/prompts")"; ok
audit_has '"user":"taro"' '"result":"locked"' || fail "no audited lock"; ok
cli user unlock taro > /dev/null || fail "unlock"
login taro "$new" "$(code "$seed" 60)" || fail "login after unlock (rc $?)"
grep -q SK-REMOTE-LOGGED-IN "$dir/out" || fail "no shell after unlock"; ok

# 4. A user whose own profile forbids remote access: refused before anything is asked.
temp2=$(add_user jiro mynumber)
seed2=$(enrol_totp jiro)
login jiro "$temp2" "$(code "$seed2" 30)" 'Shidare-Zakura-2026' && fail "remote = no logged in"
grep -q SK-REMOTE-LOGGED-IN "$dir/out" && fail "a shell ran for a remote = no user"
audit_has '"user":"jiro"' '"origin":"sshd"' '"reason":"remote_not_allowed"' ||
	fail "no audited remote_not_allowed"; ok

cli audit verify > "$dir/out" || fail "audit chain"
echo "sshd: $checks passed, 0 failed"
