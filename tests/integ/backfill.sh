#!/usr/bin/env bash
# Integration tests of the backfill phase (bellows run --no-tui --yes)
# against the scratch server of tests/pg-harness: keys of every shape,
# concurrent writers, kill -9 and resume, throttling, statement timeouts.
# TAP output.
#
# "No batch done twice" is checked on the data: the backfill's SET also
# counts (n_updates = n_updates + 1) and a statement trigger logs every
# UPDATE the backfill's session commits, so a repeated batch would show as
# a row updated twice or as more batches logged than journaled.
set -u
: "${BELLOWS:?BELLOWS must name the bellows binary}"
: "${top_srcdir:=$(dirname "$0")/../..}"
work=$(mktemp -d)
trap 'jobs -p | xargs -r kill 2>/dev/null; rm -rf "$work"' EXIT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tap.sh"

# newdb ROWS [KEYEXPR]: users (200) and orders with ROWS rows whose id is
# KEYEXPR of g (default g: dense), a backfill counter and a log of the
# backfill's UPDATE statements.
newdb() {
	db=t_backfill_$((++dbs))
	psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" >/dev/null
	q "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
	   CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
	       amount numeric NOT NULL DEFAULT 0, status text, user_email varchar(255),
	       n_updates int NOT NULL DEFAULT 0);
	   INSERT INTO users SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 200) g;
	   INSERT INTO orders (id, user_id, amount) SELECT ${2:-g}, 1 + g % 200, g FROM generate_series(1, $1) g;
	   CREATE TABLE batch_log (app text, nrows bigint);
	   CREATE FUNCTION log_batch() RETURNS trigger LANGUAGE plpgsql AS \$\$
	   BEGIN
	       IF current_setting('application_name') LIKE 'bellows:%' THEN
	           INSERT INTO batch_log SELECT current_setting('application_name'), count(*) FROM new_rows;
	       END IF;
	       RETURN NULL;
	   END \$\$;
	   CREATE TRIGGER log_batch AFTER UPDATE ON orders REFERENCING NEW TABLE AS new_rows
	       FOR EACH STATEMENT EXECUTE FUNCTION log_batch();
	   ANALYZE;" >/dev/null
}
dbs=0

# plan NAME [EXTRA-BACKFILL-SETTINGS]: a plan with the backfill phase only.
plan() {
	cat >"$work/$1.conf" <<PLAN
name = "$1";
phases = ( { name = "backfill"; backfill = {
      table = "orders"; key = "id";
      set = "user_email = u.email, n_updates = orders.n_updates + 1"; from = "users u";
      where = "u.id = orders.user_id AND orders.user_email IS NULL";
      ${2:-batch_rows = 1000;} }; } );
PLAN
}

run() { # run ARGS...: bellows with stdin closed, output in $work/out, status in $rc
	"$BELLOWS" "$@" -d "dbname=$db" </dev/null >"$work/out" 2>&1
	rc=$?
}

# resume PLAN: run it again until no killed driver's backend holds the
# run's lock any more (exit 4 for a moment).
resume() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		run run --no-tui --yes "$1"
		[ "$rc" = 4 ] || break
		sleep 0.3
	done
}

wrong() { q "SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE o.user_email IS DISTINCT FROM u.email"; }
twice() { q "SELECT count(*) FROM orders WHERE n_updates > 1"; }
# journal rows_done and batches against the data and the trigger's log
agree() {
	[ "$(q "SELECT s.rows_done || ' ' || s.batches FROM bellows.steps s WHERE s.run = '$1' AND s.step = -1")" = \
	  "$(q "SELECT (SELECT count(*) FROM orders WHERE n_updates = 1) || ' ' || (SELECT count(*) FROM batch_log)")" ]
}

echo "1..35"

# --- 1: dense integer keys ----------------------------------------------
newdb 20000
plan dense
run run --no-tui --yes --verbose "$work/dense.conf"
check "dense keys: the backfill finishes (exit 0)" [ "$rc" = 0 ]
check "dense keys: every row has its user's email" [ "$(wrong)" = 0 ]
check "dense keys: no row was updated twice" [ "$(twice)" = 0 ]
check "dense keys: journal rows and batches agree with the data" agree dense
check "the batch size adapts (it is not the 1000 it started at)" \
	bash -c "grep -o 'batch [0-9]*: [0-9]* rows' '$work/out' | awk '{print \$3}' | sort -u | wc -l | awk '{exit !(\$1 > 1)}'"

