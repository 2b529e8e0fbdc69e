#!/usr/bin/env bash
# The packaged unit under a real systemd (issue 13, item 2): a fresh Debian 12 root with
# systemd and logrotate, the two packages installed with dpkg, booted with systemd-nspawn.
# systemd starts sekimorid.service as the user sekimori without capabilities; a user is
# added, enrolled and logs in through the installed module with pamtester inside the
# container; the real logrotate rotates the audit log with the installed stanza (the helper
# finds the broker through systemd's MainPID), and `sekimori audit verify` passes across
# the rotation and after a restart. Requirement IDs: R-CRED-2 (the sandbox, the service
# user), R-MFA-1, R-LOG-1, R-LOG-3.
#
# Shares the build and the cached base root with deb.sh (tests/package/lib.sh). Exit status
# 77 (a SKIP line first) when not root or a tool is missing.
set -euo pipefail
: "${SK_SOURCE_DIR:?}" "${SK_BINARY_DIR:?}"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (systemd-nspawn)"
for t in dpkg-buildpackage dh systemd-nspawn nsenter oathtool; do
	command -v "$t" > /dev/null || skip "$t missing (scripts/install-deps.sh installs it)"
done
if command -v mmdebstrap > /dev/null; then strap=mmdebstrap
elif command -v debootstrap > /dev/null; then strap=debootstrap
else skip "neither mmdebstrap nor debootstrap"
fi
. "$SK_SOURCE_DIR/tests/package/lib.sh"
start=$(date +%s)
stamp() { echo "[$(( $(date +%s) - start ))s] $*"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/sk-nspawn-XXXXXX")
root=$work/root
nspawn=
cleanup() {
	if [ -n "$nspawn" ]; then
		kill "$nspawn" 2>/dev/null || true   # systemd-nspawn powers the container off
		for _ in $(seq 100); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$nspawn" 2>/dev/null || true
		wait "$nspawn" 2>/dev/null || true
	fi
	# Never delete through a mount.
	if [ -n "$(findmnt -rn -o TARGET | grep -F "$root" || true)" ]; then
		echo "mounts left in $root: kept" >&2
		return
	fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -f "$work/out" ] && { echo "--- last output:" >&2; cat "$work/out" >&2; }
	[ -f "$work/nspawn.log" ] && { echo "--- container console:" >&2; tail -n 30 "$work/nspawn.log" >&2; }
	[ -n "${cpid:-}" ] && inc journalctl -u sekimorid --no-pager -n 20 >&2 2>/dev/null || true
	exit 1
}
checks=0
ok() { checks=$((checks + 1)); }
inroot() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }
# A command in the running container: all its namespaces, a clean environment.
inc() { nsenter -t "$cpid" -a /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }

pkg_build
pkg_base_root nspawn "systemd,systemd-sysv,dbus,logrotate"
mkdir -p "$root"
tar -C "$root" -xf "$base"
cp "$deb_main" "$deb_pam" "$root/tmp/"
inroot dpkg -i "/tmp/$(basename "$deb_main")" "/tmp/$(basename "$deb_pam")" > "$work/out" 2>&1 ||
	fail "dpkg -i"; ok
[ -L "$root/etc/systemd/system/multi-user.target.wants/sekimorid.service" ] ||
	fail "unit not enabled"; ok
stamp "installed"

# --- Boot. Here PID 1 is not systemd and there is no system bus: --register=no
# --keep-unit (doc/deployment.md, "Under a real systemd").
systemd-nspawn --register=no --keep-unit --console=passive -D "$root" --boot \
	> "$work/nspawn.log" 2>&1 &
nspawn=$!
cpid=
for _ in $(seq 100); do
	cpid=$(pgrep -P "$nspawn" | head -n1 || true)
	[ -n "$cpid" ] && break
	kill -0 "$nspawn" 2>/dev/null || fail "systemd-nspawn exited"
	sleep 0.2
done
[ -n "$cpid" ] || fail "no container init"
state=
# Active, and past its start: the socket exists (before the exec the process is still
# systemd's child, with the credentials not yet changed).
for _ in $(seq 240); do
	state=$(inc systemctl is-active sekimorid 2>/dev/null || true)
	[ "$state" = active ] && inc test -S /run/sekimori/sekimorid.sock && break
	sleep 0.5
