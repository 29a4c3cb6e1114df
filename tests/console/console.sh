#!/usr/bin/env bash
# Console tests: the real binary in tmux against the scratch server of
# tests/pg-harness.  Keys go in with send-keys, screens come back with
# capture-pane and are compared by content (grep), not cell by cell.
# TAP output.
set -u
: "${BELLOWS:?BELLOWS must name the bellows binary}"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux is not installed"; exit 0; }
work=$(mktemp -d)
sock=bellows-console-$$
tm() { tmux -L "$sock" "$@"; }
# The tmux server (and every bellows in it) goes, whatever happens.
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$work"' EXIT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tap.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/console/screen.sh"
exited() { # exited CODE [SECONDS]
	local i
	for i in $(seq 1 $((${2:-10} * 10))); do
		[ -s "$work/exit" ] && break
		sleep 0.1
	done
	[ "$(cat "$work/exit" 2>/dev/null)" = "$1" ]
}

newdb() {
	db=t_console_$((++dbs))
	psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" >/dev/null
	q "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
	   CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
	       amount numeric NOT NULL DEFAULT 0);
	   INSERT INTO users SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 200) g;
	   INSERT INTO orders SELECT g, 1 + g % 200, g FROM generate_series(1, 4000) g;
	   ANALYZE;" >/dev/null
}
dbs=0

# One idle session keeps the server up between the runs' sessions (a
# server whose last session ends exits, racing the next new-session).
tm new-session -d -s keeper -x 80 -y 24 "sleep 600" || {
	echo "Bail out! cannot start tmux"; exit 99; }
runs=0
# start COLS ROWS [ENV...]: bellows run in a fresh tmux session.
start() {
	local cols=$1 rows=$2
	shift 2
	rm -f "$work/exit"
	[ -n "${sess:-}" ] && tm kill-session -t "$sess" >/dev/null 2>&1
	sess=run$((++runs))
	tm new-session -d -s "$sess" -x "$cols" -y "$rows" \
	    "env $* PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' \
	     '$BELLOWS' run -d dbname=$db --operator alice '$work/seed.conf';
	     echo \$? >'$work/exit'; sleep 120"
}

# The seed migration, with a backfill slow enough to watch.
cat >"$work/seed.conf" <<'PLAN'
name = "orders-user-email";
lock_timeout = "500ms";
retries = 5;
checklist = (
  { id = "pitr"; text = "Point-in-time recovery tested this week"; },
  { id = "long-tx"; text = "No transaction older than 5 minutes";
    auto = "long_transactions"; max = "5min"; },
  { id = "oncall"; text = "On-call engineer standing by"; }
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
      batch_rows = 100; min_rows = 100; max_rows = 100; pause_ms = 120; }; },
  { name = "verify"; verify = (
      { sql = "SELECT count(*) FROM orders WHERE user_email IS NULL"; expect = "0"; } ); },
  { name = "contract"; steps = (
      { name = "not null check";
        sql = "ALTER TABLE orders ADD CONSTRAINT orders_user_email_nn CHECK (user_email IS NOT NULL) NOT VALID";
        rollback = "ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_user_email_nn"; },
      { name = "validate"; sql = "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_email_nn"; } ); }
);
PLAN

echo "1..51"

# --- 1: the seed plan at 100x30, step by step ----------------------------
newdb
start 100 30 LANG=C.UTF-8
expect "the checklist screen comes first" "Checklist .* 1 of 3 done"
shows "manual items wait for a sign-off" "sign off +Point-in-time recovery"
shows "automatic items show their value live" "pass +No transaction older than 5 minutes.*no open transaction"
shows "the sessions region is there" "Sessions and locks"
shows "the console's own backend is marked" "[0-9]+\* .*\(this console\)"
shows "the title names plan, driver and database" "orders-user-email +driver alice +db .*$db"
keys s
expect "s signs off the selected item" "signed +Point-in-time recovery.*signed off by alice"
keys s
expect "after the checklist the expand phase asks first" "Confirm"
shows "the confirmation lists every statement" "add column: ALTER TABLE orders ADD COLUMN user_email"
shows "and the lock each takes" "takes ACCESS EXCLUSIVE on orders"
shows "the sessions stay in view under the question" "Sessions and locks"
keys c
expect "expand runs, then the gate asks" "Gate: confirm when done" 15
shows "the event log shows the steps done" "expand/index done"
# Enter and c at once: the gate is confirmed, the c that follows is not
# taken as the answer to the question it brought.
keys Enter c
expect "the gate confirmed, the backfill asks" "start phase 'backfill'"
shows "a c within 300 ms of the new question is ignored, and says so" \
	"c ignored: new question, read it first"
keys c
expect "backfill progress: bar, rows of the estimate, rate and ETA" \
	"rows [1-9][0-9,]* / ~4,000 .*rows/s +ETA" 10
shows "batch size and latency" "batch 100 rows +p50 .* p95 "
shows "the plan marks expand done and backfill running" "✓ expand"
keys p
expect "p pauses between batches" " PAUSED " 5
before=$(q "SELECT rows_done FROM bellows.steps WHERE run = 'orders-user-email' AND phase = 2")
sleep 1
after=$(q "SELECT rows_done FROM bellows.steps WHERE run = 'orders-user-email' AND phase = 2")
if [ -n "$before" ] && [ "$before" = "$after" ] && [ "$before" -lt 4000 ]; then
	ok "no batch runs while paused ($before rows)"
