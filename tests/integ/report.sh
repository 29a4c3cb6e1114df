#!/usr/bin/env bash
# Integration tests of bellows report (the change record) against the
# scratch server of tests/pg-harness: a run with a blocker, a gate, a
# backfill and a suppressed lint finding is reported in Markdown and JSON;
# every journaled event is in it, with the blocker's pid, durations, the
# applied DDL and the suppression's reason.  TAP output.
set -u
: "${BELLOWS:?BELLOWS must name the bellows binary}"
work=$(mktemp -d)
trap 'jobs -p | xargs -r kill 2>/dev/null; rm -rf "$work"' EXIT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tap.sh"
# Keep the user's own bellows.conf out of the test.
export BELLOWS_CONFIG=$work/none.conf XDG_CONFIG_HOME=$work

newdb() {
	db=t_report_$((++dbs))
	psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" >/dev/null
	q "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
	   CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
	       amount numeric NOT NULL DEFAULT 0, status text);
	   INSERT INTO users SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 200) g;
	   INSERT INTO orders SELECT g, 1 + g % 200, g FROM generate_series(1, 5000) g;" >/dev/null
}
dbs=0

# report ARGS...: bellows report on $db, stdout in $work/out, stderr in
# $work/err, status in $rc.
report() {
	"$BELLOWS" report -d "dbname=$db" "$@" </dev/null >"$work/out" 2>"$work/err"
	rc=$?
}

