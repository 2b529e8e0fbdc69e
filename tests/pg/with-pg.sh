#!/usr/bin/env bash
# Runs a command with a PostgreSQL cluster of its own, made under the test folder ($TMPDIR)
# and removed afterwards, whatever the command's outcome.
#
#   with-pg.sh COMMAND [ARGS...]
#
# The cluster: initdb/pg_ctl of the installed PostgreSQL, run as the unprivileged user
# "postgres" (the server refuses root), listening only on a Unix socket in the cluster's
# folder (listen_addresses = ''), trust authentication for that socket alone. The command
# gets, in its environment:
#   SK_TEST_PG_HOST   the socket folder        SK_TEST_PG_PORT   the port number
#   SK_TEST_PG_URI    postgresql:///postgres?host=...&port=...&user=postgres
#   SK_TEST_PG_DATA   the data folder (for a test that stops or restarts the server)
#   SK_TEST_PG_LOG    the server's log file
#   SK_TEST_PG_CTL    pg_ctl, to be run through SK_TEST_PG_AS (runuser as postgres)
# A test picks the backend with SK_TEST_STORE=pg (set here) or runs on SQLite without it.
set -euo pipefail

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
# No server installed: skipped (ctest SKIP_RETURN_CODE 77), saying why. .ci/run installs it.
[ -x "$pgbin/initdb" ] || { echo "SKIP: with-pg: no PostgreSQL server installed" \
                              "(postgresql; .ci/run installs it)"; exit 77; }
pguser=postgres
getent passwd "$pguser" >/dev/null || { echo "with-pg: no user $pguser" >&2; exit 1; }

base=$(mktemp -d "${TMPDIR:-/tmp}/sk-pg.XXXXXX")
chmod 755 "$base"
chown "$pguser" "$base"
data="$base/data"
as_pg() { runuser -u "$pguser" -- "$@"; }
if ! as_pg test -w "$base"; then
  echo "with-pg: $pguser cannot reach $base: every folder above it must be searchable" \
       "(chmod 755 the test folder)" >&2
  rm -rf "$base"
  exit 1
fi

# A port for the socket's name only (no TCP listener): the process id keeps parallel runs apart.
port=$(( 20000 + ($$ % 20000) ))

cleanup() {
  as_pg "$pgbin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$base"
}
trap cleanup EXIT

as_pg "$pgbin/initdb" -D "$data" -A trust -U postgres --locale=C.UTF-8 -E UTF8 --no-sync \
  >"$base/initdb.log" 2>&1 || { cat "$base/initdb.log" >&2; exit 1; }
# The settings go into the cluster's own postgresql.conf, so that a test that stops the
# server starts it again with "$SK_TEST_PG_AS $SK_TEST_PG_CTL -D $SK_TEST_PG_DATA -l LOG -w start".
# fsync off: a test cluster thrown away afterwards; the settings that matter to the store
# (isolation, locks, timeouts) are the server's defaults. SK_TEST_PG_DURABLE=1 (the
# benchmark, bench/cluster/run.sh) keeps fsync and full_page_writes on, as a real server has.
cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$base'
port = $port
max_connections = 300
shared_buffers = 16MB
CONF
if [ "${SK_TEST_PG_DURABLE:-0}" != 1 ]; then
  printf 'fsync = off\nfull_page_writes = off\n' >>"$data/postgresql.conf"
fi
# SK_TEST_PG_TLS=1: the server also listens on 127.0.0.1 with TLS only (hostssl), its
# certificate for "localhost" signed by a CA made here; the command gets SK_TEST_PG_TLS_CA
# (that CA) and SK_TEST_PG_TLS_OTHER_CA (a CA that signed nothing).
if [ "${SK_TEST_PG_TLS:-0}" = 1 ]; then
  tls="$base/tls"
  mkdir "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=sekimori test CA" -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=another CA" -keyout "$tls/other.key" -out "$tls/other.pem" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=localhost" -keyout "$data/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\n' >"$tls/ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
    -CAcreateserial -days 2 -extfile "$tls/ext" -out "$data/server.crt" 2>/dev/null
  chown "$pguser" "$data/server.key" "$data/server.crt"
  chmod 600 "$data/server.key"
  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
ssl = on
CONF
  # TCP only with TLS; the Unix socket stays as it is.
  printf 'hostssl all all 127.0.0.1/32 trust\n' >>"$data/pg_hba.conf"
  sed -i -E 's/^(host[[:space:]]+all[[:space:]]+all[[:space:]]+127)/#\1/' "$data/pg_hba.conf"
  export SK_TEST_PG_TLS_CA="$tls/ca.pem" SK_TEST_PG_TLS_OTHER_CA="$tls/other.pem"
fi
as_pg "$pgbin/pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 start >/dev/null \
  || { cat "$base/server.log" >&2; exit 1; }

export SK_TEST_STORE=pg
export SK_TEST_PG_HOST="$base" SK_TEST_PG_PORT="$port" SK_TEST_PG_DATA="$data"
export SK_TEST_PG_LOG="$base/server.log"
export SK_TEST_PG_URI="postgresql:///postgres?host=$base&port=$port&user=postgres"
export SK_TEST_PG_CTL="$pgbin/pg_ctl" SK_TEST_PG_AS="runuser -u $pguser --"
set +e
"$@"
rc=$?
set -e
if [ "$rc" -ne 0 ] && [ -f "$base/server.log" ]; then
  echo "--- PostgreSQL server log (last lines) ---" >&2
  tail -n 40 "$base/server.log" >&2
fi
exit "$rc"
