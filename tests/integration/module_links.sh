#!/usr/bin/env bash
# The lean module (issue 11, item 2): pam_sekimori.so links no device library and no
# libcrypto; the device plug-in pam_sekimori_devices.so is loaded only when a plan asks for a
# device step. Checked on the built files (readelf, nm) and on what the dynamic loader maps
# in pamtester, an unmodified PAM application under pam_wrapper, against a real broker:
# a password + TOTP login loads neither the plug-in nor its libraries; a password + FIDO2
# login loads the plug-in and libfido2, and still ends in the broker's verdict.
set -euo pipefail
: "${SK_PAM_MODULE:?}" "${SK_SEKIMORID:?}" "${SK_CLI:?}" "${SK_BINARY_DIR:?}"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-links-XXXXXX")
broker=
cleanup() {
	[ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- last output:" >&2; cat "$dir/out" >&2 || true; exit 1; }
checks=0
ok() { checks=$((checks + 1)); }

plugin="${SK_PAM_MODULE%.so}_devices.so"
[ -f "$plugin" ] || fail "no device plug-in next to the module ($plugin)"; ok

# What the module names as needed: only what every transaction uses (a sanitizer build adds
# its runtimes).
readelf -d "$SK_PAM_MODULE" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' > "$dir/needed"
for lib in libfido2 libpcsclite libcrypto libudev libz libssl liboath libsqlite3 libjson-c; do
	if grep -q "^$lib\." "$dir/needed"; then fail "pam_sekimori.so needs $lib"; fi; ok
done
while read -r lib; do
	case "$lib" in
	libpam.so.* | libcbor.so.* | libinih.so.* | libc.so.* | \
		libasan.so.* | libubsan.so.* | libm.so.* | libgcc_s.so.* | libstdc++.so.*) ;;
	*) fail "pam_sekimori.so needs an unexpected $lib" ;;
	esac
done < "$dir/needed"; ok
# The plug-in carries the device libraries and exports its entry only.
grep -q 'libfido2' <(readelf -d "$plugin") || fail "the plug-in does not link libfido2"; ok
grep -q 'libpcsclite' <(readelf -d "$plugin") || fail "the plug-in does not link libpcsclite"; ok
nm -D --defined-only "$plugin" | awk '{print $3}' | grep -v '^_\|^$' > "$dir/exports" || true
[ "$(cat "$dir/exports")" = "pamsk_devices_entry" ] ||
	fail "the plug-in exports $(tr '\n' ' ' < "$dir/exports")"; ok
nm -D --defined-only "$SK_PAM_MODULE" | awk '{print $3}' | grep -v '^_\|^$' |
	grep -v '^pam_sm_' > "$dir/exports" || true
[ ! -s "$dir/exports" ] || fail "the module exports $(tr '\n' ' ' < "$dir/exports")"; ok

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
totp_window = 2
[profile keyp]
classes = knowledge, possession
methods = password, fido2
fido2_uv = discouraged
[fido2]
rp_id = sekimori.test
CONF
mkdir -p "$dir/pam.d"
for p in mynumber keyp admin; do
	for phase in auth account password session; do
		echo "$phase required $SK_PAM_MODULE profile=$p conf=$dir/sekimori.conf"
	done > "$dir/pam.d/sk-$p"
done
printf '%s required pam_deny.so\n' auth account password session > "$dir/pam.d/other"

"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2> "$dir/broker.log" &
broker=$!
for _ in $(seq 200); do [ -S "$dir/sekimorid.sock" ] && break; sleep 0.05; done
[ -S "$dir/sekimorid.sock" ] || fail "broker did not start"

cli() { LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }
preload="libpam_wrapper.so"
case "$(ldd "$SK_PAM_MODULE")" in
*libasan*) preload="$(gcc -print-file-name=libasan.so) $preload" ;;
esac
# pamtester with the loader's list of every file it maps (LD_DEBUG=files) in $dir/ld.*.
pt() {
	local service=$1
	shift
	rm -f "$dir"/ld.*
	LD_DEBUG=files LD_DEBUG_OUTPUT="$dir/ld" \
	LD_PRELOAD="$preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" \
	PAM_WRAPPER_DISABLE_DEEPBIND=1 ASAN_OPTIONS=detect_leaks=0 TMPDIR="$dir" \
		pamtester -v "$service" "$@"
}
loaded() { cat "$dir"/ld.* | grep -q "file=[^ ]*$1"; }

# The administrator who adds the user: set up by root in the recovery role, then logged in
# as themselves (as in pamtester.sh).
export XDG_RUNTIME_DIR="$dir/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
atemp=$(cli --json user add boss --profile admin | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
[ -n "$atemp" ] || fail "no temporary password for the administrator"
aseed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
cli totp enroll boss --secret "$aseed" --code "$(oathtool --totp -b "$aseed")" > "$dir/out" \
	|| fail "administrator's TOTP enrolment"
apw='Tsukuba-Admin-2026x'
printf '%s\n%s\n%s\n' "$atemp" "$apw" "$apw" | pt sk-admin boss chauthtok > "$dir/out" 2>&1 \
	|| fail "administrator's password change"
printf '%s\n%s\n' "$apw" "$(oathtool --totp -b -N "@$(( $(date +%s) + 30 ))" "$aseed")" |
	cli admin login --user boss > "$dir/out" 2>&1 || fail "admin login"

temp=$(cli --json user add hanako --profile mynumber | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
[ -n "$temp" ] || fail "no temporary password"
seed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
cli totp enroll hanako --secret "$seed" --code "$(oathtool --totp -b "$seed")" > "$dir/out" || fail "enrol"

# Password + TOTP: the whole transaction without the plug-in or a device library.
printf '%s\n%s\n' "$temp" "$(oathtool --totp -b -N "@$(( $(date +%s) + 30 ))" "$seed")" |
	pt sk-mynumber hanako authenticate > "$dir/out" 2>&1 || fail "TOTP login"
grep -q 'successfully authenticated' "$dir/out" || fail "TOTP login verdict"; ok
loaded 'pam_sekimori\.so' || fail "LD_DEBUG shows no module (the check would prove nothing)"; ok
for lib in '_devices\.so' 'libfido2' 'libpcsclite' 'libcrypto' 'libudev'; do
	if loaded "$lib"; then fail "a TOTP login loaded $lib"; fi; ok
done

# Password + FIDO2 with no key plugged in: the plug-in and libfido2 are loaded for the
# step, the user is told, and the broker still decides (a denial).
printf '%s\n' "$temp" | pt sk-keyp hanako authenticate > "$dir/out" 2>&1 &&
	fail "a FIDO2 login without a key succeeded"
grep -q 'No security key is plugged in' "$dir/out" || fail "no FIDO2 device message"; ok
loaded '_devices\.so' || fail "the FIDO2 step did not load the plug-in"; ok
loaded 'libfido2' || fail "the FIDO2 step did not load libfido2"; ok
echo "module_links: $checks passed, 0 failed"
