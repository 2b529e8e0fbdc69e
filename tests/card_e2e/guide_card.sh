#!/usr/bin/env bash
# Chapter 6 of the operator guides (doc/operator-guide.md, doc/ja/operator-guide.md), a lost
# or damaged IC card, run as the guide writes it: the real pcscd and vsmartcard-vpcd with
# sk-cardemu as the My Number card (tests/smartcard/harness.sh gives the namespaces and the
# test PKI), a real sekimorid with the shipped sekimori.conf plus [card] and a card profile,
# the built pam_sekimori.so under pamtester and pam_wrapper, and the real CLI in a root shell
# with an admin session. Checks every message and list field the chapter quotes, and the
# audit records of 6.4. Requirement IDs: R-CARD-1, R-CARD-3, R-CARD-4, R-LIFE-5.
#
# usage: harness.sh guide_card.sh   (SK_TEST_PKI, SK_TEST_WORK, SK_CARDEMU from the harness)
set -euo pipefail
: "${SK_SEKIMORID:?}" "${SK_CLI:?}" "${SK_BINARY_DIR:?}" "${SK_SOURCE_DIR:?}" "${SK_PAM_MODULE:?}"
: "${SK_TEST_PKI:?}" "${SK_TEST_WORK:?}" "${SK_CARDEMU:?}"
command -v pamtester >/dev/null && command -v oathtool >/dev/null ||
	{ echo "SKIP: pamtester or oathtool missing"; exit 77; }

dir=$SK_TEST_WORK/guide
mkdir -p "$dir/pam.d" "$dir/run"
chmod 700 "$dir/run"
export XDG_RUNTIME_DIR=$dir/run   # the root shell of the guide, with a private folder
broker= emu=
cleanup() {
	local rc=$?
	if [ -n "$emu" ]; then kill "$emu" 2>/dev/null || true; wait "$emu" 2>/dev/null || true; fi
	if [ -n "$broker" ]; then
		kill "$broker" 2>/dev/null || true
		wait "$broker" 2>/dev/null || true
	fi
	exit "$rc"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- last output:" >&2; cat "$dir/out" >&2 || true;
	echo "--- broker log:" >&2; tail -20 "$dir/broker.log" >&2 || true; exit 1; }
has() { grep -qF -- "$1" "$dir/out" || fail "output lacks: $1"; }
"$SK_SOURCE_DIR/tests/card_e2e/extra_certs.sh" "$SK_TEST_PKI" guide1 guide2 guide3 \
	> "$dir/certs.log" 2>&1 || { cat "$dir/certs.log"; fail "extra_certs.sh"; }

# The store: state/sekimori.db, or a database of its own under tests/pg/with-pg.sh.
. "$SK_SOURCE_DIR/tests/pg/store.sh"
sk_store_new || fail "no store"
sed -e "s#^socket = .*#socket = sekimorid.sock#" \
    -e "s#^store = .*#store = ${sk_store//&/\\&}#" \
    -e "s#^audit_log = .*#audit_log = log/audit.jsonl#" \
    -e "s#^audit_anchor = .*#audit_anchor = state/audit.anchor#" \
    -e "s#^key_dir = .*#key_dir = keys#" \
    -e "s#^language = .*#language = C\nlocale_dir = $SK_BINARY_DIR/locale#" \
    "$SK_SOURCE_DIR/conf/sekimori.conf" > "$dir/sekimori.conf"
# 3.4: the card section and a My Number profile with the card method.
cat >> "$dir/sekimori.conf" <<CONF
[card]
trust_anchors = $SK_TEST_PKI/ca.pem
timeout = 5

[profile mynumber-card]
classes = knowledge, possession
methods = password, card
card_removal = none
CONF
printf '%s required %s profile=mynumber-card conf=%s\n' auth "$SK_PAM_MODULE" "$dir/sekimori.conf" \
	account "$SK_PAM_MODULE" "$dir/sekimori.conf" > "$dir/pam.d/login"
printf '%s required %s profile=privileged conf=%s\n' password "$SK_PAM_MODULE" \
	"$dir/sekimori.conf" > "$dir/pam.d/passwd"
