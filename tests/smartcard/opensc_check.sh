#!/bin/bash
# Cross-check of sk-cardemu with an independent reader (run through harness.sh): OpenSC's own
# JPKI and PIV drivers must recognise the emulated cards, and the certificates they read must be
# byte for byte the ones the emulator was given. R-TEST-1: test PKI only.
set -euo pipefail
pki=${SK_TEST_PKI:?run through harness.sh}
emu_pid=
stop_card() {
	if [ -n "$emu_pid" ]; then
		kill "$emu_pid" 2>/dev/null || true
		wait "$emu_pid" 2>/dev/null || true
		emu_pid=
	fi
	# wait until OpenSC no longer sees a card
	for _ in $(seq 50); do
		opensc-tool --reader 0 --atr >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	echo "card still present after removal" >&2
	return 1
}
trap stop_card EXIT

start_card() {
	"$SK_CARDEMU" "$@" &
	emu_pid=$!
	for _ in $(seq 50); do
		opensc-tool --reader 0 --atr >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "card not seen by OpenSC" >&2
	return 1
}

fail() { echo "FAIL: $*" >&2; exit 1; }
der_sha() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }

# OpenSC signs the hash of a test challenge with key ID $1 (extra pkcs15-crypt options after
# it); the openssl CLI must verify it with the public key of certificate $2.
w=$SK_TEST_WORK
printf 'sekimori opensc cross-check challenge' >"$w/chal"
openssl dgst -sha256 -binary "$w/chal" >"$w/hash"
opensc_sign_verifies() {
	local id=$1 cert=$2
	shift 2
	rm -f "$w/sig"
	pkcs15-crypt --reader 0 --sign --sha-256 -i "$w/hash" -o "$w/sig" -k "$id" "$@" >/dev/null ||
		fail "pkcs15-crypt could not sign with key $id"
	openssl x509 -in "$cert" -pubkey -noout >"$w/pub.pem"
	openssl dgst -sha256 -verify "$w/pub.pem" -signature "$w/sig" "$w/chal" >/dev/null ||
		fail "signature made through OpenSC with key $id does not verify"
}

# --- JPKI ---
start_card --type jpki --cert "$pki/jpki.pem" --key "$pki/jpki.key" --ca-cert "$pki/ca.pem"
name=$(opensc-tool --reader 0 --name)
[ "$name" = jpki ] || fail "OpenSC calls the JPKI card '$name'"
pkcs15-tool --reader 0 --read-certificate 01 >"$SK_TEST_WORK/jpki_opensc.pem"
[ "$(der_sha "$SK_TEST_WORK/jpki_opensc.pem")" = "$(der_sha "$pki/jpki.pem")" ] ||
	fail "JPKI auth certificate read by OpenSC differs from the emulator's"
pkcs15-tool --reader 0 --read-certificate 03 >"$SK_TEST_WORK/jpki_ca_opensc.pem"
[ "$(der_sha "$SK_TEST_WORK/jpki_ca_opensc.pem")" = "$(der_sha "$pki/ca.pem")" ] ||
	fail "JPKI CA certificate (EF 000B) read by OpenSC differs"
pins=$(pkcs15-tool --reader 0 --list-pins)
grep -A9 'User Authentication PIN' <<<"$pins" | grep 'Tries left *: 3' >/dev/null ||
	fail "OpenSC does not see 3 tries on the auth PIN"
opensc_sign_verifies 01 "$pki/jpki.pem" --pkcs1 --pin 1234
echo "OpenSC/JPKI: driver jpki, auth and CA certificates identical, auth PIN 3 tries," \
	"auth-key signature verifies"
stop_card

# --- PIV ---
start_card --type piv --cert-9a "$pki/piv9a_rsa.pem" --key-9a "$pki/piv9a_rsa.key" \
	--cert-9e "$pki/piv9e.pem" --key-9e "$pki/piv9e.key"
name=$(opensc-tool --reader 0 --name)
case "$name" in
*"Personal Identity Verification"*|*PIV*) ;;
*) fail "OpenSC calls the PIV card '$name'" ;;
esac
dump=$(pkcs15-tool --reader 0 --dump)
grep -q 'PIV AUTH' <<<"$dump" || fail "pkcs15-tool -D shows no PIV AUTH object"
pkcs15-tool --reader 0 --read-certificate 01 >"$SK_TEST_WORK/piv9a_opensc.pem"
[ "$(der_sha "$SK_TEST_WORK/piv9a_opensc.pem")" = "$(der_sha "$pki/piv9a_rsa.pem")" ] ||
	fail "PIV 9A certificate read by OpenSC differs"
pkcs15-tool --reader 0 --read-certificate 04 >"$SK_TEST_WORK/piv9e_opensc.pem"
[ "$(der_sha "$SK_TEST_WORK/piv9e_opensc.pem")" = "$(der_sha "$pki/piv9e.pem")" ] ||
	fail "PIV 9E certificate read by OpenSC differs"
opensc_sign_verifies 01 "$pki/piv9a_rsa.pem" --pkcs1 --pin 123456
opensc_sign_verifies 04 "$pki/piv9e.pem" --signature-format openssl
echo "OpenSC/PIV: driver '$name', 9A and 9E certificates identical, 9A RSA (chained) and" \
	"9E ECDSA signatures verify"
