#!/usr/bin/env bash
# Integration tests of bellows run / rollback (the engine, headless) against
# the scratch server of tests/pg-harness.  TAP output.
set -u
: "${BELLOWS:?BELLOWS must name the bellows binary}"
work=$(mktemp -d)
trap 'jobs -p | xargs -r kill 2>/dev/null; rm -rf "$work"' EXIT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tap.sh"

newdb() { orders_db t_engine_$((++dbs)) "${1:-5000}"; }
dbs=0

run() { # run ARGS...: bellows with stdin closed, output in $work/out, status in $rc
	"$BELLOWS" "$@" -d "dbname=$db" </dev/null >"$work/out" 2>&1
	rc=$?
}

echo "1..36"

# --- 1: the seed migration end to end -----------------------------------
newdb 25000
cat >"$work/seed.conf" <<'PLAN'
name = "orders-user-email";
lock_timeout = "500ms";
retries = 5;
checklist = (
  { id = "pitr"; text = "Point-in-time recovery tested this week"; },
  { id = "long-tx"; text = "No transaction older than 5 minutes";
    auto = "long_transactions"; max = "5min"; }
);
phases = (
  { name = "expand"; steps = (
      { name = "add column";
        sql = "ALTER TABLE orders ADD COLUMN user_email varchar(255)";
        rollback = "ALTER TABLE orders DROP COLUMN IF EXISTS user_email"; },
      { name = "index";
        sql = "CREATE INDEX CONCURRENTLY orders_user_email_idx ON orders (user_email)";
        rollback = "DROP INDEX CONCURRENTLY IF EXISTS orders_user_email_idx"; } ); },
  { name = "dual-write"; gate = "Deploy the app version that writes user_email."; },
  { name = "backfill"; backfill = {
      table = "orders"; key = "id";
      set = "user_email = u.email"; from = "users u";
      where = "u.id = orders.user_id AND orders.user_email IS NULL";
      batch_rows = 1000; }; },
  { name = "verify"; verify = (
      { sql = "SELECT count(*) FROM orders WHERE user_email IS NULL"; expect = "0"; } ); },
  { name = "contract"; steps = (
      { sql = "ALTER TABLE orders ADD CONSTRAINT orders_user_email_nn CHECK (user_email IS NOT NULL) NOT VALID";
        rollback = "ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_user_email_nn"; },
      { sql = "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_email_nn"; },
      { sql = "ALTER TABLE orders ALTER COLUMN user_email SET NOT NULL"; },
      { sql = "ALTER TABLE orders DROP CONSTRAINT orders_user_email_nn"; } ); }
);
PLAN
run run --no-tui --yes --verbose --operator alice "$work/seed.conf"
check "the seed plan runs end to end with --yes (exit 0)" [ "$rc" = 0 ]
# Progress: each batch line's percentage against the truth (dense keys 1..25000).
worst=$(sed -n 's/.*up to key \([0-9]*\) .*(\([0-9.]*\)%).*/\1 \2/p' "$work/out" |
	awk '{ d = $1 / 25000 * 100 - $2; if (d < 0) d = -d; if (d > w) w = d } END { print w + 0 }')
check "the backfill's percentage stays within 5 points of the truth (worst $worst)" \
	awk -v w="$worst" 'BEGIN { exit !(w < 5) }'
check "every order got its user's email" [ "$(q "SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE o.user_email IS DISTINCT FROM u.email")" = 0 ]
check "user_email is NOT NULL and the index is valid" [ "$(q "SELECT a.attnotnull AND i.indisvalid FROM pg_attribute a, pg_index i WHERE a.attrelid = 'orders'::regclass AND a.attname = 'user_email' AND i.indexrelid = 'orders_user_email_idx'::regclass")" = t ]
check "the journal says done and records the backfill's rows" [ "$(q "SELECT r.state || ' ' || s.rows_done FROM bellows.runs r JOIN bellows.steps s ON s.run = r.name AND s.phase = 2 WHERE r.name = 'orders-user-email'")" = "done 25000" ]
check "sign-offs and the gate are journaled as given by --yes for alice" \
	[ "$(q "SELECT count(*) FROM bellows.events WHERE operator = 'alice' AND detail LIKE '%--yes%' AND kind IN ('signoff', 'gate-confirmed', 'typed-confirmation')")" -ge 5 ]
run run --no-tui --yes "$work/seed.conf"
check "running a finished plan again changes nothing and exits 0" \
	grep -q "every phase is done" "$work/out"