printf '%s required pam_deny.so\n' auth account password session > "$dir/pam.d/other"
log=$dir/log/audit.jsonl

"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2> "$dir/broker.log" &
broker=$!
for _ in $(seq 200); do [ -S "$dir/sekimorid.sock" ] && break; sleep 0.05; done
[ -S "$dir/sekimorid.sock" ] || fail "broker did not start"

cli() { LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }
preload=libpam_wrapper.so
case "$(ldd "$SK_PAM_MODULE")" in
*libasan*) preload="$(gcc -print-file-name=libasan.so) $preload" ;;
esac
pam() {
	local service=$1; shift
	LD_PRELOAD="$preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" \
	PAM_WRAPPER_DISABLE_DEEPBIND=1 ASAN_OPTIONS=detect_leaks=0 TMPDIR="$dir" \
		pamtester -v "$service" "$@"
}
last() { grep "\"event\":\"$1\"" "$log" | tail -1; }
# The card NAME (NAME.pem / NAME.key) in the first virtual reader; the previous one pulled.
pull() {
	[ -n "$emu" ] || return 0
	kill "$emu"; wait "$emu" 2>/dev/null || true; emu=
	for _ in $(seq 100); do pcsc_empty && return 0; sleep 0.05; done
}
# Whether pcscd sees the reader empty (opensc-tool when present, else a settling second).
pcsc_empty() {
	if command -v opensc-tool >/dev/null; then
		! opensc-tool -l 2>/dev/null | grep -q 'Yes'
	else
		sleep 1
	fi
}
insert() {
	pull
	"$SK_CARDEMU" --type jpki --port 35963 --cert "$SK_TEST_PKI/$1.pem" \
		--key "$SK_TEST_PKI/$1.key" --state "$dir/$1.state" > "$dir/emu.log" 2>&1 &
	emu=$!
	for _ in $(seq 100); do
		command -v opensc-tool >/dev/null || { sleep 1.5; return 0; }
		opensc-tool -l 2>/dev/null | grep -q 'Yes' && return 0
		sleep 0.05
	done
	fail "the card did not appear in the reader"
}
spki() {
	openssl x509 -in "$SK_TEST_PKI/$1.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
		sha256sum | cut -d' ' -f1
}

