#!/usr/bin/env bash
# Builds Sekimori and runs every test: once as shipped, once under ASan+UBSan, plus cppcheck
# and the message catalogue check. Installs what it needs on Debian 12 (run as root).
#
# Every step runs even when an earlier one failed. The last line is the total over all of
# them, exactly "N passed, M failed": each ctest test counts once, install-deps.sh, cppcheck
# and check-po once each, a build that fails once (its tests then do not run). The exit status is 0
# only when nothing failed. Temporary folders are removed however the script ends.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
passed=0
failed=0
failures=()
temps=()
cleanup() { [ ${#temps[@]} -eq 0 ] || rm -rf "${temps[@]}"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "!! FAILED: $1"; }

# One step that is one test: NAME COMMAND...
step() {
	local name=$1; shift
	if "$@"; then pass; else fail "$name"; fi
}

# A step that reports its own count: when the output ends with a line "N passed, M failed"
# those are added (and a non-zero exit with "0 failed" still counts one failure); otherwise
# the step counts as one test by its exit status. For steps such as run_fuzzers.
step_counted() {
	local name=$1; shift
	local out rc line p f
	out=$(mktemp); temps+=("$out")
	# The step's own total is folded into the one closing line, not repeated.
	"$@" 2>&1 | tee "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$'
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	if [ -n "$line" ]; then
		p=${line%% passed*}
		f=${line#*passed, }; f=${f%% failed*}
		passed=$((passed + p))
		failed=$((failed + f))
		[ "$f" -eq 0 ] || failures+=("$name ($f)")
		[ "$rc" -eq 0 ] || [ "$f" -ne 0 ] || fail "$name (exit $rc)"
	elif [ "$rc" -eq 0 ]; then
		pass
	else
		fail "$name"
	fi
}

# Builds into DIR (extra cmake args follow) and runs its ctest suite; every test is counted
# from ctest's JUnit report.
run_suite() {
	local dir=$1; shift
	local tmp junit tests fails skipped disabled
	if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > /dev/null ||
	   ! cmake --build "$dir" -j "$jobs"; then
		fail "build $dir"
		return
	fi
	# pam_wrapper and the tests use private temporary folders; keep them out of /tmp.
	tmp=$(mktemp -d); temps+=("$tmp")
	chmod 755 "$tmp"   # the peer-credential test reaches the socket as nobody
	junit=$(pwd)/$dir/ctest-junit.xml
	rm -f "$junit"
	(cd "$dir" && TMPDIR="$tmp" ctest -j "$jobs" --output-on-failure --timeout 600 \
		--output-junit "$junit" ${ctest_exclude:+-LE "$ctest_exclude"})
	if [ ! -s "$junit" ]; then
		fail "ctest in $dir (no report)"
	else
		attr() { sed -n "s/^[[:space:]]*$1=\"\([0-9]*\)\".*/\1/p" "$junit" | head -n 1; }
		tests=$(attr tests); fails=$(attr failures)
		skipped=$(attr skipped); disabled=$(attr disabled)
		passed=$((passed + ${tests:-0} - ${fails:-0} - ${skipped:-0} - ${disabled:-0}))
		failed=$((failed + ${fails:-0}))
		[ "${fails:-0}" -eq 0 ] || failures+=("ctest in $dir (${fails} tests)")
		[ -n "$tests" ] || fail "ctest in $dir (unreadable report)"
	fi
	rm -rf "$tmp"
}

echo "== packages (install-deps.sh)"
step install-deps ./scripts/install-deps.sh

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
step cppcheck cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	--suppress=missingIncludeSystem -I common -I broker/core -I broker/audit -I broker/verify -I broker/store -I broker/handlers -I broker/daemon -I pam_module -I cli -I smartcard \
	-I fido2 -I agent -I radius common broker pam_module cli smartcard fido2 agent radius

echo "== build and tests (release)"
run_suite build-ci
echo "== message catalogue (check-po)"
step check-po cmake --build build-ci --target check-po

echo "== build and tests (ASan + UBSan)"
# The package tests build their own .deb from the sources, whatever the build flags: once
# (in the release suite) is enough. The remote front ends (tests/remote: sshd, OpenVPN,
# FreeRADIUS) load the module into unmodified daemons, which cannot host the sanitizer
# runtime (sshd's sandbox); they run in the release suite.
ctest_exclude='package|remote' run_suite build-ci-asan -DSK_SANITIZE=ON

echo "== fuzzers (bounded run over each corpus)"
step_counted fuzzers run_fuzzers

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "Failed steps:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