# --- 2: a blocker makes the DDL retry; the log names it ------------------
newdb
cat >"$work/add.conf" <<'PLAN'
name = "add-col";
lock_timeout = "300ms";
retries = 30;
phases = (
  { name = "expand"; steps = (
      { name = "add"; sql = "ALTER TABLE orders ADD COLUMN note text";
        rollback = "ALTER TABLE orders DROP COLUMN note"; } ); }
);
PLAN
psql -X -q -d "$db" -c "BEGIN; SELECT count(*) FROM orders; SELECT pg_sleep(2.5); COMMIT;" >/dev/null &
blocker=$!
sleep 0.5
bpid=$(q "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2.5)%' AND pid <> pg_backend_pid()")
run run --no-tui --yes "$work/add.conf"
wait $blocker
check "the step succeeds once the blocker commits" [ "$rc" = 0 ]
check "the log shows lock timeouts and retries" grep -q "lock-timeout: attempt 1 of 31" "$work/out"
check "the log names the blocking pid" grep -q "blocked by pid $bpid" "$work/out"
check "the column exists" [ "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note'")" = 1 ]

# --- 3: give up after retries, naming who is in the way -----------------
newdb
sed -e 's/retries = 30/retries = 2/' -e 's/add-col/give-up/' "$work/add.conf" >"$work/giveup.conf"
psql -X -q -d "$db" -c "BEGIN; SELECT count(*) FROM orders; SELECT pg_sleep(30); COMMIT;" >/dev/null 2>&1 &
blocker=$!
sleep 0.5
bpid=$(q "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()")
run run --no-tui --yes "$work/giveup.conf"
check "after the retries (3 attempts for retries = 2) the run stops with exit 1" [ "$rc" = 1 ]
check "the final message names the blocker" grep -q "gave up after 3 attempts.*pid $bpid" "$work/out"
q "SELECT pg_terminate_backend($bpid)" >/dev/null; wait $blocker 2>/dev/null

# --- 4: a failed CREATE INDEX CONCURRENTLY leaves no invalid index -------
newdb
q "UPDATE orders SET status = 'dup'" >/dev/null
cat >"$work/cic.conf" <<'PLAN'
name = "cic";
phases = ( { name = "expand"; steps = (
  { name = "unique"; sql = "CREATE UNIQUE INDEX CONCURRENTLY orders_status_key ON orders (status)";
    rollback = "DROP INDEX CONCURRENTLY IF EXISTS orders_status_key"; } ); } );
PLAN
run run --no-tui --yes "$work/cic.conf"
check "a unique index over duplicates fails the step (exit 1)" [ "$rc" = 1 ]
check "the INVALID index it left was dropped" [ "$(q "SELECT count(*) FROM pg_class WHERE relname = 'orders_status_key'")" = 0 ]
check "the log says so" grep -q "invalid-index-dropped" "$work/out"

# --- 5: rollback restores the schema -------------------------------------
newdb
sed 's/add-col/rb/' "$work/add.conf" >"$work/rb.conf"
run run --no-tui --yes "$work/rb.conf"
run rollback --no-tui --yes "$work/rb.conf"
check "rollback exits 0" [ "$rc" = 0 ]
check "rollback dropped the column again" [ "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note' AND NOT attisdropped")" = 0 ]

# --- 6: kill -9 between steps, then resume -------------------------------
newdb
cat >"$work/slow.conf" <<'PLAN'
name = "slow";
phases = ( { name = "expand"; steps = (
  { name = "one"; sql = "ALTER TABLE orders ADD COLUMN a int"; rollback = "ALTER TABLE orders DROP COLUMN a"; },
  { name = "sleep"; sql = "SELECT pg_sleep(3)"; rollback = "SELECT 1"; },
  { name = "two"; sql = "ALTER TABLE orders ADD COLUMN b int"; rollback = "ALTER TABLE orders DROP COLUMN b"; } ); } );
PLAN
"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/slow.conf" </dev/null >"$work/out1" 2>&1 &
driver=$!
for _ in $(seq 1 50); do
	[ "$(q "SELECT state FROM bellows.steps WHERE run = 'slow' AND step = 1" 2>/dev/null)" = running ] && break
	sleep 0.1
done
# --- a second driver is refused while the first holds the run
run run --no-tui --yes "$work/slow.conf"
check "a second driver exits 4" [ "$rc" = 4 ]
check "and names the holder" grep -q "is driven by" "$work/out"
kill -9 $driver; wait $driver 2>/dev/null
run run --no-tui --yes "$work/slow.conf"
check "the re-run resumes and finishes" [ "$rc" = 0 ]
check "the step done before the kill ran once, the interrupted one twice" \
	[ "$(q "SELECT string_agg(attempts::text, ',' ORDER BY step) FROM bellows.steps WHERE run = 'slow'")" = "1,2,1" ]

# --- 7: a changed plan is refused unless forced --------------------------
echo "# changed" >>"$work/slow.conf"
run run --no-tui --yes "$work/slow.conf"
check "a changed plan is refused with exit 2" [ "$rc" = 2 ] && grep -q -- "--force" "$work/out"
run run --no-tui --yes --force "$work/slow.conf"
check "with --force the changed plan is accepted and journaled" \
	[ "$rc" = 0 ] && [ "$(q "SELECT count(*) FROM bellows.events WHERE run = 'slow' AND kind = 'plan-changed'")" = 1 ]

