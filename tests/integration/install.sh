#!/usr/bin/env bash
# `cmake --install` and the uninstall target into a staging root (DESTDIR) (issue 7, item 17):
# the configuration lands in /etc/sekimori where sekimori(1) and sekimorid(8) look, the module
# in the folder Debian's libpam loads pam_unix.so from, the group sekimori-admin is created
# (once), a configured sekimori.conf survives a reinstall and the uninstall, and the uninstall
# removes everything else. Requirement IDs: R-MFA-1 (the module must be where libpam loads it),
# R-PRIV-1 (the administrators' group exists, so non-members cannot administer).
set -euo pipefail
: "${SK_BINARY_DIR:?}" "${SK_SOURCE_DIR:?}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sk-install-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
checks=0
ok() { checks=$((checks + 1)); }

root=$tmp/root
mkdir -p "$root/etc"
# groupadd --prefix edits these copies, never the machine's own.
cp /etc/group /etc/gshadow /etc/passwd /etc/shadow "$root/etc/"

# Where Debian's libpam loads modules from: the folder of pam_unix.so.
pam_dir=$(dirname "$(dpkg -L libpam-modules | grep '/security/pam_unix.so$' | head -n1)")
[ -n "$pam_dir" ] || fail "pam_unix.so not found in libpam-modules"

# A fresh configure (no cache) gets the documented layout whatever else.
cmake -S "$SK_SOURCE_DIR" -B "$tmp/fresh" -DSK_TESTS=OFF > "$tmp/configure.log" 2>&1 ||
	{ cat "$tmp/configure.log"; fail "configure"; }
grep -qx 'CMAKE_INSTALL_PREFIX:PATH=/usr' "$tmp/fresh/CMakeCache.txt" || fail "default prefix is not /usr"; ok
grep -qx 'SK_SYSCONF_DIR:PATH=/etc/sekimori' "$tmp/fresh/CMakeCache.txt" || fail "sysconf dir"; ok
grep -qx "SK_PAM_MODULE_DIR:PATH=$pam_dir" "$tmp/fresh/CMakeCache.txt" ||
	grep -qx "SK_PAM_MODULE_DIR:PATH=/usr$pam_dir" "$tmp/fresh/CMakeCache.txt" ||
	fail "PAM module dir is not libpam's ($pam_dir)"; ok
grep -q '#define SK_DEFAULT_CONF "/etc/sekimori/sekimori.conf"' "$tmp/fresh/generated/sk_build.h" ||
	fail "default configuration path"; ok

# The tested build's install.
DESTDIR=$root cmake --install "$SK_BINARY_DIR" > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "cmake --install"; }
[ -f "$root/etc/sekimori/sekimori.conf" ] || fail "no $root/etc/sekimori/sekimori.conf"; ok
[ -f "$root$pam_dir/pam_sekimori.so" ] || fail "pam_sekimori.so not in $pam_dir"; ok
[ -f "$root$pam_dir/pam_sekimori_devices.so" ] || fail "pam_sekimori_devices.so not in $pam_dir"; ok
grep -q '^sekimori-admin:x:[0-9]*:$' "$root/etc/group" || fail "group sekimori-admin not created"; ok
grep -q '^sekimori-admin:' "$root/etc/gshadow" || fail "group sekimori-admin not in gshadow"; ok
grep -q 'admin_group = sekimori-admin' "$root/etc/sekimori/sekimori.conf" || fail "conf names another group"; ok

# A reinstall keeps the operator's configuration and does not add the group twice.
echo "# edited by the operator" >> "$root/etc/sekimori/sekimori.conf"
DESTDIR=$root cmake --install "$SK_BINARY_DIR" > "$tmp/install2.log" 2>&1 ||
	{ cat "$tmp/install2.log"; fail "second cmake --install"; }
grep -q 'edited by the operator' "$root/etc/sekimori/sekimori.conf" || fail "configuration overwritten"; ok
[ "$(grep -c '^sekimori-admin:' "$root/etc/group")" = 1 ] || fail "group added twice"; ok
grep -q 'Group sekimori-admin exists already' "$tmp/install2.log" || fail "no 'exists already'"; ok

# uninstall: every installed file goes, except the configuration.
installed=$(wc -l < "$SK_BINARY_DIR/install_manifest.txt")
[ "$installed" -ge 10 ] || fail "manifest lists only $installed files"; ok
DESTDIR=$root cmake --build "$SK_BINARY_DIR" --target uninstall > "$tmp/uninstall.log" 2>&1 ||
	{ cat "$tmp/uninstall.log"; fail "uninstall"; }
left=$(find "$root" -type f ! -path "$root/etc/group*" ! -path "$root/etc/gshadow*" \
	! -path "$root/etc/passwd*" ! -path "$root/etc/shadow*")
[ "$left" = "$root/etc/sekimori/sekimori.conf" ] || fail "left after uninstall: $left"; ok
[ ! -e "$root$pam_dir/pam_sekimori.so" ] || fail "module left"; ok
[ ! -e "$root$pam_dir/pam_sekimori_devices.so" ] || fail "device plug-in left"; ok
[ ! -d "$(find "$root" -type d -name sekimori -path '*/doc/*' | head -n1)" ] || fail "doc folder left"; ok
echo "install.sh: $checks checks passed"
