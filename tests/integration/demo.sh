#!/usr/bin/env bash
# scripts/demo.sh on the tested build (issue 7, item 19): every step of the demo checks what
# it says (pamtester's result and the broker's audit record with its reason) and the demo
# ends with "DEMO FAILED" otherwise. Requirement IDs: R-MFA-1, R-CRED-1, R-LOGIN-1, R-LOG-1.
set -euo pipefail
: "${SK_BINARY_DIR:?}" "${SK_SOURCE_DIR:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sk-demo-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
SK_DEMO_BUILD=$SK_BINARY_DIR SK_DEMO_VAR=$tmp/var SK_DEMO_LANGUAGE=C TMPDIR=$tmp \
	"$SK_SOURCE_DIR/scripts/demo.sh" > "$tmp/demo.out" 2>&1 || { cat "$tmp/demo.out"; exit 1; }
cat "$tmp/demo.out"
grep -q '^Every step held' "$tmp/demo.out"
grep -q 'audit: auth "result":"deny" "reason":"bad_password"' "$tmp/demo.out"
grep -q 'audit: auth "result":"deny" "reason":"otp_replayed"' "$tmp/demo.out"
grep -q '^ *1  Replayed one-time codes refused$' "$tmp/demo.out"
echo "demo: passed"