done
[ "$state" = active ] || fail "sekimorid.service is $state"
inc test -S /run/sekimori/sekimorid.sock || fail "no socket"; ok
stamp "booted, sekimorid active"

# --- The sandbox as systemd applied it.
mainpid=$(inc systemctl show -p MainPID --value sekimorid)
svc_uid=$(inroot getent passwd sekimori | cut -d: -f3)
inc cat "/proc/$mainpid/status" > "$work/status"
grep -q "^Uid:[[:space:]]*$svc_uid[[:space:]]" "$work/status" || fail "not running as sekimori"
grep -q '^CapEff:[[:space:]]*0000000000000000$' "$work/status" || fail "capabilities"
grep -q '^CapBnd:[[:space:]]*0000000000000000$' "$work/status" || fail "bounding set"
grep -q '^NoNewPrivs:[[:space:]]*1$' "$work/status" || fail "NoNewPrivileges"; ok
inc stat -c '%U:%G %a' /run/sekimori/sekimorid.sock > "$work/out"
[ "$(cat "$work/out")" = "sekimori:sekimori-admin 660" ] || fail "socket"
inc stat -c '%U %a' /etc/sekimori/keys/seed.key /etc/sekimori/keys/audit.key > "$work/out"
[ "$(sort -u "$work/out")" = "sekimori 600" ] || fail "keys"; ok

# --- A user, TOTP, and a login through the installed module.
inc useradd -m hanako
# Root in the recovery role may add accounts of the admin profile (privileged) only
# (sekimori(1) ROLES); the test's subject is the service, not roles.
temp=$(inc sekimori --json user add hanako --profile privileged | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
[ -n "$temp" ] || fail "no temporary password"
seed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
inc sekimori totp enroll hanako --secret "$seed" --code "$(oathtool --totp -b "$seed")" \
	> "$work/out" 2>&1 || fail "totp enroll"; ok
for phase in auth account password session; do
	echo "$phase required pam_sekimori.so"
done > "$root/etc/pam.d/sk-login"
printf '%s\n%s\n' "$temp" "$(oathtool --totp -b -N "@$(( $(date +%s) + 30 ))" "$seed")" |
	inc pamtester -v sk-login hanako authenticate > "$work/out" 2>&1 || fail "login"
grep -q 'successfully authenticated' "$work/out" || fail "no success line"; ok
stamp "logged in"

# --- The real logrotate with the installed stanza.
inc logrotate -f /etc/logrotate.d/sekimori > "$work/out" 2>&1 || fail "logrotate"
new=
for _ in $(seq 100); do
	new=$(inc head -n1 /var/log/sekimori/audit.jsonl 2>/dev/null || true)
	case "$new" in *'"event":"audit.rotated"'*) break ;; esac
	sleep 0.1
done
case "$new" in *'"event":"audit.rotated"'*) ;; *) fail "no new log begun with audit.rotated" ;; esac
inc sekimori user add jiro --profile privileged > /dev/null || fail "a decision after the rotation"
inc sekimori audit verify /var/log/sekimori/audit.jsonl.1 > "$work/out" 2>&1 ||
	fail "audit verify across the rotation"
grep -q '^Records 1 to [0-9]*, in 1 rotated files and the live log\.$' "$work/out" ||
	fail "verify report"; ok
inc systemctl restart sekimorid
for _ in $(seq 100); do
	[ "$(inc systemctl is-active sekimorid 2>/dev/null || true)" = active ] &&
		inc test -S /run/sekimori/sekimorid.sock && break
	sleep 0.2
done
inc sekimori user show jiro > /dev/null || fail "after a restart"
inc sekimori audit verify /var/log/sekimori/audit.jsonl.1 > "$work/out" 2>&1 ||
	fail "audit verify after the restart"; ok
inc journalctl -u sekimorid --no-pager > "$work/journal" 2>&1 || true
if grep -q 'every decision is refused' "$work/journal"; then fail "the broker refused decisions"; fi
ok
stamp "rotated"
echo "nspawn: $checks passed, 0 failed ($(( $(date +%s) - start ))s)"
