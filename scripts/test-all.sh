#!/usr/bin/env bash
# Builds Sekimori and runs every test: once as shipped, once under ASan+UBSan, plus cppcheck
# and the message catalogue check. Installs what it needs on Debian 12 (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

jobs=$(nproc)
run_suite() {   # build dir, extra cmake args...
	local dir=$1; shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > /dev/null
	cmake --build "$dir" -j "$jobs"
	# pam_wrapper and the tests use private temporary folders; keep them out of /tmp.
	local tmp; tmp=$(mktemp -d)
	chmod 755 "$tmp"   # the peer-credential test reaches the socket as nobody
	(cd "$dir" && TMPDIR="$tmp" ctest -j "$jobs" --output-on-failure --timeout 600)
	rm -rf "$tmp"
}

# Every libFuzzer target in fuzz/ (R-INPUT-1), built with clang: each replays its committed
# seeds (a crash there is a regression) and then fuzzes for SK_FUZZ_CI_SECONDS (30 s).
# `make fuzz` in that build runs them for long (fuzz/README.md).
run_fuzzers() {
	local dir=build-ci-fuzz
	echo "== fuzzers (clang, libFuzzer + ASan + UBSan)"
	cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DSK_FUZZ=ON -DSK_TESTS=OFF \
		-DSK_FUZZ_CI_SECONDS="${SK_FUZZ_CI_SECONDS:-30}" > /dev/null
	cmake --build "$dir" -j "$jobs" --target fuzzers
	(cd "$dir" && ctest -R '^fuzz_' --output-on-failure --timeout 600)
}

echo "== static analysis (cppcheck)"
cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	--suppress=missingIncludeSystem -I common -I broker -I pam_module -I cli -I smartcard \
	-I fido2 common broker pam_module cli smartcard fido2

echo "== build and tests (release)"
run_suite build-ci
cmake --build build-ci --target check-po

echo "== build and tests (ASan + UBSan)"
run_suite build-ci-asan -DSK_SANITIZE=ON

run_fuzzers
