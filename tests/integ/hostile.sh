#!/usr/bin/env bash
# Hostile plans against the scratch server of tests/pg-harness: backfill
# fragments that try to escape the batch UPDATE, verify/throttle queries
# that write, bytes that are not text.  Each is refused by lint, check and
# run (exit 2) before anything changes in the database; a valid plan still
# runs end to end.  TAP output.
set -u
: "${BELLOWS:?BELLOWS must name the bellows binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tap.sh"

db=t_hostile
psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" >/dev/null
q "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
   CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
       status text);
   CREATE TABLE x (a int);
   CREATE TABLE log (a int);
   CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql
       AS 'INSERT INTO log VALUES (1) RETURNING 0';
   INSERT INTO users SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 50) g;
   INSERT INTO orders SELECT g, 1 + g % 50 FROM generate_series(1, 5000) g;" >/dev/null

run() { # run ARGS...: bellows with stdin closed, output in $work/out, status in $rc
	if [ "$1" = lint ]; then
		"$BELLOWS" "$@" </dev/null >"$work/out" 2>&1
	else
		"$BELLOWS" "$@" -d "dbname=$db" </dev/null >"$work/out" 2>&1
	fi
	rc=$?
}

# plan FILE NAME BACKFILL VERIFY [THROTTLE]: the seed migration with the
# backfill's set/from/where, the verify query and throttle_sql given.
plan() {
	local throttle=
	[ -n "${5:-}" ] && throttle="throttle_sql = \"$5\";"
	cat >"$1" <<PLAN
name = "$2";
phases = (
  { name = "expand"; steps = (
      { name = "add column";
        sql = "ALTER TABLE orders ADD COLUMN user_email text";
        rollback = "ALTER TABLE orders DROP COLUMN IF EXISTS user_email"; } ); },
  { name = "backfill"; backfill = {
      table = "orders"; key = "id";
      $3
      batch_rows = 100; min_rows = 100; max_rows = 100; $throttle }; },
  { name = "verify"; verify = (
      { sql = "$4"; expect = "0"; } ); }
);
PLAN
}
good_bf='set = "user_email = u.email"; from = "users u"; where = "u.id = orders.user_id";'
good_verify='SELECT count(*) FROM orders WHERE user_email IS NULL'

untouched() { # the expand step's column was never added, no batch ran
	[ "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'user_email' AND NOT attisdropped")" = 0 ] &&
	[ "$(q "SELECT count(*) FROM x")" = 0 ] && [ "$(q "SELECT count(*) FROM log")" = 0 ] &&
	[ "$(q "SELECT count(*) FROM orders WHERE status IS NOT NULL")" = 0 ]
}

# refused FILE WHAT PATTERN: lint, check and run all exit 2 naming the
# place (PATTERN, a grep -E on the message), and nothing changed.
refused() {
	run lint "$1"
	check "$2: lint refuses it (exit 2)" [ "$rc" = 2 ]
	check "$2: lint names the place" grep -Eq "$3" "$work/out"
	run check "$1"
	check "$2: check refuses it (exit 2)" [ "$rc" = 2 ]
	run run --no-tui --yes "$1"
	check "$2: run refuses it (exit 2)" [ "$rc" = 2 ]
	check "$2: nothing changed in the database" untouched
}

echo "1..60"

# --- 1: a where ending in a comment --------------------------------------
plan "$work/where.conf" where-comment \
	'set = "user_email = u.email"; from = "users u"; where = "u.id = orders.user_id -- tail";' \
	"$good_verify"
refused "$work/where.conf" "where ending in -- comment" \
	"where.conf:9:[0-9]+: .*backfill where: a comment is not allowed"

# --- 2: a set with a comment and $1 (the keyset bound's placeholder) ----
plan "$work/set.conf" set-param 'set = "status = $1 --";' "$good_verify"
refused "$work/set.conf" "set with \$1 and a comment" \
	"set.conf:9:[0-9]+: .*backfill set: "

# --- 3: a from with a second statement ------------------------------------
plan "$work/from.conf" from-drop \
	'set = "user_email = u.email"; from = "users u; DROP TABLE x";' "$good_verify"
refused "$work/from.conf" "from with a second statement" \
	"from.conf:9:[0-9]+: .*backfill from: ';' is not allowed"
check "table x is still there" [ "$(q "SELECT to_regclass('x') IS NOT NULL")" = t ]

# --- 4: verify with two statements, or an INSERT --------------------------
plan "$work/verify2.conf" verify-two "$good_bf" 'SELECT 0; CREATE TABLE pwned (a int)'
refused "$work/verify2.conf" "verify with two statements" \
	"verify2.conf:12: phases\[2\]\.verify\[0\]\.sql: must be exactly one statement"
check "no table was created by the verify" [ "$(q "SELECT to_regclass('pwned') IS NULL")" = t ]
plan "$work/verifyins.conf" verify-insert "$good_bf" 'INSERT INTO log VALUES (1)'
refused "$work/verifyins.conf" "verify that inserts" \
	"verifyins.conf:12: .*must be a query that only reads .*not INSERT"

# --- 5: throttle_sql that writes -------------------------------------------
plan "$work/throttle.conf" throttle-writes "$good_bf" "$good_verify" \
	'WITH d AS (INSERT INTO log VALUES (1) RETURNING 1) SELECT false'
