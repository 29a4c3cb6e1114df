#!/usr/bin/env bash
# `bellows check` against the scratch server of tests/pg-harness (which
# exports PGHOST/PGPORT/PGUSER): exit codes 0/1/2/3, missing tables and
# columns named, checklist items listed, no password shown; every name the
# plan uses resolved step by step (file:line), the privileges the run needs
# (as a role without them, then with them), reserved words, the example
# plans; and check changes nothing in the database.  TAP output.
set -u
: "${BELLOWS:=$(dirname "$0")/../../bellows}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/bellows-check.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# Keep the user's own bellows.conf out of the test.
export BELLOWS_CONFIG=$dir/none.conf XDG_CONFIG_HOME=$dir

db=check_$$
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db TEMPLATE bellows_template" \
	>/dev/null || { echo "Bail out! cannot create database $db"; exit 99; }
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'EOF' ||
CREATE TABLE users (id int PRIMARY KEY, email text);
CREATE TABLE orders (id bigserial PRIMARY KEY, user_id int);
EOF
	{ echo "Bail out! cannot create tables"; exit 99; }

echo "1..32"
n=0
# L MARK LABEL TEXT: the start of a line of the list, as bellows prints it.
L() { printf '  %-6s %-12s %s' "$1" "$2" "${3-}"; }
# t NAME EXPECTED-EXIT PATTERN... -- ARGS: run bellows ARGS, check the exit
# code and that each PATTERN (fixed string) is in stdout+stderr.
t() {
	local name=$1 want=$2 rc out p ok=1
	shift 2
	local pats=()
	while [ "$1" != -- ]; do pats+=("$1"); shift; done
	shift
	n=$((n + 1))
	out=$("$BELLOWS" "$@" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] || ok=0
	for p in "${pats[@]}"; do
		case $out in *"$p"*) ;; *) ok=0; echo "# missing: $p" ;; esac
	done
	if [ $ok = 1 ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $rc, want $want)"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
	last=$out
}

cat >"$dir/good.conf" <<'EOF'
name = "check-good";
checklist = (
  { id = "pitr"; text = "Point-in-time recovery tested"; },
  { id = "long-tx"; text = "No transaction older than 5 minutes";
    auto = "long_transactions"; max = "5min"; },
  { id = "lag"; text = "Replicas less than 10s behind";
    auto = "replication_lag"; max = "10s"; },
  { id = "emails"; text = "Every user has an email";
    auto = "sql"; sql = "SELECT count(*) = 0 FROM users WHERE email IS NULL"; }
);
phases = (
  { name = "expand"; steps = (
      { name = "add column";
        sql = "ALTER TABLE orders ADD COLUMN user_email text";
        rollback = "ALTER TABLE orders DROP COLUMN IF EXISTS user_email"; },
      { name = "audit table";
        sql = "CREATE TABLE order_audit (id bigint, at timestamptz)";
        rollback = "DROP TABLE IF EXISTS order_audit"; },
      { name = "audit index";
        sql = "CREATE INDEX CONCURRENTLY order_audit_id ON order_audit (id)";
        rollback = "DROP INDEX CONCURRENTLY IF EXISTS order_audit_id"; },
      { name = "email index";
        sql = "CREATE INDEX CONCURRENTLY orders_user_email ON orders (user_email)";
        rollback = "DROP INDEX CONCURRENTLY IF EXISTS orders_user_email"; } ); },
  { name = "backfill"; backfill = {
      table = "orders"; key = "id";
      set = "user_email = u.email"; from = "users u";
      where = "u.id = orders.user_id AND orders.user_email IS NULL"; }; }
);
EOF

t "a ready plan passes" 0 \
	"$(L ok connection postgres@)" "/$db" \
	"$(L ok server "PostgreSQL 1")" \
	"$(L ok table "orders exists")" \
	"$(L ok table "order_audit is created by step 'audit table'")" \
	"$(L ok table "users exists")" \
	"$(L ok names "every table, column and constraint the plan uses resolves")" \
	"$(L ok privilege "the role may run every step")" \
	"$(L ok journal "role \"postgres\" may create schema bellows")" \
	"$(L ok monitor "role \"postgres\" sees every session   (superuser)")" \
	"$(L manual pitr "Point-in-time recovery tested")" \
	"$(L ok long-tx "No transaction older than 5 minutes   (")" \
	"$(L ok lag "Replicas less than 10s behind   (no replicas)")" \
	"$(L ok emails "Every user has an email   (true)")" \
	"bellows check: ready" \
	-- check -d "dbname=$db" "$dir/good.conf"

