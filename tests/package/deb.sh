#!/usr/bin/env bash
# The Debian packages (issue 13, item 1): dpkg-buildpackage builds sekimori and
# libpam-sekimori from a copy of the source tree, lintian finds no error, and in a fresh
# Debian 12 root (mmdebstrap or debootstrap, from the mirror apt uses here) the packages
# install, the broker starts from the installed files, a user enrolled with TOTP logs in
# through the installed module with pamtester, and a purge leaves nothing behind.
# Requirement IDs: R-MFA-1 (the module where libpam loads it), R-PRIV-1 (the
# administrators' group exists), R-CRED-2 (the broker as user sekimori without
# capabilities; keys made at the first start, 0600, sekimori's; root's audit verify reads
# them).
#
# The base root is cached as a tarball under the build folder (package-cache/), keyed by
# the packages it holds, so a second run skips the download (tests/package/lib.sh). Exit status 77 (a SKIP
# line first) when a tool is missing or when not run as root.
set -euo pipefail
: "${SK_SOURCE_DIR:?}" "${SK_BINARY_DIR:?}"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (chroot, dpkg in the chroot)"
for t in dpkg-buildpackage dh lintian chroot; do
	command -v "$t" > /dev/null || skip "$t missing (scripts/install-deps.sh installs it)"
done
if command -v mmdebstrap > /dev/null; then strap=mmdebstrap
elif command -v debootstrap > /dev/null; then strap=debootstrap
else skip "neither mmdebstrap nor debootstrap (scripts/install-deps.sh installs them)"
fi

. "$SK_SOURCE_DIR/tests/package/lib.sh"
start=$(date +%s)
stamp() { echo "[$(( $(date +%s) - start ))s] $*"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/sk-deb-XXXXXX")
root=$work/root
broker=
cleanup() {
	if [ -n "$broker" ]; then kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; fi
	# Never delete through a mount.
	if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc" || { echo "proc still mounted in $root: kept" >&2; return; }; fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -f "$work/out" ] && { echo "--- last output:" >&2; cat "$work/out" >&2; }
	[ -f "$work/broker.log" ] && { echo "--- broker log:" >&2; tail -n 20 "$work/broker.log" >&2; }
	exit 1
}
checks=0
ok() { checks=$((checks + 1)); }
inroot() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }

# --- Build, from a copy (tests/package/lib.sh).
pkg_build; ok

# Contents: the module in the folder of Debian's pam_unix.so, the conffile, the unit.
# (Listings go to files first: `grep -q` in a pipe under pipefail can fail by SIGPIPE.)
pam_dir=$(dirname "$(dpkg -L libpam-modules | grep '/security/pam_unix.so$' | head -n1)")
dpkg-deb -c "$deb_main" | awk '{print $6}' > "$work/main.list"
dpkg-deb -c "$deb_pam" | awk '{print $6}' > "$work/pam.list"
grep -qx "\.$pam_dir/pam_sekimori.so" "$work/pam.list" || fail "module not in $pam_dir"; ok
# The device plug-in the module loads from its own folder (FIDO2, card) travels with it.
grep -qx "\.$pam_dir/pam_sekimori_devices.so" "$work/pam.list" ||
	fail "device plug-in not next to the module"; ok
# So does the TLS plug-in it loads for a tls:// broker (doc/deployment.md, remote terminals).
grep -qx "\.$pam_dir/pam_sekimori_tls.so" "$work/pam.list" ||
	fail "TLS plug-in not next to the module"; ok
# The session agent the module execs for card sessions travels with the module.
grep -qx "\./usr/libexec/sekimori/sekimori-session-agent" "$work/pam.list" ||
	fail "session agent not in libpam-sekimori"; ok
