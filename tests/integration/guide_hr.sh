#!/usr/bin/env bash
# Chapter 7 of the operator guides (doc/operator-guide.md, doc/ja/operator-guide.md), HR
# changes, run as the guide writes it against a real broker with the shipped sekimori.conf,
# in a root shell with an admin session: the guide's CSV in CP932, the dry run, the import
# with the hires' temporary passwords, the same file again, a refused file (a date outside
# its era), a file the broker refuses (an unknown staff number), a leave applied at once and
# a return and transfer left pending, `hr pending`, and the audit records of 7.6. Every
# message the chapter quotes is checked. Requirement IDs: R-LIFE-1, R-LIFE-2, R-LOG-1.
set -euo pipefail
: "${SK_SEKIMORID:?}" "${SK_CLI:?}" "${SK_BINARY_DIR:?}" "${SK_SOURCE_DIR:?}" "${SK_PAM_MODULE:?}"
command -v pamtester >/dev/null && command -v oathtool >/dev/null &&
	command -v iconv >/dev/null || { echo "SKIP: pamtester, oathtool or iconv missing"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-guidehr-XXXXXX")
broker=
cleanup() {
	local rc=$?
	if [ -n "$broker" ]; then
		kill "$broker" 2>/dev/null || true
		wait "$broker" 2>/dev/null || true
	fi
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- last output:" >&2; cat "$dir/out" >&2 || true;
	echo "--- broker log:" >&2; tail -20 "$dir/broker.log" >&2 || true; exit 1; }
has() { grep -qF -- "$1" "$dir/out" || fail "output lacks: $1"; }
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
mkdir -p "$dir/pam.d" "$dir/run"
chmod 700 "$dir/run"
printf 'password required %s profile=privileged conf=%s\n' "$SK_PAM_MODULE" "$dir/sekimori.conf" \
	> "$dir/pam.d/passwd"
printf '%s required pam_deny.so\n' auth account password session > "$dir/pam.d/other"
log=$dir/log/audit.jsonl
"$SK_SEKIMORID" -c "$dir/sekimori.conf" -f 2> "$dir/broker.log" &
broker=$!
for _ in $(seq 200); do [ -S "$dir/sekimorid.sock" ] && break; sleep 0.05; done
[ -S "$dir/sekimorid.sock" ] || fail "broker did not start"
export XDG_RUNTIME_DIR=$dir/run   # the root shell of the guide
cli() { LC_ALL=C "$SK_CLI" -c "$dir/sekimori.conf" "$@"; }
preload=libpam_wrapper.so
case "$(ldd "$SK_PAM_MODULE")" in
*libasan*) preload="$(gcc -print-file-name=libasan.so) $preload" ;;
esac
pam() {
	LD_PRELOAD="$preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" \
	PAM_WRAPPER_DISABLE_DEEPBIND=1 ASAN_OPTIONS=detect_leaks=0 TMPDIR="$dir" \
		pamtester -v passwd "$@"
}
last() { grep "\"event\":\"$1\"" "$log" | tail -1; }

cli --json user add suzuki --profile privileged > "$dir/out" || fail "admin user add"
atemp=$(sed -n 's/.*"temporary_password":"\([^"]*\)".*/\1/p' "$dir/out")
aseed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
cli totp enroll suzuki --secret "$aseed" --code "$(oathtool --totp -b "$aseed")" > /dev/null ||
	fail "admin totp"
apw='Kanri-Hikari-2026x#'
printf '%s\n%s\n%s\n' "$atemp" "$apw" "$apw" | pam suzuki chauthtok > "$dir/out" 2>&1 ||
	fail "admin password change"
sleep $((30 - $(date +%s) % 30 + 1))
printf '%s\n%s\n' "$apw" "$(oathtool --totp -b -N "@$(( $(date +%s) + 30 ))" "$aseed")" |
	cli admin login --user suzuki > "$dir/out" 2>&1 || fail "admin login"

# 7.1: the guide's file, dated today (in hr_timezone) and in the future, as CP932.
today=$(TZ=Asia/Tokyo date +%Y-%m-%d)
future=2199-04-01
{
	echo "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分"
	echo "00123,関守 花子,セキモリ ハナコ,SOMU-01,主事,正規職員,$today,採用"
	echo "00124,山田 太郎,ヤマダ タロウ,ZEIMU-02,主任,会計年度任用職員,$future,採用"
} | iconv -f UTF-8 -t CP932 > "$dir/jinji-202704.csv"
hash=$(sha256sum "$dir/jinji-202704.csv" | cut -d' ' -f1)

