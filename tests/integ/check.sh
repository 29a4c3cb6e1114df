#!/usr/bin/env bash
# `bellows check` against the scratch server of tests/pg-harness (which
# exports PGHOST/PGPORT/PGUSER): exit codes 0/1/2/3, missing tables and
# columns named, checklist items listed, no password shown.  TAP output.
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

echo "1..10"
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
        rollback = "DROP INDEX CONCURRENTLY IF EXISTS order_audit_id"; } ); },
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
	"$(L ok column "orders.id (key of backfill 'backfill')   (exists)")" \
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
	"bellows check: FAILED" \
	-- check -d "dbname=$db" "$dir/missing.conf"

sed -e 's/key = "id"/key = "order_no"/' "$dir/good.conf" >"$dir/key.conf"
t "a missing backfill key column fails" 1 \
	"$(L FAIL column "orders.order_no (key of backfill 'backfill')   (does not exist)")" \
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

psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null 2>&1
exit 0
