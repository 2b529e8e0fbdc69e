#!/usr/bin/env bash
# RADIUS challenge mode end to end: a real `freeradius -X` on a loopback port (inside a
# private network namespace) with the shipped examples conf/freeradius/sekimori-exec (rlm_exec
# running the built sekimori-radius) and conf/freeradius/sekimori-site, driven by radclient
# one round at a time. Round one (password) gets Access-Challenge with a State; round two
# (the code with that State) gets Access-Accept or Access-Reject. Rejects: a wrong password
# (after the code round), a user whose own profile does not allow RADIUS, a wrong code, a
# State used twice, an expired State, a replayed code, round two from another client, an
# unknown State, the broker stopped (slow) and gone; then the lock. The NAS and the client
# address are in the audit record. A user whose profile has from.radius: a client address
# (Calling-Station-Id) in the range is accepted; one outside it or not an IP address is
# refused after the code round.
# Requirement IDs: R-MFA-3, R-MFA-4, R-MFA-1, R-LOGIN-1.
if [ -z "${SK_IN_NETNS:-}" ]; then
	exec unshare --net env SK_IN_NETNS=1 "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
: "${SK_RADIUS:?}"
ip link set lo up
command -v freeradius > /dev/null && command -v radclient > /dev/null ||
	fail "freeradius or radclient is not installed (scripts/install-deps.sh)"
[ -f /etc/freeradius/3.0/radiusd.conf ] || fail "no FreeRADIUS configuration to copy"

# A State lives auth_timeout seconds: short here, so that the expiry can be waited for.
lifetime=8
# A profile that lets RADIUS in only from the test's client range (from.radius, R-MFA-3).
SK_EXTRA_CONF='[profile radnet]
classes = knowledge, possession
methods = password, totp
totp_window = 2
origins = local, radius
from.radius = 198.51.100.0/24' SK_AUTH_TIMEOUT=$lifetime start_shipped_broker
broker_pid=${pids[0]}

# Debian's configuration cut down to the shipped example site and module, with this test's
# program path, configuration and port; root (the requests need a root peer), no reject delay.
raddb="$dir/raddb"
cp -a /etc/freeradius/3.0 "$raddb"
rm -f "$raddb"/sites-enabled/* "$raddb"/mods-enabled/*
ln -s ../mods-available/always "$raddb/mods-enabled/always"
sed -i -e 's/^\(\s*\)\(user\|group\) = freerad/\1#\2 = freerad/' \
	-e 's/^\(\s*\)reject_delay = .*/\1reject_delay = 0/' "$raddb/radiusd.conf"
sed "s#^\(\s*program = \"\)/usr/libexec/sekimori/sekimori-radius #\1$SK_RADIUS -c $dir/sekimori.conf #" \
	"$SK_SOURCE_DIR/conf/freeradius/sekimori-exec" > "$raddb/mods-enabled/sekimori"
grep -q "program = \"$SK_RADIUS -c $dir/sekimori.conf -p remote\"" "$raddb/mods-enabled/sekimori" ||
	fail "the example's program line changed"
cat > "$raddb/clients.conf" <<CONF
client loopback {
	ipaddr = 127.0.0.1
	secret = sk-radius-secret
}
CONF
start_radius() {
	port=$(free_port u) || fail "no free port"
	sed "s/^\(\s*port = \)1812$/\1$port/" "$SK_SOURCE_DIR/conf/freeradius/sekimori-site" \
		> "$raddb/sites-enabled/sekimori"
	freeradius -X -d "$raddb" > "$dir/radiusd.log" 2>&1 &
	radius_pid=$!
	if wait_for 200 grep -qs 'Ready to process requests' "$dir/radiusd.log"; then
		pids+=("$radius_pid")
		return 0
	fi
	kill "$radius_pid" 2>/dev/null; wait "$radius_pid" 2>/dev/null || true
	return 1
}
started=0
for _ in 1 2 3; do start_radius && { started=1; break; }; done
[ "$started" = 1 ] || fail "freeradius did not start"