dpkg-deb -I "$deb_main" conffiles > "$work/conffiles"
grep -qx /etc/sekimori/sekimori.conf "$work/conffiles" || fail "sekimori.conf is not a conffile"; ok
for f in ./usr/sbin/sekimorid ./usr/bin/sekimori ./lib/systemd/system/sekimorid.service \
	./usr/share/locale/ja/LC_MESSAGES/sekimori.mo ./usr/share/man/man1/sekimori.1.gz \
	./usr/share/man/man5/sekimori.conf.5.gz ./usr/share/man/man8/sekimorid.8.gz \
	./usr/libexec/sekimori/sekimori-radius ./usr/share/man/man8/sekimori-radius.8.gz \
	./usr/share/doc/sekimori/examples/freeradius/sekimori-exec \
	./usr/share/doc/sekimori/examples/freeradius/sekimori-site; do
	grep -qxF "$f" "$work/main.list" || fail "$f not in $(basename "$deb_main")"
done; ok
grep -qx './usr/share/man/man8/pam_sekimori.8.gz' "$work/pam.list" || fail "pam_sekimori(8)"; ok

# lintian: no error. Warnings are printed for the log (doc/deployment.md lists the ones kept).
TMPDIR="$work" lintian --tag-display-limit 0 "$work"/src/sekimori_*.changes > "$work/lintian.log" 2>&1 || true
grep -v '^running with root privileges' "$work/lintian.log" || true
grep -q '^E: ' "$work/lintian.log" && fail "lintian errors"; ok
stamp "lintian"

# --- A fresh Debian 12 root with the packages' dependencies, pamtester and oathtool.
pkg_base_root deb ""
mkdir -p "$root"
tar -C "$root" -xf "$base"
mount -t proc proc "$root/proc"
grep -q '^VERSION_CODENAME=bookworm' "$root/etc/os-release" || fail "root is not Debian 12"; ok
[ -e "$root$pam_dir/pam_unix.so" ] || fail "the fresh root has no $pam_dir/pam_unix.so"; ok

# --- Install. All dependencies are in the base root: dpkg alone, no network.
cp "$deb_main" "$deb_pam" "$root/tmp/"
inroot dpkg -i "/tmp/$(basename "$deb_main")" "/tmp/$(basename "$deb_pam")" > "$work/out" 2>&1 ||
	fail "dpkg -i"; ok
inroot dpkg-query -W -f='${Status}\n' sekimori libpam-sekimori > "$work/status"
[ "$(grep -cx 'install ok installed' "$work/status")" = 2 ] || fail "not both installed"; ok
inroot getent group sekimori-admin > /dev/null || fail "no group sekimori-admin"; ok
[ "$(inroot getent passwd sekimori | cut -d: -f7)" = /usr/sbin/nologin ] || fail "no locked service user sekimori"; ok
[ "$(stat -c %a "$root/etc/sekimori/sekimori.conf")" = 644 ] || fail "sekimori.conf mode"; ok
[ -L "$root/etc/systemd/system/multi-user.target.wants/sekimorid.service" ] ||
	fail "unit not enabled"; ok
stamp "installed"

# --- The broker, started directly (no systemd in a chroot) as the unit runs it: user
# sekimori, group sekimori plus sekimori-admin, no capability, its runtime folder made as
# RuntimeDirectory= would.
svc_uid=$(inroot getent passwd sekimori | cut -d: -f3)
[ "$(stat -c '%u %a' "$root/etc/sekimori/keys")" = "$svc_uid 700" ] ||
	fail "keys folder not sekimori's 0700: $(stat -c '%u %a' "$root/etc/sekimori/keys")"; ok
install -d -o "$svc_uid" -g "$svc_uid" -m 0755 "$root/run/sekimori"
chroot --userspec=sekimori:sekimori --groups=sekimori-admin "$root" /usr/bin/env -i \
	PATH=/usr/sbin:/usr/bin LC_ALL=C setpriv --inh-caps=-all --bounding-set=-all \
	/usr/sbin/sekimorid -c /etc/sekimori/sekimori.conf -f 2> "$work/broker.log" &