# --- 2: sparse keys -------------------------------------------------------
newdb 20000 "g::bigint * 1000 + (hashint4(g) & 511) + CASE WHEN g > 10000 THEN 1000000000 ELSE 0 END"
plan sparse
run run --no-tui --yes "$work/sparse.conf"
check "sparse keys (gaps and a jump of 1e9): exit 0" [ "$rc" = 0 ]
check "sparse keys: every row right, none twice" [ "$(wrong) $(twice)" = "0 0" ]
check "sparse keys: journal agrees with the data" agree sparse

# --- 3: a text key in a schema-qualified, mixed-case table ---------------
newdb 10
q "CREATE SCHEMA \"Shop\";
   CREATE TABLE \"Shop\".\"Orders\" (\"Code\" text PRIMARY KEY, user_id bigint NOT NULL, \"Email\" text);
   INSERT INTO \"Shop\".\"Orders\" SELECT md5(g::text), 1 + g % 200 FROM generate_series(1, 5000) g;
   ANALYZE \"Shop\".\"Orders\";" >/dev/null
cat >"$work/text.conf" <<'PLAN'
name = "text-key";
phases = ( { name = "backfill"; backfill = {
      table = "Shop.Orders"; key = "Code";
      set = "\"Email\" = u.email"; from = "users u";
      where = "u.id = \"Orders\".user_id AND \"Orders\".\"Email\" IS NULL";
      batch_rows = 300; }; } );
PLAN
run run --no-tui --yes "$work/text.conf"
check "text key, quoted schema and table: exit 0" [ "$rc" = 0 ]
check "text key: every row right" [ "$(q "SELECT count(*) FROM \"Shop\".\"Orders\" o JOIN users u ON u.id = o.user_id WHERE o.\"Email\" IS DISTINCT FROM u.email")" = 0 ]
check "text key: the journal counts every row" [ "$(q "SELECT rows_done FROM bellows.steps WHERE run = 'text-key' AND step = -1")" = 5000 ]

# --- 4: other sessions insert and update during the backfill -------------
newdb 30000
plan busy "batch_rows = 500; max_rows = 500; pause_ms = 10;"
# The application dual-writes: new orders and changed user_ids carry the
# matching email; some rows it touches are already backfilled, some not.
cat >"$work/app.sql" <<'SQL'
\set id random(1, 30000)
\set uid random(1, 200)
UPDATE orders SET user_id = :uid, user_email = (SELECT email FROM users WHERE id = :uid) WHERE id = :id;
INSERT INTO orders (id, user_id, user_email) SELECT coalesce(max(id), 0) + 1, :uid, (SELECT email FROM users WHERE id = :uid) FROM orders ON CONFLICT DO NOTHING;
SQL
pgbench -n -c 2 -T 4 -f "$work/app.sql" "$db" >"$work/pgbench.out" 2>&1 &
app=$!
sleep 0.3
run run --no-tui --yes "$work/busy.conf"
wait $app
check "with concurrent writers: exit 0" [ "$rc" = 0 ]
check "the writers ran during the backfill" [ "$(q "SELECT count(*) > 30000 FROM orders")" = t ]
check "with concurrent writers: every row (old, changed, new) is right" [ "$(wrong)" = 0 ]
check "with concurrent writers: no row updated twice by the backfill" [ "$(twice)" = 0 ]