sed -e 's/ALTER TABLE orders ADD/ALTER TABLE invoices ADD/' \
	-e 's/"check-good"/"check-missing"/' "$dir/good.conf" >"$dir/missing.conf"
t "a missing table fails and is named" 1 \
	"$(L FAIL table "invoices does not exist   (named by 'add column')")" \
	"$(L FAIL names "$dir/missing.conf:14: phase 'expand' step 'add column': relation \"invoices\" does not exist")" \
	"bellows check: FAILED" \
	-- check -d "dbname=$db" "$dir/missing.conf"

sed -e 's/key = "id"/key = "order_no"/' "$dir/good.conf" >"$dir/key.conf"
t "a missing backfill key column fails" 1 \
	"$(L FAIL names "$dir/key.conf:25: phase 'backfill' backfill key: key column \"order_no\" of relation \"orders\" does not exist")" \
	-- check -d "dbname=$db" "$dir/key.conf"

psql -X -q -d "$db" -c "INSERT INTO users VALUES (1, NULL)" >/dev/null
t "a failing custom item fails the check" 1 \
	"$(L FAIL emails "Every user has an email   (false)")" \
	-- check -d "dbname=$db" "$dir/good.conf"
psql -X -q -d "$db" -c "DELETE FROM users" >/dev/null

t "a password in the conninfo is never shown" 0 "$(L ok connection)" \
	-- check -d "dbname=$db password=hunter2secret" "$dir/good.conf"
n=$((n + 1))
case $last in
*hunter2secret*) echo "not ok $n - the password stays hidden" ;;
*) echo "ok $n - the password stays hidden" ;;
esac

t "an unreachable database exits 3 with the SQLSTATE" 3 \
	"bellows check: cannot connect: ERROR 08001" "no_such_db_$$" \
	-- check -d "dbname=no_such_db_$$" "$dir/good.conf"

printf 'name = "broken";\nphases = ( { name = "x"; steps = ( { sql = "ALTER TABLE" } ); } );\n' \
	>"$dir/broken.conf"
t "a plan error exits 2 naming the file" 2 "broken.conf:2" \
	-- check -d "dbname=$db" "$dir/broken.conf"

printf 'name = "badsql";\nphases = ( { name = "x"; steps = (\n  { name = "oops"; sql = "ALTER TABLE orders ADD COLUMN";\n    rollback = "SELECT 1"; } ); } );\n' \
	>"$dir/badsql.conf"
t "a SQL syntax error exits 2 naming file, line and step" 2 \
	"badsql.conf:3:" "syntax error in the sql of step 'oops'" \
	-- check -d "dbname=$db" "$dir/badsql.conf"

t "no plan is a usage error" 2 "expected one PLAN file" -- check

# What the database looks like, to show that check changed nothing: every
# schema, relation, column, constraint and owner of the test database.
snapshot() {
	psql -X -A -t -d "$db" -c "
	SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' ||
	    pg_catalog.pg_get_userbyid(c.relowner) || ' ' ||
	    COALESCE((SELECT string_agg(a.attname, ',' ORDER BY a.attnum)
	        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
	        AND NOT a.attisdropped), '') || ' ' ||
	    COALESCE((SELECT string_agg(conname, ',' ORDER BY conname)
	        FROM pg_constraint WHERE conrelid = c.oid), '')
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
	UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
	ORDER BY 1"
}
# unchanged NAME: the database is as it was at the last `before=$(snapshot)`.
unchanged() {
	n=$((n + 1))
	if [ "$(snapshot)" = "$before" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		diff <(printf '%s\n' "$before") <(snapshot) | sed 's/^/# /'
	fi
}

# A misspelt column in the backfill's SET: the run would add the column,
# pass the gate and stop at the first batch with 42703.
sed -e 's/set = "user_email = u.email"/set = "user_email = u.emial"/' \
	-e 's/"check-good"/"check-typo"/' "$dir/good.conf" >"$dir/typo.conf"
before=$(snapshot)
t "a misspelt backfill column fails, named with file and line" 1 \
	"$(L FAIL names "$dir/typo.conf:27: phase 'backfill' backfill set: column \"emial\" of relation \"users\" (alias u) does not exist")" \
	"bellows check: FAILED" \
	-- check -d "dbname=$db" "$dir/typo.conf"