# 7.2: the dry run asks the broker nothing.
kill -STOP "$broker"
cli hr import "$dir/jinji-202704.csv" --dry-run > "$dir/out" || { kill -CONT "$broker"; fail "dry run"; }
kill -CONT "$broker"
has "line 2: staff 00123: hire on $today (applied at import)"
has "line 3: staff 00124: hire on $future (scheduled)"
has "Dry run: 2 record(s) in $hash; nothing was applied."
cli user show 00123 > "$dir/out" 2>&1 && fail "the dry run added a user"

# 7.3: the import; the same file again.
cli hr import "$dir/jinji-202704.csv" > "$dir/out" || fail "import"
has "Imported: 1 applied now, 1 scheduled, 0 unchanged (already known)"
has "Temporary passwords of the hires (shown only now; each must be changed at the first login):"
grep -qE "^  00123 \($today\): .{22}$" "$dir/out" || fail "hire 00123's temporary password"
grep -qE "^  00124 \($future\): .{22}$" "$dir/out" || fail "hire 00124's temporary password"
cli hr import "$dir/jinji-202704.csv" > "$dir/out" || fail "the same file again"
has "The file $hash was imported before; nothing changed."
# 7.4: a hire has default_profile.
cli user show 00123 > "$dir/out" || fail "user show 00123"
has "profile: standard"
has "temporary: true"

# 7.2: a file with an invalid row is refused whole, in both languages, exit 1.
printf '職員番号,氏名,所属コード,雇用区分,発令日,異動区分\n00125,鈴木 一郎,SOMU-01,正規職員,平成31年5月1日,採用\n' \
	> "$dir/bad.csv"
rc=0; cli hr import "$dir/bad.csv" > "$dir/out" 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "a refused file exits $rc"
has "sekimori: the file is refused as a whole; nothing was applied (1 error(s)):"
has "  2行目、列「発令日」: 日付「平成31年5月1日」は元号の期間外です"
has '  line 2, column "発令日": the date "平成31年5月1日" is outside its era'
# 7.3: an unknown staff number refuses the whole file.
printf '職員番号,発令日,異動区分\n99999,%s,退職\n' "$today" > "$dir/orphan.csv"
rc=0; cli hr import "$dir/orphan.csv" > "$dir/out" 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "an unknown staff number exits $rc"
has "sekimori: at line 2, staff number 99999; nothing was applied"

# 7.4, 7.5: leave now; return and transfer pending; hr pending lists them in date order.
printf '職員番号,所属コード,発令日,異動区分\n00123,,%s,休職\n00123,,2198-10-01,復職\n00123,SOMU-02,2198-10-01,異動\n' \
	"$today" > "$dir/leave.csv"
cli hr import "$dir/leave.csv" > "$dir/out" || fail "leave file"
has "Imported: 1 applied now, 2 scheduled, 0 unchanged (already known)"
cli user show 00123 > "$dir/out" || fail "user show after leave"
has "disabled: true"
cli hr pending > "$dir/out" || fail "hr pending"
# A table (7.5): the header, then the events in date order.
[ "$(sed -n 1p "$dir/out")" = "EFFECTIVE   EVENT     STAFF NO.  DEPARTMENT  EMPLOYMENT   LINE" ] ||
	fail "pending header"
sed -n 2p "$dir/out" | grep -qE '^2198-10-01  return +00123 ' || fail "first pending line"
grep -qE "^$future  hire +00124 +ZEIMU-02 +fiscal-year +3\$" "$dir/out" || fail "the pending hire"

# 7.6: the audit records.
last hr.hire | grep -q "\"hr_file\":\"$hash\"" || fail "hr.hire hr_file"
last hr.hire | grep -q '"staff_no":"00123"' || fail "hr.hire staff_no"
last hr.leave | grep -q "\"effective\":\"$today\"" || fail "hr.leave effective"
last admin.hr_import | grep -q '"records":3,"applied":1,"pending":2,"unchanged":0' ||
	fail "admin.hr_import counts"
last admin.hr_import | grep -q '"admin":"suzuki"' || fail "admin.hr_import admin"
cli admin logout > /dev/null || fail "admin logout"
cli audit verify > "$dir/out" || fail "audit verify"
echo "guide_hr: passed"