# --- 8: without --yes and without a terminal a question is an error ------
newdb
sed 's/add-col/ask/' "$work/add.conf" >"$work/ask.conf"
run run --no-tui "$work/ask.conf"
check "a question with no terminal and no --yes exits 2" [ "$rc" = 2 ] && grep -q -- "--yes" "$work/out"
check "and nothing was changed" [ "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note'")" = 0 ]

# --- 9: SIGTERM mid-statement: cancelled, journaled, lock released -------
newdb
sed 's/name = "slow"/name = "sig"/' "$work/slow.conf" | grep -v '^# changed' >"$work/sig.conf"
"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/sig.conf" </dev/null >"$work/out" 2>&1 &
driver=$!
for _ in $(seq 1 50); do
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(3)'" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
kill -TERM $driver; wait $driver; rc=$?
check "SIGTERM during a statement exits 5" [ "$rc" = 5 ]
check "the step is journaled as interrupted" [ "$(q "SELECT state FROM bellows.steps WHERE run = 'sig' AND step = 1")" = interrupted ]
check "the run's lock is free at once: the next run resumes" \
	bash -c '"$BELLOWS" run --no-tui --yes -d "dbname='"$db"'" "'"$work/sig.conf"'" </dev/null >/dev/null 2>&1'

# --- 10: readers never queue behind the DDL for more than ~lock_timeout --
newdb
sed 's/add-col/readers/' "$work/add.conf" >"$work/readers.conf"
psql -X -q -d "$db" -c "BEGIN; SELECT count(*) FROM orders; SELECT pg_sleep(3); COMMIT;" >/dev/null &
blocker=$!
sleep 0.3
"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/readers.conf" </dev/null >"$work/out" 2>&1 &
driver=$!
sleep 0.2
# Each reader reports how long its SELECT on orders waited.
for i in 1 2 3 4 5 6; do
	psql -X -q -At -d "$db" -c "DO \$\$ DECLARE t timestamptz := clock_timestamp(); BEGIN PERFORM count(*) FROM orders; RAISE NOTICE 'waited %', extract(epoch FROM clock_timestamp() - t); END \$\$" 2>&1 |
		sed -n 's/.*waited //p' >>"$work/waits" &
	sleep 0.35
done
wait $blocker; wait $driver; rc=$?
wait
worst=$(sort -n "$work/waits" | tail -n 1)
echo "# reader waits (s): $(tr '\n' ' ' <"$work/waits") — lock_timeout 0.3s, blocker 3s"
check "readers waited at most about lock_timeout behind the DDL (worst ${worst}s)" \
	awk -v w="$worst" 'BEGIN { exit !(w != "" && w < 0.8) }'
check "and the step completed after the blocker let go" [ "$rc" = 0 ]

# --- 11: the executor's connection dies mid-step: reconnect and resume ---
newdb
sed 's/name = "slow"/name = "drop"/' "$work/slow.conf" | grep -v '^# changed' >"$work/drop.conf"
"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/drop.conf" </dev/null >"$work/out" 2>&1 &
driver=$!
for _ in $(seq 1 50); do
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(3)'" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(3)'" >/dev/null
wait $driver; rc=$?
check "a terminated executor backend is reported, reconnected, and the run finishes" \
	[ "$rc" = 0 ] && grep -q "connection-lost" "$work/out" && grep -q "reconnected" "$work/out"

# --- 12: the server restarts mid-step ------------------------------------
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
newdb
sed 's/name = "slow"/name = "restart"/' "$work/slow.conf" | grep -v '^# changed' >"$work/restart.conf"
"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/restart.conf" </dev/null >"$work/out" 2>&1 &
driver=$!
for _ in $(seq 1 50); do
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(3)'" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
as_pg "$BELLOWS_TEST_PGBIN/pg_ctl" -D "$BELLOWS_TEST_PGDATA" -m fast -w stop >/dev/null 2>&1
sleep 2
as_pg "$BELLOWS_TEST_PGBIN/pg_ctl" -D "$BELLOWS_TEST_PGDATA" -l "$PGHOST/server.log" -w \
	-o "-c listen_addresses='' -k $PGHOST -p $PGPORT -c fsync=off" start >/dev/null 2>&1
wait $driver; rc=$?
check "while the server is down the driver retries with backoff" grep -q "reconnect-failed.*next try in" "$work/out"
check "after the restart the run resumes and finishes (exit 0)" [ "$rc" = 0 ]
check "the interrupted step ran twice, the others once" \
	[ "$(q "SELECT string_agg(attempts::text, ',' ORDER BY step) FROM bellows.steps WHERE run = 'restart'")" = "1,2,1" ]
# Written after the reconnect, they keep the times they happened at.
span=$(q "SELECT coalesce(extract(epoch FROM max(at) - min(at)), 0) FROM bellows.events WHERE run = 'restart' AND kind IN ('connection-lost', 'reconnect-failed')")
check "events kept while the server was down carry their own times (span ${span}s)" \
	awk -v s="$span" 'BEGIN { exit !(s > 0.4) }'