refused "$work/throttle.conf" "throttle_sql that writes" \
	"throttle.conf:10: phases\[1\]\.backfill\.throttle_sql: must only read"

# --- 6: a NUL byte, invalid UTF-8 -------------------------------------------
plan "$work/nul.conf" nul-byte "$good_bf" 'SELECT count(*) FROM orders WHERE user_email IS NULL@NUL@; DROP TABLE x'
sed -i 's/@NUL@/\x00/' "$work/nul.conf"
check "the NUL test plan holds a NUL byte" grep -qaP '\x00' "$work/nul.conf"
refused "$work/nul.conf" "NUL byte in a plan string" "nul.conf:12: NUL byte"
plan "$work/ff.conf" bad-utf8 "$good_bf" 'SELECT count(*) FROM orders WHERE user_email <> @FF@'
sed -i 's/@FF@/\xff/' "$work/ff.conf"
refused "$work/ff.conf" "byte 0xff in a plan string" \
	"ff.conf:12: invalid UTF-8 \(byte 0xff\)"
printf 'SELECT 1;\nSELECT \xff;\n' >"$work/ff.sql"
run lint "$work/ff.sql"
check "a .sql file with byte 0xff: lint exits 2 naming file and line" \
	eval '[ "$rc" = 2 ] && grep -q "ff.sql:2: invalid UTF-8" "$work/out"'

# --- 7: verify and throttle_sql run READ ONLY, whatever they call ---------
plan "$work/sneaky.conf" sneaky "$good_bf" 'SELECT sneaky()' 'SELECT sneaky() = 1'
run run --no-tui --yes "$work/sneaky.conf"
check "a verify calling a writing function fails the run (exit 1)" [ "$rc" = 1 ]
check "it failed as a read-only transaction" grep -q "read-only transaction" "$work/out"
check "the function wrote nothing (verify and throttle_sql were read only)" \
	[ "$(q "SELECT count(*) FROM log")" = 0 ]
check "the backfill itself ran (the throttle check was only off)" \
	[ "$(q "SELECT count(*) FROM orders WHERE user_email IS NULL")" = 0 ]
run rollback --no-tui --yes "$work/sneaky.conf"
check "the sneaky plan rolls back" [ "$rc" = 0 ]

# --- 8: a batch statement the server cannot plan stops before any batch ---
plan "$work/noplan.conf" noplan 'set = "status = no_such_column";' "$good_verify"
run run --no-tui --yes "$work/noplan.conf"
check "a batch statement that does not plan stops the run (exit 1)" [ "$rc" = 1 ]
check "it is refused before the first batch, with the server's reason" \
	grep -q "refused before the first batch: .*no_such_column" "$work/out"
check "no batch ran" eval '[ "$(q "SELECT count(*) FROM orders WHERE status IS NOT NULL")" = 0 ] &&
	! grep -q "batch 1:" "$work/out"'
run rollback --no-tui --yes "$work/noplan.conf"
check "the noplan plan rolls back" [ "$rc" = 0 ]

# --- 9: a valid plan still runs end to end -----------------------------------
plan "$work/good.conf" good "$good_bf" "$good_verify" \
	'SELECT EXISTS (SELECT FROM log)'
run lint "$work/good.conf"
check "the valid plan lints (exit 0)" [ "$rc" = 0 ]
run check "$work/good.conf"
check "check: the batch statement of a backfill needing the expand step is a warning" \
	eval '[ "$rc" = 0 ] && grep -q "warn .*batch statement of backfill" "$work/out"'
run run --no-tui --yes "$work/good.conf"
check "the valid plan runs end to end (exit 0)" [ "$rc" = 0 ]
check "every order got its email, in batches of 100" \
	eval '[ "$(q "SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE o.user_email = u.email")" = 5000 ] &&
	[ "$(q "SELECT batches FROM bellows.steps WHERE run = '"'good'"' AND phase = 1")" = 50 ]'
check "check now proves the bound and plans the batch (ok)" \
	eval 'run check "$work/good.conf"; [ "$rc" = 0 ] && grep -q "ok .*batch statement of backfill .*key bounds applied" "$work/out"'

# A checklist query calling a function that acts outside the transaction
# (READ ONLY does not stop pg_terminate_backend): refused before it runs.
psql -X -q -d "$db" -c "SELECT pg_sleep(20)" >/dev/null 2>&1 &
victim=$!
sleep 0.5
vpid=$(q "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)'")
cat >"$work/acting.conf" <<PLAN
name = "acting";
checklist = ( { id = "probe"; text = "a harmless looking probe";
    sql = "SELECT pg_terminate_backend($vpid)"; } );
phases = ( { name = "v"; verify = ( { sql = "SELECT 1"; expect = "1"; } ); } );
PLAN
run check "$work/acting.conf"
check "check refuses a checklist query that terminates a session (exit 2), naming it" \
	eval '[ "$rc" = 2 ] && grep -q "acting.conf:3: checklist\[0\].sql: must only read: it calls pg_terminate_backend" "$work/out"'
check "and the other session is still there" [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $vpid")" = 1 ]
kill $victim 2>/dev/null; q "SELECT pg_terminate_backend($vpid)" >/dev/null; wait $victim 2>/dev/null || true