# A JSON syntax check that needs no python: a recursive-descent parser in
# POSIX awk over the whole input, byte by byte.  Exit 0 when the input is
# exactly one JSON value.
json_valid() {
	LC_ALL=C awk '
	function fail(m) { if (!bad) printf "json: %s at byte %d\n", m, pos >"/dev/stderr"; bad = 1; pos = len + 1 }
	function ws() { while (pos <= len && index(" \t\n\r", substr(s, pos, 1)) > 0) pos++ }
	function str(   c) {
		pos++
		while (pos <= len) {
			c = substr(s, pos, 1)
			if (c == "\"") { pos++; return }
			if (c == "\\") {
				c = substr(s, pos + 1, 1)
				if (c == "u") {
					if (substr(s, pos + 2, 4) !~ /^[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]$/) { fail("bad \\u escape"); return }
					pos += 6
				} else if (index("\"\\/bfnrt", c) > 0) pos += 2
				else { fail("bad escape"); return }
			} else if (index(ctl, c) > 0) { fail("control character in string"); return }
			else pos++
		}
		fail("unterminated string")
	}
	function num() {
		if (!match(substr(s, pos, 64), /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) { fail("bad number"); return }
		pos += RLENGTH
	}
	function obj(   c) {
		pos++; ws()
		if (substr(s, pos, 1) == "}") { pos++; return }
		for (;;) {
			ws()
			if (substr(s, pos, 1) != "\"") { fail("key expected"); return }
			str(); ws()
			if (substr(s, pos, 1) != ":") { fail("colon expected"); return }
			pos++; value()
			if (bad) return
			ws(); c = substr(s, pos, 1); pos++
			if (c == "}") return
			if (c != ",") { fail("comma or } expected"); return }
		}
	}
	function arr(   c) {
		pos++; ws()
		if (substr(s, pos, 1) == "]") { pos++; return }
		for (;;) {
			value()
			if (bad) return
			ws(); c = substr(s, pos, 1); pos++
			if (c == "]") return
			if (c != ",") { fail("comma or ] expected"); return }
		}
	}
	function value(   c) {
		ws(); c = substr(s, pos, 1)
		if (c == "{") obj()
		else if (c == "[") arr()
		else if (c == "\"") str()
		else if (substr(s, pos, 4) == "true" || substr(s, pos, 4) == "null") pos += 4
		else if (substr(s, pos, 5) == "false") pos += 5
		else if (c ~ /[-0-9]/) num()
		else fail("unexpected \"" c "\"")
	}
	{ s = s $0 "\n" }
	END {
		for (i = 1; i < 32; i++) ctl = ctl sprintf("%c", i)
		len = length(s); pos = 1; bad = 0
		if (len == 0) fail("empty")
		value(); ws()
		if (!bad && pos <= len) fail("trailing text")
		exit bad
	}' "$1"
}

echo "1..30"

# The validator itself must refuse what it should.
printf '{"a":[1,2,{"b":null}],"c":"x\\"y","d":-1.5e3}\n' >"$work/good.json"
printf '{"a":[1,2,],"c":"x"}\n' >"$work/bad.json"
check "the awk JSON check accepts valid and refuses invalid JSON" \
	bash -c "$(declare -f json_valid); json_valid '$work/good.json' && ! json_valid '$work/bad.json' 2>/dev/null"

# --- a run with a blocker, a gate, a backfill and a contract -------------
newdb
cat >"$work/rep.conf" <<'PLAN'
name = "rep";
description = "Add orders.note, index status, backfill note";
lock_timeout = "300ms";
retries = 30;
checklist = (
  { id = "pitr"; text = "Point-in-time recovery tested this week"; }
);
phases = (
  { name = "expand"; steps = (
      { name = "add note"; sql = "ALTER TABLE orders ADD COLUMN note text";
        rollback = "ALTER TABLE orders DROP COLUMN note"; },
      { name = "index status";
        sql = "-- bellows:allow index-not-concurrent because orders is tiny in this rehearsal\nCREATE INDEX orders_status_idx ON orders (status)";
        rollback = "DROP INDEX orders_status_idx"; } ); },
  { name = "dual-write"; gate = "Deploy the app version that writes note."; },
  { name = "backfill"; backfill = {
      table = "orders"; key = "id"; set = "note = 'n' || id";
      where = "note IS NULL"; batch_rows = 1000; }; },
  { name = "verify"; verify = (
      { sql = "SELECT count(*) FROM orders WHERE note IS NULL"; expect = "0"; } ); },
  { name = "contract"; steps = (
      { name = "check note"; sql = "ALTER TABLE orders ADD CONSTRAINT orders_note_nn CHECK (note IS NOT NULL) NOT VALID";
        rollback = "ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_note_nn"; } ); }
);
PLAN
psql -X -q -d "$db" -c "BEGIN; SELECT count(*) FROM orders; SELECT pg_sleep(2); COMMIT;" >/dev/null &
blocker=$!
sleep 0.5
bpid=$(q "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()")
"$BELLOWS" run --no-tui --yes --operator alice -d "dbname=$db" "$work/rep.conf" </dev/null >"$work/out" 2>&1
rc=$?
wait $blocker
check "the plan runs to the end past its blocker (exit 0)" [ "$rc" = 0 ]
check "the journal holds lock timeouts naming the blocker pid $bpid" \
	[ "$(q "SELECT count(*) FROM bellows.events WHERE run = 'rep' AND kind = 'lock-timeout' AND detail LIKE '%pid $bpid%'")" -ge 1 ]
ids=$(q "SELECT id FROM bellows.events WHERE run = 'rep' ORDER BY id")
nev=$(q "SELECT count(*) FROM bellows.events WHERE run = 'rep'")
nb=$(q "SELECT batches FROM bellows.steps WHERE run = 'rep' AND kind = 'backfill'")

# --- Markdown ------------------------------------------------------------
report rep
cp "$work/out" "$work/report.md"
check "report (markdown) exits 0" [ "$rc" = 0 ]
missing=""
for id in $ids; do
	grep -q "^| $id | " "$work/report.md" || missing="$missing $id"
done
check "every event id of the journal is in the markdown timeline" [ -z "$missing" ]
check "the timeline says how many events ($nev)" grep -q "^Every event of the run ($nev)\.$" "$work/report.md"
check "the timeline has exactly $nev rows" \
	[ "$(sed -n '/^## Timeline/,/^## Plan/p' "$work/report.md" | grep -c '^| [0-9][0-9]* | ')" = "$nev" ]
check "the blocker pid appears in the retries section" \
	bash -c "sed -n '/^## Retries and blockers/,/^## /p' '$work/report.md' | grep -q 'lock-timeout.*pid $bpid'"
sha=$(q "SELECT plan_sha256 FROM bellows.runs WHERE name = 'rep'")
check "the outcome and the plan hash are in the summary" \
	bash -c "grep -q '^| Outcome | \*\*done\*\* (finished' '$work/report.md' &&
	    grep -qF '| Plan SHA-256 | \`$sha\` |' '$work/report.md'"
check "the driver and the operator are named" \
	bash -c "grep -q '^| Drivers | alice on .* took the run' '$work/report.md' && grep -q '^| Operators | alice |' '$work/report.md'"
check "each phase has a duration" \
	[ "$(sed -n '/^## Phases/,/^### Steps/p' "$work/report.md" | grep -cE '^\| [a-z-]+ \| [a-z]+ \| done \| [0-9-]{10} [0-9:.]{12} \| [0-9-]{10} [0-9:.]{12} \| [0-9.]+(ms|s) \|')" = 5 ]
check "the backfill row has 5000 rows in the journal's $nb batches and a rate" \
	grep -qE "^\\| backfill \\| orders \\| id \\| done \\| 5000 \\| $nb \\| [0-9]+ \\| [0-9]+ \\| " "$work/report.md"
check "the sign-offs and confirmations are listed with who gave them" \
	bash -c "sed -n '/^## Sign-offs/,/^## /p' '$work/report.md' | grep -q '| alice | dual-write | gate-confirmed |' &&
	    sed -n '/^## Sign-offs/,/^## /p' '$work/report.md' | grep -q '| alice | run | signoff |'"
check "the applied DDL is listed per phase, fenced" \
	bash -c "grep -q '^### expand' '$work/report.md' && grep -q '^\*\*2\. index status\*\*: done' '$work/report.md' &&
	    grep -q '^ALTER TABLE orders ADD CONSTRAINT orders_note_nn' '$work/report.md' && grep -q '^\`\`\`sql$' '$work/report.md'"
check "the suppressed lint finding is listed with its reason" \
	grep -q '^| `index-not-concurrent` | error | [0-9]*:[0-9]* | orders is tiny in this rehearsal |' "$work/report.md"
check "the plan text is in the record, fenced" \
	bash -c "sed -n '/^## Plan/,\$p' '$work/report.md' | grep -q '^name = \"rep\";\$'"

# --- JSON ----------------------------------------------------------------
report --format=json rep.conf
check "report by plan file is refused for a missing file (exit 2)" [ "$rc" = 2 ]
report --format=json "$work/rep.conf"
cp "$work/out" "$work/report.json"
check "report --format=json by plan file exits 0" [ "$rc" = 0 ]
check "the JSON is valid" json_valid "$work/report.json"
if command -v python3 >/dev/null 2>&1; then
	check "python agrees that the JSON is valid" \
		bash -c "python3 -m json.tool '$work/report.json' >/dev/null"
else
	ok "python agrees that the JSON is valid # SKIP no python3"
fi
missing=""
for id in $ids; do
	grep -q "{\"id\":$id,\"at\":" "$work/report.json" || missing="$missing $id"
done
check "every event id of the journal is in the JSON events" [ -z "$missing" ]
check "the JSON names the blocker pid" grep -q "blocked by pid $bpid" "$work/report.json"
check "the JSON has the documented top-level fields" \
	bash -c "for f in report_version name database state outcome created_at duration_ms plan driver drivers operators phases schema_change lint confirmations retries pauses notes events; do grep -q \"\\\"\$f\\\":\" '$work/report.json' || exit 1; done"
check "the JSON has phase durations and backfill statistics" \
	bash -c "[ \$(grep -o '\"duration_ms\":[0-9]*' '$work/report.json' | wc -l) -ge 6 ] &&
	    grep -q '\"rows_done\":5000,\"batches\":$nb,\"rows_per_batch\":[0-9]*,\"rows_per_s\":[0-9]' '$work/report.json'"
check "the JSON lists the suppression with its reason" \
	grep -q '"suppressed":\[{"rule":"index-not-concurrent","severity":"error","file":null,"line":[0-9]*,"column":[0-9]*,"message":"[^"]*","reason":"orders is tiny in this rehearsal"}\]' "$work/report.json"

# --- a rolled-back run marks its steps -----------------------------------
cat >"$work/rb.conf" <<'PLAN'
name = "rb";
phases = ( { name = "expand"; steps = (
  { name = "add"; sql = "ALTER TABLE orders ADD COLUMN rb int";
    rollback = "ALTER TABLE orders DROP COLUMN rb"; } ); } );
PLAN
"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/rb.conf" </dev/null >/dev/null 2>&1
"$BELLOWS" rollback --no-tui --yes -d "dbname=$db" "$work/rb.conf" </dev/null >/dev/null 2>&1
report rb
check "a rolled-back step is marked and its undo shown" \
	bash -c "grep -q '^\*\*1\. add\*\*: rolled back' '$work/out' && grep -q '^ALTER TABLE orders DROP COLUMN rb' '$work/out' &&
	    grep -q '^| Outcome | \*\*rolled_back\*\*' '$work/out'"

# --- errors ------------------------------------------------------------------
report nosuch
check "no such run: exit 1, naming the run and the database" \
	bash -c "[ $rc = 1 ] && grep -q 'no run named nosuch in database .*/$db' '$work/err'"
newdb
report rep
check "a database without a journal: exit 1, and no journal is created" \
	bash -c "[ $rc = 1 ] && [ \"\$(psql -X -At -d $db -c \"SELECT count(*) FROM pg_namespace WHERE nspname = 'bellows'\")\" = 0 ]"
"$BELLOWS" report -d "host=$work/nowhere dbname=x password=sekrit-pw" rep </dev/null >"$work/out" 2>&1
rc=$?
check "a connection error exits 3 with its SQLSTATE and no password" \
	bash -c "[ $rc = 3 ] && grep -q 'ERROR 08001' '$work/out' && ! grep -q sekrit '$work/out'"
report --format=yaml rep
check "an unknown format is a usage error (exit 2)" [ "$rc" = 2 ]