broker=$!
for _ in $(seq 200); do [ -S "$root/run/sekimori/sekimorid.sock" ] && break; sleep 0.05; done
[ -S "$root/run/sekimori/sekimorid.sock" ] || { cat "$work/broker.log"; fail "broker did not start"; }
# (Numeric ids: the names are the root's, not this machine's.)
admin_gid=$(inroot getent group sekimori-admin | cut -d: -f3)
[ "$(stat -c '%u:%g %a' "$root/run/sekimori/sekimorid.sock")" = "$svc_uid:$admin_gid 660" ] ||
	fail "socket owner/mode: $(stat -c '%u:%g %a' "$root/run/sekimori/sekimorid.sock")"; ok
for k in seed.key audit.key; do
	[ "$(stat -c '%u %a' "$root/etc/sekimori/keys/$k")" = "$svc_uid 600" ] ||
		fail "$k not sekimori's 0600"
done; ok
# (chroot, env and setpriv exec one another: $broker is sekimorid itself.)
grep -q "^Uid:[[:space:]]*$svc_uid[[:space:]]" "/proc/$broker/status" ||
	fail "broker not running as sekimori"
grep -q '^CapEff:[[:space:]]*0000000000000000$' "/proc/$broker/status" ||
	fail "broker has capabilities"; ok