# --- 5: kill -9 at random points, then resume ----------------------------
newdb 40000
# Small batches with pauses: ~3 s in all, so the kills land mid-run.
plan crash "batch_rows = 400; max_rows = 400; pause_ms = 30;"
kills=0
for i in 1 2 3 4 5; do
	"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/crash.conf" </dev/null >>"$work/crash.out" 2>&1 &
	driver=$!
	# The first kill lands after a batch committed, however slow the
	# machine: the resume must have a cursor to resume after.
	if [ $i = 1 ]; then
		for _ in $(seq 1 200); do
			[ "$(q "SELECT batches FROM bellows.steps WHERE run = 'crash' AND step = -1" 2>/dev/null)" -gt 0 ] 2>/dev/null && break
			sleep 0.05
		done
	fi
	sleep "0.$((3 + RANDOM % 6))"
	if kill -9 $driver 2>/dev/null; then kills=$((kills + 1)); fi
	wait $driver 2>/dev/null
done
echo "# killed $kills times; $(q "SELECT rows_done || ' rows, ' || batches || ' batches' FROM bellows.steps WHERE run = 'crash' AND step = -1") journaled before the last run"
resume "$work/crash.conf"
check "after kill -9 (x$kills) the re-run finishes (exit 0)" [ "$rc" = 0 ]
check "the re-run resumed after the journaled cursor" grep -q "backfill resumes after key" "$work/out"
check "after the kills every row is right" [ "$(wrong)" = 0 ]
check "after the kills no batch was done twice (no row updated twice)" [ "$(twice)" = 0 ]
check "after the kills the journal's rows and batches agree with the data" agree crash

# --- 5b: the server crashes mid-backfill (immediate stop) ------------------
# Batches commit asynchronously: the last ones can be lost in a crash, but
# only together with their cursor, so the resumed run redoes exactly those.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
newdb 30000
plan srvcrash "batch_rows = 300; max_rows = 300; pause_ms = 20;"
"$BELLOWS" run --no-tui --yes --verbose -d "dbname=$db" "$work/srvcrash.conf" </dev/null >"$work/srvcrash.out" 2>&1 &
driver=$!
wait_for "$work/srvcrash.out" "batch 20:" 100
as_pg "$BELLOWS_TEST_PGBIN/pg_ctl" -D "$BELLOWS_TEST_PGDATA" -m immediate -w stop >/dev/null 2>&1
sleep 1
as_pg "$BELLOWS_TEST_PGBIN/pg_ctl" -D "$BELLOWS_TEST_PGDATA" -l "$PGHOST/server.log" -w \
	-o "-c listen_addresses='' -k $PGHOST -p $PGPORT -c fsync=off -c synchronous_commit=off \
	    -c full_page_writes=off" start >/dev/null 2>&1
wait $driver; rc=$?
# Should the driver give up on the connection, the plan resumes.
[ "$rc" = 0 ] || resume "$work/srvcrash.conf"
check "after a server crash mid-backfill the run finishes (exit 0)" [ "$rc" = 0 ]
check "after the server crash every row is right, none twice" [ "$(wrong) $(twice)" = "0 0" ]
check "after the server crash the journal's rows and batches agree with the data" agree srvcrash

# --- 6: throttle_sql holds the batches until it turns false --------------
newdb 5000
q "CREATE TABLE hold (x int); INSERT INTO hold VALUES (1);" >/dev/null
plan held 'batch_rows = 500; throttle_sql = "SELECT EXISTS (SELECT FROM hold)";'
"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/held.conf" </dev/null >"$work/out" 2>&1 &
driver=$!
sleep 1.5
before=$(q "SELECT count(*) FROM orders WHERE user_email IS NOT NULL")
q "DELETE FROM hold" >/dev/null
wait $driver; rc=$?
check "throttle_sql true: no batch ran while it held" [ "$before" = 0 ]
check "the throttle reason is shown" grep -q "throttle: throttle_sql is true" "$work/out"
check "batches resume by themselves when it clears, and finish" \
	[ "$rc" = 0 ] && grep -q "throttle-clear" "$work/out" && [ "$(wrong)" = 0 ]

# --- 7: a statement timeout shrinks the batch ----------------------------
newdb 8000
# One slow row, slow once: the batch holding it runs past the timeout
# (20 x target_batch_ms, at least 1 s), is cancelled and redone smaller.
q "CREATE SEQUENCE slow_once;
   CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS \$\$
   BEGIN
       IF NEW.id = 3000 AND nextval('slow_once') = 1 THEN PERFORM pg_sleep(1.5); END IF;
       RETURN NEW;
   END \$\$;
   CREATE TRIGGER slow_row BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION slow_row();" >/dev/null
