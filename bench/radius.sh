#!/usr/bin/env bash
# RADIUS logins through FreeRADIUS against a real sekimorid: throughput and latency
# percentiles for doc/performance.md. A benchmark, not a test: it asserts only that every
# login was accepted. Two paths (-m):
#   single     (default) Access-Request -> Access-Accept through rlm_pam and the single-field
#              TOTP path (conf/pam.d/sekimori-radiusd, password+code in User-Password);
#   challenge  challenge mode (conf/freeradius/sekimori-exec and sekimori-site: rlm_exec
#              running sekimori-radius): Access-Request (password) -> Access-Challenge,
#              Access-Request (code, State) -> Access-Accept. One login is both rounds.
#
#   bench/radius.sh [-m single|challenge] [-u USERS] [-c CONCURRENCY]
#                                                    (defaults: single, 120 users, 8 at a time)
#
# Each user logs in once (a TOTP code is good once): USERS logins in all, CONCURRENCY at a
# time. Latency is measured around the radclient processes of one login (one, or two in
# challenge mode), so it includes starting radclient (a few ms each). Runs as root inside
# `unshare --net`; the single path writes one /etc/pam.d file with a unique name and removes
# it on exit. BUILD (default ./build) must hold a release build of sekimorid, sekimori,
# pam_sekimori.so and sekimori-radius.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
users=120
conc=8
mode=single
while getopts m:u:c: o; do
	case $o in
	m) mode=$OPTARG ;;
	u) users=$OPTARG ;;
	c) conc=$OPTARG ;;
	*) echo "usage: $0 [-m single|challenge] [-u USERS] [-c CONCURRENCY]" >&2; exit 2 ;;
	esac
done
case $mode in single|challenge) ;; *) echo "$0: -m single or challenge" >&2; exit 2 ;; esac
if [ -z "${SK_IN_NETNS:-}" ]; then
	exec unshare --net env SK_IN_NETNS=1 "$0" "$@"
fi
export SK_SOURCE_DIR=$SRC SK_BINARY_DIR=$BUILD
export SK_PAM_MODULE=$BUILD/pam_module/pam_sekimori.so SK_SEKIMORID=$BUILD/broker/sekimorid
export SK_CLI=$BUILD/cli/sekimori
# shellcheck source=../tests/remote/lib.sh
. "$SRC/tests/remote/lib.sh"
ip link set lo up
start_shipped_broker

raddb="$dir/raddb"
cp -a /etc/freeradius/3.0 "$raddb"
rm -f "$raddb"/sites-enabled/* "$raddb"/mods-enabled/*
sed -i -e 's/^\(\s*\)\(user\|group\) = freerad/\1#\2 = freerad/' \
	-e 's/^\(\s*\)reject_delay = .*/\1reject_delay = 0/' "$raddb/radiusd.conf"
printf 'client loopback {\n\tipaddr = 127.0.0.1\n\tsecret = sk-bench\n}\n' > "$raddb/clients.conf"
port=$(free_port u)
if [ "$mode" = challenge ]; then
	# The shipped examples, with this build's program and configuration and the port.
	ln -s ../mods-available/always "$raddb/mods-enabled/always"
	sed "s#^\(\s*program = \"\)/usr/libexec/sekimori/sekimori-radius #\1$BUILD/radius/sekimori-radius -c $dir/sekimori.conf #" \
		"$SRC/conf/freeradius/sekimori-exec" > "$raddb/mods-enabled/sekimori"
	sed "s/^\(\s*port = \)1812$/\1$port/" "$SRC/conf/freeradius/sekimori-site" \
		> "$raddb/sites-enabled/sekimori"
