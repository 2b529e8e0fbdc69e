#!/bin/bash
# Issues more RSA-2048 card certificates from the test CA that make_test_pki.sh made, one per
# name given: NAME.key and NAME.pem in PKI_DIR (R-TEST-1: generated keys, made-up names).
# A certificate binding is "one certificate, one person, ever" (R-CARD-1), so every card the
# end-to-end tests enrol needs a key of its own.
#
# usage: extra_certs.sh PKI_DIR NAME...
set -Eeuo pipefail
pki=${1:?usage: extra_certs.sh PKI_DIR NAME...}
shift
cd "$pki"
cat > extra_ext.cnf <<'CNF'
[ v3_user ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
trap 'echo "extra_certs.sh: failed; openssl said:" >&2; tail -n 20 extra.log >&2' ERR
serial=$((0x5000))
for name in "$@"; do
	serial=$((serial + 1))
	(
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key"
		openssl req -new -key "$name.key" -subj "/O=Sekimori Test/CN=Test Card $name" \
			-out "$name.csr"
		openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -set_serial "$serial" \
			-days 3650 -sha256 -extfile extra_ext.cnf -extensions v3_user -out "$name.pem"
		rm -f "$name.csr"
	) 2>>extra.log &
done
for job in $(jobs -p); do
	wait "$job"
done
