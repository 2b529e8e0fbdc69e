#!/usr/bin/env bash
# FreeRADIUS end to end: a real `freeradius -X` on a loopback port (inside a private network
# namespace) authenticating through rlm_pam, driven by radclient. rlm_pam binds libpam itself
# (pam_wrapper cannot stand in), so the test writes one /etc/pam.d file with a unique name and
# removes it however the test ends. rlm_pam gives User-Password to every hidden prompt: the
# PAM line is in single-field mode (single_field=separator:+), the password and the code
# travel in User-Password. Access-Accept for the right pair, Access-Reject for a wrong code
# (audited as bad_otp: the split kept them apart), for a line without single_field=, and
# after the lock. The configuration is conf/sekimori.conf as shipped (profile "remote").
# Requirement IDs: R-MFA-3, R-MFA-1, R-LOGIN-1.
if [ -z "${SK_IN_NETNS:-}" ]; then
	exec unshare --net env SK_IN_NETNS=1 "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
ip link set lo up
command -v freeradius > /dev/null && command -v radclient > /dev/null ||
	fail "freeradius or radclient is not installed (scripts/install-deps.sh)"
[ -f /etc/freeradius/3.0/mods-available/pam ] || fail "no FreeRADIUS configuration to copy"
if [ -n "$(asan_preload)" ]; then
	echo "radius: skipped, the module is built with sanitizers (freeradius cannot host them)"
	exit 77
fi

start_shipped_broker

# The PAM services rlm_pam uses: real files under /etc/pam.d, removed on exit.
svc="sk-radius-test-$$-$RANDOM"
cleanups+=("rm -f /etc/pam.d/$svc /etc/pam.d/$svc-two")
# The first is the shipped example conf/pam.d/sekimori-radiusd; the second the same lines
# without single_field= (two prompts).
example_stack sekimori-radiusd > "/etc/pam.d/$svc"
grep -q 'frontend=radius single_field=separator:+' "/etc/pam.d/$svc" || fail "example lines"
sed 's/ single_field=separator:+//' "/etc/pam.d/$svc" > "/etc/pam.d/$svc-two"

# A copy of Debian's configuration cut down to one virtual server and the modules it uses;
# it runs as root (the module's requests need a root peer) with no reject delay.
raddb="$dir/raddb"
cp -a /etc/freeradius/3.0 "$raddb"
rm -f "$raddb"/sites-enabled/* "$raddb"/mods-enabled/*
for m in always pam; do ln -s "../mods-available/$m" "$raddb/mods-enabled/$m"; done
sed -i -e 's/^\(\s*\)\(user\|group\) = freerad/\1#\2 = freerad/' \
	-e 's/^\(\s*\)reject_delay = .*/\1reject_delay = 0/' "$raddb/radiusd.conf"
sed -i "s/pam_auth = radiusd/pam_auth = $svc/" "$raddb/mods-available/pam"
cat > "$raddb/mods-enabled/pam_two" <<CONF
pam pam_two {
	pam_auth = $svc-two
}
CONF
cat > "$raddb/clients.conf" <<CONF
client loopback {
	ipaddr = 127.0.0.1
	secret = sk-radius-secret
}
CONF

start_radius() {
	port=$(free_port u) || fail "no free port"
	port2=$((port + 1))
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
server sk_two {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $port2
	}
	authorize {
		update control {
			&Auth-Type := pam_two
		}
	}
	authenticate {
		Auth-Type pam_two {
			pam_two
		}
	}
}
CONF
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

# request PORT USER PASSWORD: radclient's answer in $dir/out; prints Accept or Reject.
request() {
	printf 'User-Name = "%s"\nUser-Password = "%s"\n' "$2" "$3" |
		timeout 30 radclient -r 1 -t 20 "127.0.0.1:$1" auth sk-radius-secret > "$dir/out" 2>&1 || true
	if grep -q 'Received Access-Accept' "$dir/out"; then echo Accept
	elif grep -q 'Received Access-Reject' "$dir/out"; then echo Reject
	else echo None; fi
}

temp=$(add_user ume remote)
seed=$(enrol_totp ume)
pw='Kobai+Kaoru-2026'    # holds the separator: the split is at the last one
first_login ume "$temp" "$seed" "$pw"

wrong=$(code "$seed" -3600)
[ "$(request "$port" ume "$pw+$wrong")" = Reject ] || fail "wrong code not rejected"; ok
audit_has '"user":"ume"' '"result":"deny"' '"origin":"radius"' '"reason":"bad_otp"' ||
	fail "wrong code not audited as bad_otp from radius"; ok
# Two questions through rlm_pam: both get User-Password, so the code prompt gets the
# password and the login fails (why single-field mode exists).
[ "$(request "$port2" ume "$pw")" = Reject ] || fail "two-prompt line accepted"; ok
good=$(code "$seed" 60)
[ "$(request "$port" ume "$pw+$good")" = Accept ] || fail "right password and code rejected"; ok
audit_has '"user":"ume"' '"result":"allow"' '"origin":"radius"' '"rhost":""' ||
	fail "no audited success from radius"; ok
for c in "$wrong" "$good"; do
	grep -qE "(^|[^0-9a-f])$c([^0-9a-f]|\$)" "$dir/log/audit.jsonl" "$dir/broker.log" &&
		fail "a code reached Sekimori's logs"
done
ok

# The lock applies through RADIUS too: the success reset the count; deny = 5 wrong codes
# lock the account, and then the answer is a reject without anything being checked.
for off in -7200 -10800 -14400 -18000 -21600; do
	[ "$(request "$port" ume "$pw+$(code "$seed" "$off")")" = Reject ] || fail "wrong code $off"
done
[ "$(request "$port" ume "$pw+$(code "$seed" 30)")" = Reject ] || fail "locked account accepted"; ok
audit_has '"user":"ume"' '"result":"locked"' '"origin":"radius"' || fail "no audited lock"; ok

cli audit verify > "$dir/out" || fail "audit chain"
echo "radius: $checks passed, 0 failed"