plan timeout "batch_rows = 1000; max_rows = 1000; target_batch_ms = 50;"
run run --no-tui --yes "$work/timeout.conf"
check "a batch past the statement timeout is retried smaller" \
	grep -q "batch-retry: .*statement timeout.*retrying with batches of [0-9]* rows" "$work/out"
check "and the backfill still finishes with every row right, none twice" \
	[ "$rc" = 0 ] && [ "$(wrong) $(twice)" = "0 0" ] && agree timeout

# --- 8: a session blocked by the backfill's locks throttles it -----------
newdb 8000
q "CREATE SEQUENCE slow_once;
   CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS \$\$
   BEGIN
       IF NEW.id = 4900 AND nextval('slow_once') = 1 THEN PERFORM pg_sleep(2.5); END IF;
       RETURN NEW;
   END \$\$;
   CREATE TRIGGER slow_row BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION slow_row();" >/dev/null
plan blocked "batch_rows = 1000; max_rows = 1000; max_blocked_ms = 300; target_batch_ms = 200;"
"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/blocked.conf" </dev/null >"$work/out" 2>&1 &
driver=$!
for _ in $(seq 1 300); do
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'bellows:%' AND wait_event = 'PgSleep'")" = 1 ] && break
	sleep 0.05
done
# Row 4500 is in the sleeping batch, already updated by it: locked.
q "UPDATE orders SET status = 'app' WHERE id = 4500" >/dev/null
wait $driver; rc=$?
if grep -q "throttle: 1 session waited" "$work/out"; then
	ok "a session waiting on the backfill's locks > max_blocked_ms throttles it, with the reason"
else
	notok "a session waiting on the backfill's locks > max_blocked_ms throttles it, with the reason" "$(tail -n 20 "$work/out")"
fi
check "the blocked session's run still finishes with every row right" \
	[ "$rc" = 0 ] && [ "$(wrong) $(twice)" = "0 0" ]

# --- bad backfill SQL: refused before anything runs, or stops cleanly ----
newdb 1000
cat >"$work/typo.conf" <<'PLAN'
name = "typo";
phases = (
  { name = "expand"; steps = ( { name = "mark";
      sql = "ALTER TABLE orders ADD COLUMN marked boolean"; rollback = "ALTER TABLE orders DROP COLUMN marked"; } ); },
  { name = "backfill"; backfill = { table = "orders"; key = "id";
      set = "marked = true";
      where = "orders.marked IS NULL ANDD orders.id > 0"; }; } );
PLAN
run run --no-tui --yes "$work/typo.conf"
check "a syntax error in the backfill's where: run exits 2 naming file, line, column" \
	[ "$rc" = 2 ] && grep -q "typo.conf:7:[0-9]*: backfill where: syntax error at or near \"ANDD\"" "$work/out"
check "and nothing ran: no run journaled, no column added" \
	[ "$(q "SELECT count(*) FROM bellows.runs WHERE name = 'typo'" 2>/dev/null || echo 0) $(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'marked'")" = "0 0" ]
run check "$work/typo.conf"
check "check refuses it too (exit 2)" [ "$rc" = 2 ] && grep -q "backfill where: syntax error" "$work/out"
# A column that is not there parses: the server says so at the first
# batch, which stops the phase (it crashed in the plan check before).
sed -e 's/"typo"/"column"/' -e 's/ ANDD / AND /' -e 's/orders.marked IS NULL/orders.markd IS NULL/' \
	"$work/typo.conf" >"$work/column.conf"
run run --no-tui --yes "$work/column.conf"
check "an unknown column in the backfill: the phase stops with the server's error (exit 1)" \
	[ "$rc" = 1 ] && grep -q "backfill batch failed: ERROR 42703" "$work/out"
check "and the journal says the backfill failed, the expand step done" \
	[ "$(q "SELECT string_agg(state, ',' ORDER BY phase, step) FROM bellows.steps WHERE run = 'column'")" = "done,failed" ]