unchanged "check changed nothing in the database"
n=$((n + 1))
if psql -X -A -t -d "$db" -c "SELECT to_regnamespace('bellows') IS NULL
    AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attname = 'user_email'
    AND attrelid = 'orders'::regclass)" | grep -qx t; then
	echo "ok $n - no schema bellows and no orders.user_email after check"
else
	echo "not ok $n - no schema bellows and no orders.user_email after check"
fi

cat >"$dir/later.conf" <<'PLAN'
name = "check-later";
phases = (
  { name = "expand"; steps = (
      { name = "add columns";
        sql = "ALTER TABLE orders ADD COLUMN user_email text, ADD COLUMN note text";
        rollback = "ALTER TABLE orders DROP COLUMN user_email, DROP COLUMN note"; },
      { name = "check it";
        sql = "ALTER TABLE orders ADD CONSTRAINT orders_email_nn CHECK (user_email IS NOT NULL) NOT VALID";
        rollback = "ALTER TABLE orders DROP CONSTRAINT orders_email_nn"; },
      { name = "validate";
        sql = "ALTER TABLE orders VALIDATE CONSTRAINT orders_email_nn"; },
      { name = "rename";
        sql = "ALTER TABLE orders RENAME COLUMN note TO remark"; } ); },
  { name = "backfill"; backfill = {
      table = "orders"; key = "id";
      set = "user_email = u.email, remark = 'x'"; from = "users u";
      where = "u.id = orders.user_id AND user_email IS NULL"; }; },
  { name = "verify"; verify = (
      { sql = "SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE o.user_email IS DISTINCT FROM u.email"; expect = "0"; },
      { sql = "SELECT count(*) FROM orders WHERE id IN (SELECT id FROM orders WHERE remark IS NULL)"; expect = "0"; } ); },
  { name = "contract"; steps = (
      { name = "drop old";
        sql = "ALTER TABLE orders DROP COLUMN user_id"; } ); },
  { name = "after"; verify = (
      { sql = "SELECT count(*) FROM orders WHERE user_id IS NULL"; expect = "0"; },
      { sql = "SELECT count(*) FROM orders WHERE note IS NULL"; expect = "0"; } ); }
);
PLAN
before=$(snapshot)
t "columns added and renamed by earlier steps resolve later; dropped ones do not" 1 \
	"$(L FAIL names "$dir/later.conf:25: phase 'after' verify 1: column \"user_id\" does not exist (in orders)")" \
	"$(L FAIL names "$dir/later.conf:26: phase 'after' verify 2: column \"note\" does not exist (in orders)")" \
	-- check -d "dbname=$db" "$dir/later.conf"
n=$((n + 1))
if [ "$(printf '%s\n' "$last" | grep -c 'FAIL   names')" = 2 ]; then
	echo "ok $n - only the two uses after the drop and the rename are flagged"
else
	echo "not ok $n - only the two uses after the drop and the rename are flagged"
	printf '%s\n' "$last" | sed 's/^/# /'
fi
unchanged "a failed check changes nothing"

