# The store of a shell test that starts a broker, on SQLite or PostgreSQL. Sourced, not run.
# With SK_TEST_STORE=pg (the test runs under tests/pg/with-pg.sh) each store is a new, empty
# database in the test's own cluster, as sk_test_store_name (tests/helpers) makes one for
# the C tests; otherwise it is the SQLite file state/sekimori.db under the configuration's
# folder.
#   sk_store_new         sets sk_store to the `store =` value for sekimori.conf
#   sk_store_sql DIR SQL runs SQL on the store sk_store names (DIR: the configuration's
#                        folder, for the SQLite path) and prints the result rows, fields
#                        separated by '|' (as the sqlite3 program prints them); the
#                        statement must mean the same on both
#   sk_store_is_pg       true on PostgreSQL
# shellcheck shell=bash

sk_store_is_pg() { [ "${SK_TEST_STORE:-}" = pg ]; }

sk_store_new() {
	if ! sk_store_is_pg; then
		sk_store=state/sekimori.db
		return 0
	fi
	: "${SK_TEST_PG_URI:?}" "${SK_TEST_PG_HOST:?}" "${SK_TEST_PG_PORT:?}"
	command -v psql > /dev/null || { echo "sk_store_new: no psql" >&2; return 1; }
	# The process id and a count keep the databases of one cluster apart.
	sk_store_count=$(( ${sk_store_count:-0} + 1 ))
	local db="sk_sh_$$_$sk_store_count"
	psql -X -q -v ON_ERROR_STOP=1 "$SK_TEST_PG_URI" -c "CREATE DATABASE $db" > /dev/null ||
		{ echo "sk_store_new: cannot create database $db" >&2; return 1; }
	sk_store="postgresql:///$db?host=$SK_TEST_PG_HOST&port=$SK_TEST_PG_PORT&user=postgres"
}

sk_store_sql() {
	local d=$1
	shift
	if sk_store_is_pg; then
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$sk_store" -c "$*"
	else
		sqlite3 -cmd ".timeout 5000" "$d/$sk_store" "$*"
	fi
}
