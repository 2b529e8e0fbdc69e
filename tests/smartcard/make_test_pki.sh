#!/bin/bash
# Makes the test PKI for the smart-card tests with the openssl CLI (R-TEST-1: generated keys and
# made-up names only, no real personal data). Every date is fixed, so the tests verify at a fixed
# time (2028-01-01T00:00:00Z) whatever the machine clock says.
#
#   ca.pem / ca.key                 "Sekimori Test CA": the configured trust anchor
#   untrusted_ca.pem                a second CA that is never configured
#   jpki.pem / jpki.key             RSA-2048 JPKI user-authentication test certificate
#   piv9a_rsa.pem / .key            RSA-2048 PIV Authentication (9A)
#   piv9a_ec.pem / .key             ECC P-256 PIV Authentication (9A)
#   piv9e.pem / .key                ECC P-256 PIV Card Authentication (9E)
#   other.key                       RSA-2048 key behind the certificates below
#   expired.pem                     valid 2020-2022
#   notyet.pem                      valid 2032-2035
#   revoked.pem                     listed in crl.pem / crl.der
#   untrusted.pem                   issued by untrusted_ca
#   noku.pem                        keyUsage without digitalSignature
#   crl.pem / crl.der               CRL of the test CA, 2027-01-01 .. 2029-01-01, revokes revoked.pem
#   crl_expired.pem                 the same CA's CRL, 2026-01-01 .. 2027-06-01 (stale in 2028)
set -Eeuo pipefail
export CADIR=ca_dir   # openssl.cnf names it; each `ca` call sets its own
out=${1:?usage: make_test_pki.sh OUTDIR}
mkdir -p "$out"
cd "$out"

cat > openssl.cnf <<'CNF'
[ ca ]
default_ca = ca_default
[ ca_default ]
dir = $ENV::CADIR
database = $dir/index.txt
certificate = $dir/ca.pem
private_key = $dir/ca.key
new_certs_dir = $dir/new
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[ policy_any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_user ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_noku ]
basicConstraints = CA:false
keyUsage = critical,keyEncipherment
CNF

# openssl is chatty on stderr: keep it in a log, show the log if a step fails.
ossl() { openssl "$@" 2>>openssl.log; }
trap 'echo "make_test_pki.sh: failed; openssl said:" >&2; tail -n 20 openssl.log >&2' ERR

# A CA in directory $1 with subject $2, self-signed with fixed dates.
make_ca() {
	local dir=$1 subj=$2
	mkdir -p "$dir/new"
	: > "$dir/index.txt"
	echo 1000 > "$dir/serial"
	echo 01 > "$dir/crlnumber"
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key"
	ossl req -new -config openssl.cnf -key "$dir/ca.key" -subj "$subj" -out "$dir/ca.csr"
	CADIR=$dir ossl ca -batch -notext -config openssl.cnf -selfsign -keyfile "$dir/ca.key" \
		-in "$dir/ca.csr" -out "$dir/ca.pem" -extensions v3_ca \
		-startdate 20200101000000Z -enddate 20400101000000Z
}

# Issues a certificate: CA dir, key, subject, output, start, end, extensions.
issue() {
	local dir=$1 key=$2 subj=$3 cert=$4 start=$5 end=$6 ext=${7:-v3_user}
	ossl req -new -config openssl.cnf -key "$key" -subj "$subj" -out "$cert.csr"
	CADIR=$dir ossl ca -batch -notext -config openssl.cnf -cert "$dir/ca.pem" \
		-keyfile "$dir/ca.key" -in "$cert.csr" -out "$cert" -extensions "$ext" \
		-startdate "$start" -enddate "$end"
	rm -f "$cert.csr"
}

rsa() { ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }
ec() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

make_ca ca_dir "/C=JP/O=Sekimori Test/OU=Test user authentication/CN=Sekimori Test CA"
make_ca untrusted_dir "/C=JP/O=Sekimori Test/CN=Sekimori Untrusted Test CA"
cp ca_dir/ca.pem ca.pem
cp ca_dir/ca.key ca.key
cp untrusted_dir/ca.pem untrusted_ca.pem

rsa jpki.key
rsa piv9a_rsa.key
rsa other.key
ec piv9a_ec.key
ec piv9e.key

valid_from=20240101000000Z
valid_to=20340101000000Z
issue ca_dir jpki.key "/O=Sekimori Test/CN=Test JPKI Card 0001" jpki.pem $valid_from $valid_to
issue ca_dir piv9a_rsa.key "/O=Sekimori Test/CN=Test PIV Auth RSA 0001" piv9a_rsa.pem \
	$valid_from $valid_to
issue ca_dir piv9a_ec.key "/O=Sekimori Test/CN=Test PIV Auth EC 0001" piv9a_ec.pem \
	$valid_from $valid_to
issue ca_dir piv9e.key "/O=Sekimori Test/CN=Test PIV Card Auth 0001" piv9e.pem \
	$valid_from $valid_to
issue ca_dir other.key "/O=Sekimori Test/CN=Test Expired 0001" expired.pem \
	20200101000000Z 20220101000000Z
issue ca_dir other.key "/O=Sekimori Test/CN=Test Not Yet Valid 0001" notyet.pem \
	20320101000000Z 20350101000000Z
issue ca_dir other.key "/O=Sekimori Test/CN=Test Revoked 0001" revoked.pem \
	$valid_from $valid_to
issue ca_dir other.key "/O=Sekimori Test/CN=Test No Signature Usage 0001" noku.pem \
	$valid_from $valid_to v3_noku
issue untrusted_dir other.key "/O=Sekimori Test/CN=Test Untrusted 0001" untrusted.pem \
	$valid_from $valid_to

CADIR=ca_dir ossl ca -config openssl.cnf -revoke revoked.pem -crl_reason keyCompromise
CADIR=ca_dir ossl ca -config openssl.cnf -gencrl -out crl.pem \
	-crl_lastupdate 20270101000000Z -crl_nextupdate 20290101000000Z
CADIR=ca_dir ossl ca -config openssl.cnf -gencrl -out crl_expired.pem \
	-crl_lastupdate 20260101000000Z -crl_nextupdate 20270601000000Z
ossl crl -in crl.pem -outform DER -out crl.der
rm -rf ca_dir/new untrusted_dir/new