cat >"$dir/ddl.conf" <<'PLAN'
name = "check-ddl";
phases = (
  { name = "expand"; steps = (
      { name = "index";
        sql = "CREATE INDEX CONCURRENTLY orders_x ON orders (user_email)"; },
      { name = "fk";
        sql = "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (uid) NOT VALID"; },
      { name = "validate";
        sql = "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fkey"; },
      { name = "type";
        sql = "ALTER TABLE orders ALTER COLUMN amount TYPE numeric"; },
      { name = "audit";
        sql = "ALTER TABLE audit ADD COLUMN at timestamptz"; } ); }
);
PLAN
t "unknown tables, columns and constraints in steps are named" 1 \
	"$(L FAIL names "$dir/ddl.conf:5: phase 'expand' step 'index': column \"user_email\" of relation \"orders\" does not exist")" \
	"$(L FAIL names "$dir/ddl.conf:7: phase 'expand' step 'fk': referenced column \"uid\" of relation \"users\" does not exist")" \
	"$(L FAIL names "$dir/ddl.conf:9: phase 'expand' step 'validate': constraint \"orders_user_fkey\" of relation \"orders\" does not exist")" \
	"$(L FAIL names "$dir/ddl.conf:11: phase 'expand' step 'type': column \"amount\" of relation \"orders\" does not exist")" \
	"$(L FAIL names "$dir/ddl.conf:13: phase 'expand' step 'audit': relation \"audit\" does not exist")" \
	-- check -d "dbname=$db" "$dir/ddl.conf"

# A role that may log in and read, nothing else: no CREATE on the database
# or schema public, owns no table, no UPDATE.  The tables belong to a role
# the test creates (app).
low=check_low_$$ app=check_app_$$
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL ||
CREATE ROLE $app NOLOGIN;
CREATE ROLE $low LOGIN;
ALTER TABLE users OWNER TO $app;
ALTER TABLE orders OWNER TO $app;
GRANT SELECT ON users, orders TO $low;
SQL
	{ echo "Bail out! cannot create roles"; exit 99; }
before=$(snapshot)
t "a role without privileges fails, naming each missing one" 1 \
	"$(L FAIL journal "role \"$low\" cannot create schema bellows (CREATE on database \"$db\")")" \
	"$(L FAIL privilege "$dir/good.conf:14: phase 'expand' step 'add column': role \"$low\" does not own table \"orders\" (owner \"$app\"), which ALTER TABLE needs")" \
	"$(L FAIL privilege "$dir/good.conf:17: phase 'expand' step 'audit table': role \"$low\" has no CREATE privilege on schema \"public\", which CREATE TABLE needs")" \
	"$(L FAIL privilege "$dir/good.conf:25: phase 'backfill' backfill: role \"$low\" has no UPDATE privilege on table \"orders\", which the backfill needs")" \
	"$(L warn monitor "role \"$low\" is not in pg_monitor or pg_read_all_stats")" \
	"bellows check: FAILED" \
	-- check -d "dbname=$db user=$low" "$dir/good.conf"
unchanged "a check without privileges changes nothing"

psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL ||
GRANT CREATE ON DATABASE $db TO $low;
GRANT CREATE ON SCHEMA public TO $low;
GRANT $app TO $low;
GRANT pg_monitor TO $low;
SQL
	{ echo "Bail out! cannot grant"; exit 99; }
before=$(snapshot)
t "a role that owns the tables through membership and may create passes" 0 \
	"$(L ok privilege "the role may run every step")" \
	"$(L ok journal "role \"$low\" may create schema bellows")" \
	"$(L ok monitor "role \"$low\" sees every session   (pg_monitor or pg_read_all_stats)")" \
	"bellows check: ready" \
	-- check -d "dbname=$db user=$low" "$dir/good.conf"
unchanged "a passing check changes nothing"

# An existing journal the role cannot write.
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL ||
CREATE SCHEMA bellows;
CREATE TABLE bellows.meta (version int);
CREATE TABLE bellows.runs (name text);
CREATE TABLE bellows.steps (run text);
CREATE TABLE bellows.events (id bigserial, run text);
GRANT USAGE ON SCHEMA bellows TO $low;
GRANT SELECT ON ALL TABLES IN SCHEMA bellows TO $low;
SQL
	{ echo "Bail out! cannot create a journal"; exit 99; }
t "a journal the role cannot write fails naming table and privilege" 1 \
	"$(L FAIL journal "role \"$low\" has no INSERT privilege on bellows.runs")" \
	"$(L FAIL journal "role \"$low\" has no USAGE privilege on bellows.events_id_seq")" \
	-- check -d "dbname=$db user=$low" "$dir/good.conf"
