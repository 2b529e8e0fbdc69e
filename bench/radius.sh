#!/usr/bin/env bash
# RADIUS Access-Request -> Access-Accept through FreeRADIUS' rlm_pam and the single-field TOTP
# path (conf/pam.d/sekimori-radiusd, password+code in User-Password), against a real
# sekimorid: throughput and latency percentiles for doc/performance.md. A benchmark, not a
# test: it asserts only that every request was accepted.
#
#   bench/radius.sh [-u USERS] [-c CONCURRENCY]      (defaults: 120 users, 8 at a time)
#
# Each user logs in once (a TOTP code is good once): USERS requests in all, CONCURRENCY
# radclient processes at a time. Latency is measured around each radclient process, so it
# includes starting radclient (a few ms). Runs as root inside `unshare --net`; writes one
# /etc/pam.d file with a unique name and removes it on exit. BUILD (default ./build) must
# hold a release build of sekimorid, sekimori and pam_sekimori.so.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
users=120
conc=8
while getopts u:c: o; do
	case $o in
	u) users=$OPTARG ;;
	c) conc=$OPTARG ;;
	*) echo "usage: $0 [-u USERS] [-c CONCURRENCY]" >&2; exit 2 ;;
	esac
done
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

svc="sk-radius-bench-$$-$RANDOM"
cleanups+=("rm -f /etc/pam.d/$svc")
example_stack sekimori-radiusd > "/etc/pam.d/$svc"
raddb="$dir/raddb"
cp -a /etc/freeradius/3.0 "$raddb"
rm -f "$raddb"/sites-enabled/* "$raddb"/mods-enabled/*
for m in always pam; do ln -s "../mods-available/$m" "$raddb/mods-enabled/$m"; done
sed -i -e 's/^\(\s*\)\(user\|group\) = freerad/\1#\2 = freerad/' \
	-e 's/^\(\s*\)reject_delay = .*/\1reject_delay = 0/' "$raddb/radiusd.conf"
sed -i "s/pam_auth = radiusd/pam_auth = $svc/" "$raddb/mods-available/pam"
printf 'client loopback {\n\tipaddr = 127.0.0.1\n\tsecret = sk-bench\n}\n' > "$raddb/clients.conf"
port=$(free_port u)
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
	echo "$u $pw+$(oathtool --totp -b -N "@$((now + 60))" "$seed")"
done < "$dir/seeds" > "$dir/requests"

one() {   # USER FIELD: prints "ms result"
	local t0 t1 out
	t0=$(date +%s%N)
	out=$(printf 'User-Name = "%s"\nUser-Password = "%s"\n' "$1" "$2" |
		radclient -r 1 -t 30 "127.0.0.1:$SK_BENCH_PORT" auth sk-bench 2>&1 || true)
	t1=$(date +%s%N)
	case $out in *Access-Accept*) r=accept ;; *Access-Reject*) r=reject ;; *) r=none ;; esac
	echo "$(( (t1 - t0) / 1000 )) $r"
}
export -f one
export SK_BENCH_PORT=$port
load0=$(cut -d' ' -f1 /proc/loadavg)
start=$(date +%s%N)
xargs -P "$conc" -n 2 bash -c 'one "$1" "$2"' _ < "$dir/requests" > "$dir/results"
end=$(date +%s%N)
total_ms=$(( (end - start) / 1000000 ))
accepted=$(grep -c ' accept$' "$dir/results" || true)
sort -n "$dir/results" | awk -v n="$users" -v c="$conc" -v ms="$total_ms" -v acc="$accepted" \
	-v load="$load0" '
	{ t[NR] = $1 / 1000 }
	function pct(p,  i) { i = int(p * NR + 0.999999); if (i < 1) i = 1; return t[i] }
	END {
		printf "| concurrency | requests | accepted | requests/s | p50 ms | p90 ms | p99 ms | max ms | load before |\n"
		printf "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
		printf "| %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %s |\n", c, n, acc,
		       n * 1000 / ms, pct(0.5), pct(0.9), pct(0.99), t[NR], load
	}'
[ "$accepted" = "$users" ] || { echo "only $accepted of $users accepted" >&2; exit 3; }