# --- The first administrator, set up by root in the recovery role (an account with the
# admin profile 'privileged', its TOTP, its own password), then `sekimori admin login`: the
# commands after it run under that person's admin session (token in XDG_RUNTIME_DIR).
mkdir -m 700 "$root/run/sk-admin"
inroot useradd -M boss
adm() { inroot XDG_RUNTIME_DIR=/run/sk-admin sekimori "$@"; }
atemp=$(inroot sekimori --json user add boss --profile privileged | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
[ -n "$atemp" ] || fail "no temporary password for the administrator"; ok
aseed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
acode() { inroot oathtool --totp -b -N "@$(( $1 * 30 ))" "$aseed"; }
a0=$(( $(date +%s) / 30 ))
inroot sekimori totp enroll boss --secret "$aseed" --code "$(acode "$a0")" > "$work/out" 2>&1 ||
	fail "administrator's totp enroll"; ok
profile=$(sed -n 's/^default_profile *= *//p' "$root/etc/sekimori/sekimori.conf" | head -n1)
for phase in auth account password session; do
	echo "$phase required pam_sekimori.so${profile:+ profile=$profile}"
done > "$root/etc/pam.d/sk-login"
apw='Tsukuba-Admin-2026x'
printf '%s\n%s\n%s\n' "$atemp" "$apw" "$apw" | inroot pamtester -v sk-login boss chauthtok \
	> "$work/out" 2>&1 || fail "administrator's chauthtok"; ok
printf '%s\n%s\n' "$apw" "$(acode $((a0 + 1)))" | adm admin login --user boss > "$work/out" 2>&1 ||
	fail "admin login"
grep -q 'Admin session for boss' "$work/out" || fail "no admin session"; ok

# --- A user with a password and TOTP, and a real login with pamtester through the module.
inroot useradd -m hanako
temp=$(adm --json user add hanako | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
[ -n "$temp" ] || fail "no temporary password"; ok
seed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
# Codes by time step: a step's code is accepted once (replays are refused), so each login
# below uses a step not used before; the profile's window accepts the next step early.
code() { inroot oathtool --totp -b -N "@$(( $1 * 30 ))" "$seed"; }
s0=$(( $(date +%s) / 30 ))
adm totp enroll hanako --secret "$seed" --code "$(code "$s0")" \
	> "$work/out" 2>&1 || fail "totp enroll"; ok
pt() { inroot pamtester -v sk-login hanako "$@"; }
# A wrong password with a good code: refused.
printf '%s\n%s\n' "not-the-password" "$(code $((s0 + 1)))" | pt authenticate > "$work/out" 2>&1 &&
	fail "wrong password accepted"
grep -q 'Authentication failure' "$work/out" || fail "no failure line"; ok
# The temporary password and a code: authenticated; then it must be changed (chauthtok).
printf '%s\n%s\n' "$temp" "$(code $((s0 + 1)))" | pt authenticate > "$work/out" 2>&1 ||
	fail "login with the temporary password"
grep -q 'successfully authenticated' "$work/out" || fail "no success line"; ok
new='Kawazu-Sakura-2026'
printf '%s\n%s\n%s\n' "$temp" "$new" "$new" | pt chauthtok > "$work/out" 2>&1 || fail "chauthtok"; ok
# The full login (all four phases) with the new password and the code of the step after
# next, once that is within the window (bounded wait, at most one time step).
for _ in $(seq 70); do [ $(( $(date +%s) / 30 )) -gt "$s0" ] && break; sleep 0.5; done
printf '%s\n%s\n' "$new" "$(code $((s0 + 2)))" |
	pt authenticate acct_mgmt open_session close_session > "$work/out" 2>&1 ||
	fail "full login with the new password"
grep -q 'successfully authenticated' "$work/out" || fail "no success line (full login)"; ok
grep -q 'successfully opened a session' "$work/out" || fail "no session (full login)"; ok
inroot sekimori audit verify > "$work/out" 2>&1 || fail "audit verify"
grep -q intact "$work/out" || fail "audit chain not intact"; ok
# The logrotate stanza is installed and names the installed helper.
grep -q '^/var/log/sekimori/audit.jsonl {' "$root/etc/logrotate.d/sekimori" ||
	fail "no logrotate stanza"
[ -x "$root/usr/libexec/sekimori/sekimori-audit-rotate" ] || fail "no rotation helper"; ok
stamp "logged in"

adm admin logout > "$work/out" 2>&1 || fail "admin logout"
[ ! -e "$root/run/sk-admin/sekimori-admin-session" ] || fail "token file left after logout"; ok
kill "$broker"; wait "$broker" 2>/dev/null || true; broker=
rm -f "$root/etc/pam.d/sk-login"
inroot userdel -r hanako 2> /dev/null
inroot userdel boss 2> /dev/null || true
rm -rf "$root/run/sk-admin"   # the admin session token: not the packages' to remove

# --- Remove keeps the state; purge removes it and every file the packages brought.
inroot dpkg --remove libpam-sekimori sekimori > "$work/out" 2>&1 || fail "dpkg --remove"; ok
[ -f "$root/var/lib/sekimori/sekimori.db" ] || fail "remove deleted the store"; ok
[ -f "$root/etc/sekimori/sekimori.conf" ] || fail "remove deleted the conffile"; ok
inroot dpkg --purge libpam-sekimori sekimori > "$work/out" 2>&1 || fail "dpkg --purge"; ok
left=$(cd "$root" && find etc/sekimori var/lib/sekimori var/log/sekimori run/sekimori \
	"${pam_dir#/}/pam_sekimori.so" "${pam_dir#/}/pam_sekimori_devices.so" "${pam_dir#/}/pam_sekimori_tls.so" usr/libexec/sekimori usr/sbin/sekimorid usr/bin/sekimori usr/share/doc/sekimori \
	usr/share/doc/libpam-sekimori lib/systemd/system/sekimorid.service \
	etc/systemd/system/multi-user.target.wants/sekimorid.service \
	var/lib/systemd/deb-systemd-helper-enabled/sekimorid.service.dsh-also \
	usr/share/locale/ja/LC_MESSAGES/sekimori.mo 2>/dev/null || true)
[ -z "$left" ] || fail "left after purge: $left"; ok
# Nothing else anywhere that names sekimori, apart from the accounts (kept by design).
left=$(cd "$root" && find . -xdev -iname '*sekimori*' ! -path './tmp/*' ! -path './proc/*' | sort)
[ -z "$left" ] || fail "left after purge: $left"; ok
inroot dpkg-query -W sekimori > /dev/null 2>&1 && fail "dpkg still knows sekimori"; ok
inroot getent group sekimori-admin > /dev/null || fail "purge removed the group (kept by design)"; ok
stamp "purged"
echo "package: $checks passed, 0 failed ($(( $(date +%s) - start ))s)"