psql -X -q -d "$db" -c "SET client_min_messages = warning" \
	-c "DROP SCHEMA bellows CASCADE" >/dev/null

# Reserved words: bellows quotes a backfill's table and key, so they may be
# reserved words; SQL must quote them, and check says how.
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null \
	-c 'CREATE TABLE "user" ("order" int PRIMARY KEY, email text, email2 text)' ||
	{ echo "Bail out! cannot create table user"; exit 99; }
cat >"$dir/user.conf" <<'PLAN'
name = "check-user";
phases = (
  { name = "backfill"; backfill = {
      table = "user"; key = "order"; set = "email2 = email";
      where = "\"user\".email2 IS NULL"; }; }
);
PLAN
t "a reserved word as the backfill's table and key resolves as the run quotes it" 0 \
	"$(L ok table "user exists")" \
	"$(L ok names "$dir/user.conf:3: phase 'backfill' backfill table: \"user\" is a reserved word; bellows quotes it, but in SQL write it quoted: \"user\"")" \
	"$(L ok names "$dir/user.conf:3: phase 'backfill' backfill key: \"order\" is a reserved word")" \
	"bellows check: ready" \
	-- check -d "dbname=$db" "$dir/user.conf"
sed -e 's/"\\"user\\".email2 IS NULL"/"user.email2 IS NULL"/' "$dir/user.conf" \
	>"$dir/user-where.conf"
t "a reserved word unquoted in SQL says so and shows the quoted form" 2 \
	"user-where.conf:5:" "\"user\" is a reserved word; as a name, write it quoted: \"user\"" \
	-- check -d "dbname=$db" "$dir/user-where.conf"
printf 'name = "check-user-step";\nphases = ( { name = "x"; steps = (\n  { name = "add"; sql = "ALTER TABLE user ADD COLUMN x int"; } ); } );\n' \
	>"$dir/user-step.conf"
t "a reserved word in a step says so" 2 \
	"user-step.conf:3:" "syntax error in the sql of step 'add'" \
	"\"user\" is a reserved word; as a name, write it quoted: \"user\"" \
	-- check -d "dbname=$db" "$dir/user-step.conf"
sed -e 's/table = "user"/table = "users2"/' "$dir/user.conf" >"$dir/user-missing.conf"
t "a missing backfill table is named" 1 \
	"$(L FAIL names "$dir/user-missing.conf:3: phase 'backfill' backfill: table \"users2\" does not exist")" \
	-- check -d "dbname=$db" "$dir/user-missing.conf"

# The example plans, against the schema they are written for (the demo's).
exdb=check_ex_$$
psql -X -q -c "CREATE DATABASE $exdb TEMPLATE bellows_template" >/dev/null &&
PGOPTIONS="-c bellows_demo.users=10 -c bellows_demo.orders=20" \
	psql -X -q -v ON_ERROR_STOP=1 -d "$exdb" \
	-f "$top_srcdir/share/sql/demo-schema.sql" >/dev/null ||
	{ echo "Bail out! cannot load the demo schema"; exit 99; }
# The demo schema has the foreign key add-foreign-key.conf adds: a warning
# (the step would fail unless it ran before), not a failure.
t "a constraint that exists already is a warning" 0 \
	"$(L warn names "$top_srcdir/share/examples/add-foreign-key.conf:16: phase 'expand' step 'add foreign key': constraint \"orders_user_id_fkey\" of relation \"orders\" exists already")" \
	"bellows check: ready" \
	-- check -d "dbname=$exdb" "$top_srcdir/share/examples/add-foreign-key.conf"
psql -X -q -d "$exdb" -c "ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey" ||
	{ echo "Bail out! cannot drop the demo's foreign key"; exit 99; }
for f in "$top_srcdir"/share/examples/*.conf; do
	t "example $(basename "$f") passes check" 0 \
		"every table, column and constraint the plan uses resolves" \
		"bellows check: ready" \
		-- check -d "dbname=$exdb" "$f"
done
psql -X -q -d postgres -c "DROP DATABASE $exdb" >/dev/null 2>&1

psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null 2>&1
psql -X -q -d postgres -c "DROP ROLE $low" -c "DROP ROLE $app" >/dev/null 2>&1
exit 0