else
svc="sk-radius-bench-$$-$RANDOM"
cleanups+=("rm -f /etc/pam.d/$svc")
example_stack sekimori-radiusd > "/etc/pam.d/$svc"
for m in always pam; do ln -s "../mods-available/$m" "$raddb/mods-enabled/$m"; done
sed -i "s/pam_auth = radiusd/pam_auth = $svc/" "$raddb/mods-available/pam"
cat > "$raddb/sites-enabled/sk" <<CONF
server sk {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $port
	}
	authorize {
		update control {
			&Auth-Type := pam
		}
	}
	authenticate {
		Auth-Type pam {
			pam
		}
	}
}
CONF
fi
# Threaded, as in production (not -X, which handles one request at a time).
freeradius -f -l stdout -d "$raddb" > "$dir/radiusd.log" 2>&1 &
pids+=($!)
wait_for 200 grep -qs 'Ready to process requests' "$dir/radiusd.log" || fail "freeradius did not start"

pw='Kobai+Kaoru-2026'
echo "setting up $users users (add, TOTP enrolment, first login with the password change)..." >&2
: > "$dir/seeds"
for i in $(seq "$users"); do
	u=$(printf 'bench%04d' "$i")
	temp=$(add_user "$u" remote)
	seed=$(enrol_totp "$u")
	first_login "$u" "$temp" "$seed" "$pw"
	echo "$u $seed" >> "$dir/seeds"
done
# Each user's next code: two steps ahead of now is after the step its first login used and
# still inside totp_window = 2 for the next 90 seconds.
now=$(date +%s)
while read -r u seed; do
	c=$(oathtool --totp -b -N "@$((now + 60))" "$seed")
	if [ "$mode" = challenge ]; then echo "$u $c"; else echo "$u $pw+$c"; fi
done < "$dir/seeds" > "$dir/requests"

ask() {   # USER SECRET [STATE]: radclient's output
	{
		printf 'User-Name = "%s"\nUser-Password = "%s"\n' "$1" "$2"
		[ -n "${3:-}" ] && printf 'State = %s\n' "$3"
	} | radclient -x -r 1 -t 30 "127.0.0.1:$SK_BENCH_PORT" auth sk-bench 2>&1 || true
}
one() {   # USER FIELD (single) or USER CODE (challenge): prints "ms result"
	local t0 t1 out state
	t0=$(date +%s%N)
	if [ "$SK_BENCH_MODE" = challenge ]; then
		out=$(ask "$1" "$SK_BENCH_PW")
		state=$(printf '%s\n' "$out" | sed -n 's/^\s*State = \(0x[0-9a-f]*\)$/\1/p' | head -n 1)
		case $out in
		*Access-Challenge*) out=$(ask "$1" "$2" "$state") ;;
		*) out="no challenge" ;;
		esac
	else
		out=$(ask "$1" "$2")
	fi
	t1=$(date +%s%N)
	case $out in *Access-Accept*) r=accept ;; *Access-Reject*) r=reject ;; *) r=none ;; esac
	echo "$(( (t1 - t0) / 1000 )) $r"
}
export -f ask one
export SK_BENCH_PORT=$port SK_BENCH_MODE=$mode SK_BENCH_PW=$pw
load0=$(cut -d' ' -f1 /proc/loadavg)
start=$(date +%s%N)
xargs -P "$conc" -n 2 bash -c 'one "$1" "$2"' _ < "$dir/requests" > "$dir/results"
end=$(date +%s%N)
total_ms=$(( (end - start) / 1000000 ))
accepted=$(grep -c ' accept$' "$dir/results" || true)
sort -n "$dir/results" | awk -v mode="$mode" -v n="$users" -v c="$conc" -v ms="$total_ms" -v acc="$accepted" \
	-v load="$load0" '
	{ t[NR] = $1 / 1000 }
	function pct(p,  i) { i = int(p * NR + 0.999999); if (i < 1) i = 1; return t[i] }
	END {
		printf "| mode | concurrency | logins | accepted | logins/s | p50 ms | p90 ms | p99 ms | max ms | load before |\n"
		printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
		printf "| %s | %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %s |\n", mode, c, n, acc,
		       n * 1000 / ms, pct(0.5), pct(0.9), pct(0.99), t[NR], load
	}'
[ "$accepted" = "$users" ] || { echo "only $accepted of $users accepted" >&2; exit 3; }