nas=192.0.2.1
client=198.51.100.7
# send USER SECRET [STATE [CLIENT]]: one Access-Request; radclient's output in $dir/out;
# prints Accept, Reject, Challenge or None.
send() {
	{
		printf 'User-Name = "%s"\nUser-Password = "%s"\n' "$1" "$2"
		printf 'NAS-IP-Address = %s\nCalling-Station-Id = "%s"\n' "$nas" "${4:-$client}"
		[ -n "${3:-}" ] && printf 'State = %s\n' "$3"
	} | timeout 60 radclient -x -r 1 -t 40 "127.0.0.1:$port" auth sk-radius-secret \
		> "$dir/out" 2>&1 || true
	if grep -q 'Received Access-Accept' "$dir/out"; then echo Accept
	elif grep -q 'Received Access-Reject' "$dir/out"; then echo Reject
	elif grep -q 'Received Access-Challenge' "$dir/out"; then echo Challenge
	else echo None; fi
}
# The State of the last challenge.
state() { sed -n 's/^\s*State = \(0x[0-9a-f]*\)$/\1/p' "$dir/out" | head -n 1; }
# round_one USER PASSWORD: asserts a challenge; prints its State.
round_one() {
	[ "$(send "$1" "$2")" = Challenge ] || fail "round one for $1: no Access-Challenge"
	local s
	s=$(state)
	[[ $s =~ ^0x[0-9a-f]{64}$ ]] || fail "round one: State '$s' is not 32 bytes"
	echo "$s"
}
audit_lines() { wc -l < "$dir/log/audit.jsonl"; }
# new_audit_has FROM NEEDLE...: a record after line FROM holds every needle.
new_audit_has() {
	local from=$1 line n; shift
	while IFS= read -r line; do
		for n in "$@"; do [[ $line == *"$n"* ]] || continue 2; done
		return 0
	done < <(tail -n +"$((from + 1))" "$dir/log/audit.jsonl")
	return 1
}

temp=$(add_user ume remote)
seed=$(enrol_totp ume)
pw='Kobai+Kaoru-2026'
first_login ume "$temp" "$seed" "$pw"

# 1. Accept: password, challenge with the State and the prompt, the code, Accept. The NAS and
#    the client's address are recorded as the origin.
s1=$(round_one ume "$pw")
grep -q 'Reply-Message = ".*One-time code: "' "$dir/out" || fail "no prompt in the challenge"; ok
good=$(code "$seed" 60)
a=$(audit_lines)
[ "$(send ume "$good" "$s1")" = Accept ] || fail "right password and code not accepted"; ok
new_audit_has "$a" '"user":"ume"' '"result":"allow"' '"origin":"radius"' \
	"\"rhost\":\"$client\"" "\"nas\":\"$nas\"" || fail "no audited success with NAS and client"; ok

# 1b. A user whose own profile does not let RADIUS in (as a contractor's profile narrows the
#     line's, R-MFA-4): the same challenge as anyone (the name is not told), then Reject.
temp2=$(add_user kiri mynumber)
seed2=$(enrol_totp kiri)
s=$(round_one kiri "$temp2")
a=$(audit_lines)
[ "$(send kiri "$(code "$seed2" 30)" "$s")" = Reject ] || fail "own profile's refusal not applied"; ok
new_audit_has "$a" '"user":"kiri"' '"result":"deny"' '"origin":"radius"' \
	'"reason":"remote_not_allowed"' || fail "own profile's refusal not audited"; ok

# 1b'. from.radius: a user whose profile lets RADIUS in only from 198.51.100.0/24. A client
#     outside the range, and a Calling-Station-Id that is not an IP address (a MAC), get the
#     same challenge as anyone and Reject after the code round (address_not_allowed); the
#     client inside the range is accepted.
temp3=$(add_user kaede radnet)
seed3=$(enrol_totp kaede)
pw3='Aki+Momiji-Yama-2026'
SK_FIRST_PROFILE=radnet first_login kaede "$temp3" "$seed3" "$pw3"
for outside in 203.0.113.9 02-00-5E-00-53-01; do
	[ "$(send kaede "$pw3" "" "$outside")" = Challenge ] ||
		fail "from.radius: no challenge for client $outside"
	s=$(state)
	a=$(audit_lines)
	[ "$(send kaede "$(code "$seed3" 0)" "$s" "$outside")" = Reject ] ||
		fail "from.radius: client $outside accepted"
	new_audit_has "$a" '"user":"kaede"' '"result":"deny"' '"origin":"radius"' \
		"\"rhost\":\"$outside\"" '"reason":"address_not_allowed"' ||
		fail "from.radius: refusal of $outside not audited"
	ok
done
s=$(round_one kaede "$pw3")
a=$(audit_lines)
[ "$(send kaede "$(code "$seed3" 60)" "$s")" = Accept ] || fail "from.radius: client in range refused"; ok
new_audit_has "$a" '"user":"kaede"' '"result":"allow"' "\"rhost\":\"$client\"" ||
	fail "from.radius: accepted login not audited"; ok

# 1c. A name that does not exist gets the same challenge, then Reject (names cannot be
#     probed, R-LOGIN-1).
s=$(round_one nosuchname "$pw")
a=$(audit_lines)
[ "$(send nosuchname "$(code "$seed" 30)" "$s")" = Reject ] || fail "unknown name accepted"; ok
new_audit_has "$a" '"user":"nosuchname"' '"result":"deny"' '"reason":"unknown_user"' ||
	fail "unknown name not audited"; ok