# An administrator (recovery by root, first login, admin login: chapter 4).
cli --json user add suzuki --profile privileged > "$dir/out" || fail "admin user add"
atemp=$(sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p' "$dir/out")
aseed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
cli totp enroll suzuki --secret "$aseed" --code "$(oathtool --totp -b "$aseed")" > /dev/null ||
	fail "admin totp"
apw='Kanri-Hikari-2026x#'
printf '%s\n%s\n%s\n' "$atemp" "$apw" "$apw" | pam passwd suzuki chauthtok > "$dir/out" 2>&1 ||
	fail "admin password change"
sleep $((30 - $(date +%s) % 30 + 1))
printf '%s\n%s\n' "$apw" "$(oathtool --totp -b -N "@$(( $(date +%s) + 30 ))" "$aseed")" |
	cli admin login --user suzuki > "$dir/out" 2>&1 || fail "admin login"
cli --json user add tanaka01 --profile mynumber-card > "$dir/out" || fail "user add"
temp=$(sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p' "$dir/out")

# 4.4: the card enrolled; the login with the password and the card's PIN.
insert guide1
cli card enroll tanaka01 > "$dir/out" || fail "card enroll"
has "Card enrolled for tanaka01 (id 1) from reader"
has "Certificate binding (SHA-256 of the public key): $(spki guide1)"
printf '%s\n1234\n' "$temp" | pam login tanaka01 authenticate > "$dir/out" 2>&1 ||
	fail "login with the card"

# 6.1: lost, revoked: refused everywhere, and its PIN not even asked for.
pull
cli card revoke tanaka01 --reason lost > "$dir/out" || fail "card revoke"
has "The card was revoked: every login with it is refused from now on."
grep -qF "Collect the card" "$dir/out" && fail "a lost card is not to be collected"
last admin.card_revoke | grep -q '"action":"lost"' || fail "revoke action"
last admin.card_revoke | grep -q "\"cert\":\"$(spki guide1)\"" || fail "revoke cert"
last admin.card_revoke | grep -q '"admin":"suzuki"' || fail "revoke admin"
cli card list tanaka01 > "$dir/out" || fail "card list"
has "state: revoked"
has "revoke_reason: lost"
insert guide1
printf '%s\n1234\n' "$temp" | pam login tanaka01 authenticate > "$dir/out" 2>&1 &&
	fail "a revoked card logged in"
has "The card in the reader is not registered for your account, so its PIN was not asked for."
last auth | grep -q '"reason":"no_factors"' || fail "auth reason no_factors"
cli card revoke tanaka01 --reason lost > "$dir/out" 2>&1 && fail "a second revoke"
has "sekimori: no active card found for tanaka01"

# 6.2: the lost card cannot come back; the new card can.
cli card enroll tanaka01 > "$dir/out" 2>&1 && fail "the lost card enrolled again"
has "sekimori: this card is already enrolled for tanaka01"
last admin.card_enroll | grep -q '"reason":"certificate_already_bound"' || fail "refusal reason"
insert guide2
cli card enroll tanaka01 > "$dir/out" || fail "replacement card"
has "Card enrolled for tanaka01 (id 2)"
printf '%s\n1234\n' "$temp" | pam login tanaka01 authenticate > "$dir/out" 2>&1 ||
	fail "login with the new card"
# A damaged card while it is still active: the new card is the replacement.
insert guide3
cli card enroll tanaka01 > "$dir/out" || fail "damaged-card replacement"
has "The previous card (id 2, certificate $(spki guide2)) was revoked as replaced."
has "Collect the old card from tanaka01 and have it destroyed, then record both steps:"
has "  sekimori card dispose tanaka01 --reason collected"
has "  sekimori card dispose tanaka01 --reason destroyed --note TEXT"
last admin.card_enroll | grep -q '"replaced_card":2' || fail "replaced_card"
cli --json card list tanaka01 > "$dir/out" || fail "card list json"
grep -q '"id":2,.*"revoke_reason":"replaced","replaced_by":3' <(tr -d ' \n' < "$dir/out") ||
	fail "card 2 replaced by 3"

# 6.3: collected and destroyed; only revoked cards; a lost card found later, by --cert.
# By user name, the step is recorded for every revoked card that lacks it: the lost card 1
# too (the guide says to name a card with --cert when a lost one is still outstanding).
cli card dispose tanaka01 --reason collected > "$dir/out" || fail "dispose collected"
has "Recorded: the card was collected."
cli --json card list tanaka01 > "$dir/out" || fail "card list json"
grep -q '"id":1,.*"revoke_reason":"lost","replaced_by":0,"collected":[1-9]' \
	<(tr -d ' \n' < "$dir/out") || fail "card 1 collected with the user's cards"
cli card dispose tanaka01 --reason destroyed --note "shredded, witness Sato" > "$dir/out" ||
	fail "dispose destroyed"
has "Recorded: the card was destroyed."
last admin.card_dispose | grep -q '"action":"destroyed","note":"shredded, witness Sato"' ||
	fail "dispose record"
cli card dispose tanaka01 --reason destroyed > "$dir/out" 2>&1 && fail "nothing left to dispose"
has "sekimori: no revoked card of tanaka01 is left to record as destroyed (a card is revoked before it is handed back: sekimori card revoke)"
cli --json card list tanaka01 > "$dir/out" || fail "card list json"
grep -q '"id":2,.*"disposal_note":"shredded,witnessSato"' <(tr -d ' \n' < "$dir/out") ||
	fail "card 2 disposal recorded"
cli card revoke tanaka01 --reason damaged > "$dir/out" || fail "revoke damaged"
has "Collect the card and have it destroyed, then record both steps with: sekimori card dispose"
cli admin logout > /dev/null || fail "admin logout"
cli audit verify > "$dir/out" || fail "audit verify"
has "Audit log intact:"
echo "guide_card: passed"