else
	notok_screen "no batch runs while paused ($before then $after rows)"
fi
keys p
expect "p resumes" "resume: by alice" 5
expect "the backfill finishes and verify holds" "verify done: every verify query holds" 20
expect "the contract phase asks first, listing its statements" "start phase 'contract'" 5
keys c
expect "a destructive step wants the table name typed" "Destructive step" 10
shows "the typed confirmation shows the statement" "ADD CONSTRAINT orders_user_email_nn"
keys o r d e r z Enter
expect "a wrong name is refused and nothing runs" "typed 'orderz', expected 'orders'"
keys o r d e r s Enter
expect "the right name runs the step; the next asks again" "destructive step 'validate'" 10
if [ "$(q "SELECT count(*) FROM pg_constraint WHERE conname = 'orders_user_email_nn'")" = 1 ]; then
	ok "the constraint exists"
else
	notok_screen "the constraint exists"
fi
keys Escape
expect "Esc hides the question; the run screen says a question waits" "WAITING FOR YOU.*" 3
keys r
expect "r shows the steps rollback would undo" "Roll back\?"
screen
i1=$(grep -n "contract / not null check: ALTER TABLE orders DROP CONSTRAINT" "$work/screen" | cut -d: -f1)
i2=$(grep -n "expand / index: DROP INDEX" "$work/screen" | cut -d: -f1)
i3=$(grep -n "expand / add column: ALTER TABLE orders DROP COLUMN" "$work/screen" | cut -d: -f1)
if [ -n "$i1" ] && [ -n "$i2" ] && [ -n "$i3" ] && [ "$i1" -lt "$i2" ] && [ "$i2" -lt "$i3" ]; then
	ok "in reverse order: the constraint, the index, the column"
else
	notok_screen "in reverse order: the constraint, the index, the column"
fi
keys c
expect "the rollback runs to the end" "ROLLED BACK" 15
if [ "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'user_email' AND NOT attisdropped")" = 0 ]; then
	ok "the column is gone again"
else
	notok_screen "the column is gone again"
fi
keys "?"
expect "? shows the help with every key" "c/Enter +show the question"
keys Escape
keys q
if exited 0; then ok "q leaves a finished run: exit 0"; else notok "q leaves a finished run: exit $(cat "$work/exit" 2>/dev/null)"; fi
if [ "$(q "SELECT state FROM bellows.runs WHERE name = 'orders-user-email'")" = rolled_back ]; then
	ok "the journal says rolled back"
else
	notok_screen "the journal says rolled back"
fi
shows "the terminal is back, with the last events" "rolled-back: rollback complete"

# --- 2: 80x24, no colour, not UTF-8 ---------------------------------------
newdb
start 80 24 LANG=C LC_ALL=C NO_COLOR=1
expect "80x24: the checklist screen" "Checklist"
shows "80x24: sessions, events and the key bar fit" "Sessions and locks"
if grep -q "Events" "$work/screen" && grep -Eq "\? Help +q Quit" "$work/screen"; then
	ok "80x24: the events and the whole key bar"; else notok "80x24: the events and the whole key bar"; fi
if LC_ALL=C grep -q '[^ -~]' "$work/screen"; then
	notok_screen "no UTF-8 locale: ASCII only"
else
	ok "no UTF-8 locale: ASCII only"
fi
keys s; keys s
expect "80x24: the confirmation with its locks" "takes ACCESS EXCLUSIVE"
shows "80x24: and the sessions under it" "Sessions and locks"
keys q
if exited 5; then ok "80x24: q quits"; else notok "80x24: q quits"; fi

# --- 3: too small, then resized ---------------------------------------------
newdb
start 60 20 LANG=C.UTF-8
expect "60x20: a clear message instead of a broken screen" "needs a terminal of at least 80x24"
tm resize-window -t "$sess" -x 100 -y 30
expect "resized to 100x30: the console draws itself" "Checklist .* of 3 done" 5
keys q
if exited 5; then ok "q quits"; else notok "q quits"; fi

# --- 4: Ctrl-C mid-backfill cancels and journals ------------------------------
newdb
start 100 30 LANG=C.UTF-8
shows_within "Checklist" >/dev/null
keys s; keys s
shows_within "Confirm" >/dev/null
keys c
shows_within "Gate: confirm" 15 >/dev/null
keys c
shows_within "start phase 'backfill'" >/dev/null
keys c
shows_within "rows/s" 10 >/dev/null
keys q
expect "q while the backfill runs asks first" "Quit while a statement runs"
keys n
expect "n stays" "rows/s" 3
keys C-c
if exited 5 15; then ok "Ctrl-C stops the run: exit 5"; else notok "Ctrl-C stops the run: exit $(cat "$work/exit" 2>/dev/null)"; fi
state=$(q "SELECT state FROM bellows.runs WHERE name = 'orders-user-email'")
if [ "$state" = interrupted ]; then ok "journaled as interrupted"; else notok "journaled as interrupted (state '$state')"; fi
