# Shared by the tests in tests/remote/: a private folder, a real sekimorid, the CLI, ports,
# oathtool codes, bounded waits and the checks' counter. Sourced, not run.
# shellcheck shell=bash
set -euo pipefail
: "${SK_PAM_MODULE:?}" "${SK_SEKIMORID:?}" "${SK_CLI:?}" "${SK_BINARY_DIR:?}"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-remote-XXXXXX")
chmod 755 "$dir"
# The store: state/sekimori.db, or a database of its own under tests/pg/with-pg.sh.
. "$SK_SOURCE_DIR/tests/pg/store.sh"
sk_store_new || { rm -rf "$dir"; echo "FAIL: no store" >&2; exit 1; }
pids=()
cleanups=()
remote_cleanup() {
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[$i]}" 2>/dev/null || true
		wait "${pids[$i]}" 2>/dev/null || true
	done
	for c in "${cleanups[@]}"; do eval "$c" || true; done
	rm -rf "$dir"
}
trap remote_cleanup EXIT
trap 'exit 130' INT TERM
checks=0
ok() { checks=$((checks + 1)); }
fail() {
	echo "FAIL: $*" >&2
	for f in "$dir"/out "$dir"/*.log; do
		[ -f "$f" ] && { echo "--- $f (tail):" >&2; tail -n 40 "$f" >&2; }
	done
	exit 1
}

# wait_for TRIES CMD...: polls CMD every 0.1 s, at most TRIES times.
wait_for() {
	local n=$1; shift
	for ((; n > 0; n--)); do "$@" && return 0; sleep 0.1; done
	return 1
}

# A TCP/UDP port on 127.0.0.1 nobody listens on now (the caller still checks its server bound).
free_port() {
	local proto=${1:-t} p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 30000))
		ss -Hln"$proto" "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# start_broker PROFILES_TEXT: sekimori.conf in $dir with these profile sections, broker up.
start_broker() {
	cat > "$dir/sekimori.conf" <<CONF
[broker]
socket = sekimorid.sock
store = $sk_store
audit_log = log/audit.jsonl
audit_anchor = state/audit.anchor
key_dir = keys
locale_dir = $SK_BINARY_DIR/locale
language = C
default_profile = standard
$1
CONF
	"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2> "$dir/broker.log" &
	pids+=($!)
	wait_for 100 test -S "$dir/sekimorid.sock" || fail "broker did not start"
}

# start_shipped_broker: conf/sekimori.conf as shipped, with the state moved into $dir,
# English messages (the example stacks' prompt maps are English) and totp_window = 2 so a
# test can log in again after the first login without waiting for the clock. SK_AUTH_TIMEOUT,
# when set, replaces auth_timeout (the lifetime of a RADIUS challenge, for its expiry test).
# SK_EXTRA_CONF, when set, is appended (a test's own profiles).
start_shipped_broker() {
	sed -e "s#^auth_timeout = .*#auth_timeout = ${SK_AUTH_TIMEOUT:-300}#" \
	    -e "s#^socket = .*#socket = sekimorid.sock#" \
	    -e "s#^store = .*#store = ${sk_store//&/\\&}#" \
	    -e "s#^audit_log = .*#audit_log = log/audit.jsonl#" \
	    -e "s#^audit_anchor = .*#audit_anchor = state/audit.anchor#" \
	    -e "s#^key_dir = .*#key_dir = keys#" \
	    -e "s#^language = .*#language = C\nlocale_dir = $SK_BINARY_DIR/locale#" \
	    -e "s#^totp_window = .*#totp_window = 2#" \
	    "$SK_SOURCE_DIR/conf/sekimori.conf" > "$dir/sekimori.conf"
	[ -z "${SK_EXTRA_CONF:-}" ] || printf '\n%s\n' "$SK_EXTRA_CONF" >> "$dir/sekimori.conf"
	grep -q '^\[profile remote\]' "$dir/sekimori.conf" || fail "no [profile remote] shipped"
	"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2> "$dir/broker.log" &
	pids+=($!)
	wait_for 100 test -S "$dir/sekimorid.sock" || fail "broker did not start"
	admin_session
}

# admin_session: the test's administrator, made the way a site makes its first one. Root in
# the recovery role adds an account with the shipped admin profile (privileged) and its
# TOTP; the administrator changes the temporary password and logs in as themselves with
# `sekimori admin login`. The CLI keeps the session token in $XDG_RUNTIME_DIR, so every
# later `cli` call acts as that administrator.
admin_session() {
	local temp seed pw='Remote-Admin-2026-x!'

	export XDG_RUNTIME_DIR="$dir/run"
	mkdir -p -m 700 "$XDG_RUNTIME_DIR"
	temp=$(add_user boss privileged)
	seed=$(enrol_totp boss)
	SK_FIRST_PROFILE=privileged first_login boss "$temp" "$seed" "$pw"
	printf '%s\n%s\n' "$pw" "$(code "$seed" 60)" | cli admin login --user boss > "$dir/out" 2>&1 ||
		fail "admin login"
	grep -q 'Admin session for boss' "$dir/out" || fail "no admin session"
}

# example_stack NAME [commented]: the PAM lines of conf/pam.d/NAME as shipped, with the
# module's absolute path and this test's configuration; "commented" takes the commented-out
# alternative lines ("# auth ...", "# account ...") instead.
example_stack() {
	local f="$SK_SOURCE_DIR/conf/pam.d/$1" pattern='^[a-z@]'
	[ -f "$f" ] || fail "no example $f"
	if [ "${2:-}" = commented ]; then
		sed -n 's/^# \(\(auth\|account\|password\|session\) .*pam_sekimori\.so.*\)$/\1/p' "$f"
	else
		grep "$pattern" "$f"
	fi | sed "s#pam_sekimori\.so#$SK_PAM_MODULE conf=$dir/sekimori.conf#"
}

cli() { LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }

# add_user NAME PROFILE: prints the temporary password.
add_user() {
	local t
	t=$(cli --json user add "$1" --profile "$2" | sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p')
	[ -n "$t" ] || fail "no temporary password for $1"
	echo "$t"
}

# enrol_totp NAME: a fresh random seed, confirmed with oathtool's code; prints the seed.
enrol_totp() {
	local seed
	seed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
	cli totp enroll "$1" --secret "$seed" --code "$(oathtool --totp -b "$seed")" > "$dir/out" ||
		fail "totp enroll $1"
	echo "$seed"
}

# code SEED OFFSET: oathtool's TOTP code at now + OFFSET seconds.
code() { oathtool --totp -b -N "@$(( $(date +%s) + $2 ))" "$1"; }

# audit_has NEEDLE...: some audit record holds every needle (fixed strings).
audit_has() {
	local line n
	while IFS= read -r line; do
		for n in "$@"; do [[ $line == *"$n"* ]] || continue 2; done
		return 0
	done < "$dir/log/audit.jsonl"
	return 1
}

# The PAM module built with sanitizers needs their runtime first in an uninstrumented program.
asan_preload() {
	case "$(ldd "$SK_PAM_MODULE")" in
	*libasan*) echo "$(gcc -print-file-name=libasan.so) " ;;
	*) echo "" ;;
	esac
}

# first_login USER TEMP SEED NEWPW: the temporary password is changed on a local line
# through pamtester (under pam_wrapper); uses the +30 s code, so the next login takes +60.
first_login() {
	mkdir -p "$dir/pam.first"
	for phase in auth account password session; do
		echo "$phase required $SK_PAM_MODULE profile=${SK_FIRST_PROFILE:-remote} frontend=local conf=$dir/sekimori.conf"
	done > "$dir/pam.first/sk-first"
	printf '%s\n%s\n%s\n%s\n%s\n' "$2" "$(code "$3" 30)" "$2" "$4" "$4" |
		LD_PRELOAD="$(asan_preload)libpam_wrapper.so" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$dir/pam.first" PAM_WRAPPER_DISABLE_DEEPBIND=1 \
		ASAN_OPTIONS=detect_leaks=0 TMPDIR="$dir" \
		pamtester -v sk-first "$1" authenticate chauthtok > "$dir/out" 2>&1 ||
		fail "first login of $1"
	grep -q 'password has been changed' "$dir/out" || fail "no password change for $1"
}