# 2. The same State again (with a code that would otherwise do): Reject, nothing checked.
a=$(audit_lines)
[ "$(send ume "$(code "$seed" 30)" "$s1")" = Reject ] || fail "a State used twice accepted"; ok
new_audit_has "$a" '"user":"ume"' '"result":"deny"' '"reason":"radius_state_unknown"' ||
	fail "reused State not audited"; ok

# 3. A replayed code: a new login whose round two sends the code that was just accepted.
s=$(round_one ume "$pw")
a=$(audit_lines)
[ "$(send ume "$good" "$s")" = Reject ] || fail "replayed code accepted"; ok
new_audit_has "$a" '"user":"ume"' '"result":"deny"' '"reason":"otp_replayed"' '"origin":"radius"' ||
	fail "replayed code not audited as otp_replayed"; ok       # failures: 1

# 4. A wrong password: still a challenge (round one tells nothing), then Reject.
s=$(round_one ume "Wrong-Password-1")
a=$(audit_lines)
[ "$(send ume "$(code "$seed" 90)" "$s")" = Reject ] || fail "wrong password accepted"; ok
new_audit_has "$a" '"user":"ume"' '"result":"deny"' '"reason":"bad_password"' ||
	fail "wrong password not audited"; ok                      # failures: 2

# 5. A wrong code.
wrong=$(code "$seed" -3600)
s=$(round_one ume "$pw")
a=$(audit_lines)
[ "$(send ume "$wrong" "$s")" = Reject ] || fail "wrong code accepted"; ok
new_audit_has "$a" '"user":"ume"' '"result":"deny"' '"reason":"bad_otp"' ||
	fail "wrong code not audited"; ok                          # failures: 3

# 6. Round two from another client than round one: Reject (the login is used up).
s=$(round_one ume "$pw")
a=$(audit_lines)
[ "$(send ume "$(code "$seed" 90)" "$s" 203.0.113.9)" = Reject ] || fail "other client accepted"; ok
new_audit_has "$a" '"user":"ume"' '"reason":"radius_state_mismatch"' || fail "mismatch not audited"; ok

# 7. A State nobody made.
a=$(audit_lines)
[ "$(send ume "$(code "$seed" 90)" "0x$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')")" = Reject ] ||
	fail "unknown State accepted"; ok
new_audit_has "$a" '"reason":"radius_state_unknown"' || fail "unknown State not audited"; ok

# 8. An expired State: older than auth_timeout when round two comes.
s=$(round_one ume "$pw")
t0=$(date +%s)
while [ "$(date +%s)" -le $((t0 + lifetime + 1)) ]; do sleep 0.2; done
a=$(audit_lines)
[ "$(send ume "$(code "$seed" 90)" "$s")" = Reject ] || fail "expired State accepted"; ok
new_audit_has "$a" '"user":"ume"' '"reason":"radius_state_expired"' "\"nas\":\"$nas\"" ||
	fail "expired State not audited"; ok

# 9. Fail closed: a broker that does not answer (stopped: rlm_exec's timeout kills the
#    program) and a broker that is gone refuse; neither gives a challenge.
kill -STOP "$broker_pid"
r=$(send ume "$pw")
kill -CONT "$broker_pid"
[ "$r" = Reject ] || fail "a silent broker gave $r"; ok

# 10. The lock: deny = 5 failures (3 so far); the fifth locks, and then round one is
#     refused at once without a challenge.
for n in 4 5; do
	s=$(round_one ume "$pw")
	a=$(audit_lines)
	[ "$(send ume "$(code "$seed" "$((-3600 - 30 * n))")" "$s")" = Reject ] || fail "wrong code $n"
done
new_audit_has "$a" '"user":"ume"' '"result":"deny"' '"lockout":true' '"origin":"radius"' ||
	fail "the failure that locked is not marked as the lockout"; ok
a=$(audit_lines)
[ "$(send ume "$pw")" = Reject ] || fail "locked account got a challenge"; ok
new_audit_has "$a" '"user":"ume"' '"result":"locked"' '"origin":"radius"' || fail "no audited lock"; ok

# Nothing secret reached the logs.
for c in "$good" "$wrong"; do
	grep -qE "(^|[^0-9a-f])$c([^0-9a-f]|\$)" "$dir/log/audit.jsonl" "$dir/broker.log" &&
		fail "a code reached Sekimori's logs"
done
grep -qF "$pw" "$dir/log/audit.jsonl" "$dir/broker.log" && fail "the password reached the logs"
ok

cli audit verify > "$dir/out" || fail "audit chain"

# Gone: the broker stopped for good.
kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true
[ "$(send ume "$pw")" = Reject ] || fail "no broker, not rejected"; ok
echo "radius_challenge: $checks passed, 0 failed"
