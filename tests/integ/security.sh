#!/usr/bin/env bash
# Hostile input and least privilege, against the scratch server of
# tests/pg-harness: a role that owns the database (not a superuser) plants
# schema bellows before bellows runs there, with a trigger on bellows.events
# or a view over its own function as bellows.runs; run, status, report and
# watch, run by the superuser, refuse it (exit 3, naming the schema, the
# object and its owner) and the squatter's code never runs.  A journal
# bellows created, and a superuser's journal used by a migration role, still
# work.  A password given in -d does not stay in /proc/PID/cmdline, nor in
# an error message.  TAP output.
set -u
: "${BELLOWS:?BELLOWS must name the bellows binary}"
work=$(mktemp -d)
# The squatter's payload runs programs as the server's user: what they
# leave goes to $work/ran, which that user can write to.
chmod 755 "$work"
mkdir -m 1777 "$work/ran"
trap 'exec 3>&- 2>/dev/null; jobs -p | xargs -r kill 2>/dev/null; rm -rf "$work"' EXIT
TAP_LOG='$work/out $work/err'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tap.sh"
export BELLOWS_CONFIG=$work/none.conf XDG_CONFIG_HOME=$work
pgbin=${BELLOWS_TEST_PGBIN:-$(dirname "$(command -v pg_dump)")}

# bellows ARGS...: stdout in $work/out, stderr in $work/err, status in $rc.
bellows() {
	"$BELLOWS" "$@" </dev/null >"$work/out" 2>"$work/err"
	rc=$?
}
sq() { psql -X -q -At -v ON_ERROR_STOP=1 -U squatter -d "$db" -c "$1"; }

cat >"$work/plan.conf" <<'PLAN'
name = "sec";
phases = ( { name = "expand"; steps = (
  { name = "add"; sql = "ALTER TABLE orders ADD COLUMN note text";
    rollback = "ALTER TABLE orders DROP COLUMN note"; } ); } );
PLAN

echo "1..34"

# --- the real journal, created by bellows: the squatter copies it -------
db=t_sec_ref
psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" >/dev/null
q "CREATE TABLE orders (id bigint PRIMARY KEY)" >/dev/null
bellows run --no-tui --yes -d "dbname=$db" "$work/plan.conf"
check "bellows creates its own journal and runs (exit 0)" [ "$rc" = 0 ]
bellows status -d "dbname=$db" sec
check "status reads a journal bellows created (exit 0)" [ "$rc" = 0 ]
# The journal's definition as bellows makes it, without owners, so that a
# squatted copy differs from the real one only in what the squatter adds.
"$pgbin/pg_dump" -d "$db" -n bellows --no-owner --no-privileges >"$work/journal.sql" ||
	echo "Bail out! pg_dump of the journal failed"

psql -X -q -d postgres -c "CREATE ROLE squatter LOGIN" >/dev/null

# squat NAME: database NAME owned by squatter, who creates the journal's
# schema and tables before bellows does, and a table that records any run
# of the squatter's function.
squat() {
	db=$1
	psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" \
		-c "ALTER DATABASE $db OWNER TO squatter" >/dev/null
	q "CREATE TABLE orders (id bigint PRIMARY KEY);
	   ALTER TABLE orders OWNER TO squatter" >/dev/null
	psql -X -q -v ON_ERROR_STOP=1 -U squatter -d "$db" -f "$work/journal.sql" >/dev/null
	# What the superuser would do for the squatter: record who ran the
	# function, make the squatter a superuser, run a program on the server.
	sq "CREATE TABLE public.pwned (who text, at timestamptz DEFAULT now());
	    GRANT ALL ON public.pwned TO PUBLIC;
	    CREATE FUNCTION public.squat_payload() RETURNS boolean
	    LANGUAGE plpgsql AS \$f\$
	    BEGIN
	        BEGIN INSERT INTO public.pwned (who) VALUES (current_user);
	        EXCEPTION WHEN others THEN NULL; END;
	        BEGIN EXECUTE 'ALTER ROLE squatter SUPERUSER';
	        EXCEPTION WHEN others THEN NULL; END;
	        BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch $work/ran/$db''';
	        EXCEPTION WHEN others THEN NULL; END;
	        RETURN true;
	    END \$f\$;" >/dev/null
}

# refused NAME: every command refuses database $db with exit 3, naming the
# schema, OBJECT (a pattern) and its owner; nothing of the squatter's ran.
refused() {
	local what=$1 obj=$2 cmd
	for cmd in "run --no-tui --yes -d dbname=$db $work/plan.conf" \
	    "status -d dbname=$db sec" "report -d dbname=$db sec" \
	    "watch --no-tui -d dbname=$db sec"; do
		# shellcheck disable=SC2086
		bellows $cmd
		if [ "$rc" = 3 ] && grep -q "schema bellows" "$work/err" &&
		    grep -q -- "$obj" "$work/err" && grep -q squatter "$work/err"; then
			ok "$what: bellows ${cmd%% *} refuses with exit 3, naming $obj and its owner"
		else
			notok "$what: bellows ${cmd%% *} refuses with exit 3, naming $obj and its owner" \
				"exit $rc" "stderr: $(head -c 600 "$work/err")"
		fi
	done
	check "$what: the squatter's function never ran" \
		[ "$(q "SELECT count(*) FROM public.pwned")" = 0 -a ! -e "$work/ran/$db" ]
	check "$what: squatter is still not a superuser" \
		[ "$(q "SELECT rolsuper FROM pg_roles WHERE rolname = 'squatter'")" = f ]
	check "$what: the plan's step did not run" \
		[ "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note'")" = 0 ]
}

# --- a trigger on bellows.events ----------------------------------------
squat t_sec_trigger
sq "CREATE FUNCTION public.squat_trigger() RETURNS trigger LANGUAGE plpgsql AS
    \$f\$ BEGIN PERFORM public.squat_payload(); RETURN NEW; END \$f\$;
    CREATE TRIGGER squat AFTER INSERT OR UPDATE ON bellows.events
    FOR EACH ROW EXECUTE FUNCTION public.squat_trigger()" >/dev/null
refused "trigger" "trigger squat on bellows.events"
grep -q "function public.squat_trigger() owned by squatter" "$work/err"
check "the refusal names the trigger's function and its owner" [ $? = 0 ]

# --- bellows.runs is a view over the squatter's function -----------------
squat t_sec_view
sq "ALTER TABLE bellows.runs RENAME TO runs_data;
    CREATE VIEW bellows.runs AS SELECT * FROM bellows.runs_data
    WHERE public.squat_payload()" >/dev/null
refused "view" "view bellows.runs is owned by squatter"

# --- the schema is the superuser's, but others may create in it ----------
db=t_sec_grant
psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" >/dev/null
q "CREATE TABLE orders (id bigint PRIMARY KEY); CREATE SCHEMA bellows;
   GRANT CREATE ON SCHEMA bellows TO squatter" >/dev/null
bellows run --no-tui --yes -d "dbname=$db" "$work/plan.conf"
check "a journal schema another role may create in is refused (exit 3)" \
	[ "$rc" = 3 -a -n "$(grep "schema bellows grants CREATE to squatter" "$work/err")" ]
q "REVOKE CREATE ON SCHEMA bellows FROM squatter; GRANT CREATE ON SCHEMA bellows TO PUBLIC" >/dev/null
bellows run --no-tui --yes -d "dbname=$db" "$work/plan.conf"
check "so is one where PUBLIC may create" \
	[ "$rc" = 3 -a -n "$(grep "schema bellows grants CREATE to PUBLIC" "$work/err")" ]
q "REVOKE CREATE ON SCHEMA bellows FROM PUBLIC" >/dev/null
bellows run --no-tui --yes -d "dbname=$db" "$work/plan.conf"
check "an empty schema the superuser owns is used as the journal (exit 0)" [ "$rc" = 0 ]

# --- a search_path that puts another schema before pg_catalog ------------
db=t_sec_path
psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" >/dev/null
q "CREATE TABLE orders (id bigint PRIMARY KEY)" >/dev/null
bellows run --no-tui --yes -d "dbname=$db options='-c search_path=public,pg_catalog'" "$work/plan.conf"
check "an executor search_path with public before pg_catalog is refused (exit 3)" \
	[ "$rc" = 3 -a -n "$(grep "puts schema public before pg_catalog" "$work/err")" ]
check "and nothing was created" [ "$(q "SELECT count(*) FROM pg_namespace WHERE nspname = 'bellows'")" = 0 ]

# --- least privilege: a migration role and the superuser's journal ------
db=t_sec_least
psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" \
	-c "CREATE ROLE migrator LOGIN" >/dev/null
q "CREATE TABLE orders (id bigint PRIMARY KEY); ALTER TABLE orders OWNER TO migrator" >/dev/null
sed 's/"sec"/"boot"/; s/ADD COLUMN note text/ADD COLUMN boot int/; s/DROP COLUMN note/DROP COLUMN boot/' \
	"$work/plan.conf" >"$work/boot.conf"
bellows run --no-tui --yes -d "dbname=$db" "$work/boot.conf"
q "GRANT USAGE ON SCHEMA bellows TO migrator;
   GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA bellows TO migrator;
   GRANT USAGE ON ALL SEQUENCES IN SCHEMA bellows TO migrator" >/dev/null
bellows run --no-tui --yes -d "dbname=$db user=migrator" "$work/plan.conf"
check "a migration role runs on a journal a superuser owns (exit 0)" [ "$rc" = 0 ]
bellows status -d "dbname=$db user=migrator" sec
check "and reads it with status" [ "$rc" = 0 -a -n "$(grep "run sec: done" "$work/out")" ]
q "ALTER TABLE bellows.meta OWNER TO migrator" >/dev/null
bellows status -d "dbname=$db" sec
check "the superuser refuses a journal table the migration role owns" \
	[ "$rc" = 3 -a -n "$(grep "table bellows.meta is owned by migrator" "$work/err")" ]
bellows status -d "dbname=$db user=migrator" sec
check "while the migration role itself trusts what it owns" [ "$rc" = 0 ]

# --- passwords ------------------------------------------------------------
db=t_sec_ref
# A run that has not finished, so that watch keeps following it.
q "UPDATE bellows.runs SET state = 'interrupted' WHERE name = 'sec'" >/dev/null
mkfifo "$work/in"
# cmdline_hides TEXT ARGS...: bellows watch with ARGS shows no TEXT in its
# command line while it runs; the rest of the argument stays readable.
cmdline_hides() {
	local secret=$1 pid cmdline
	shift
	"$BELLOWS" watch --no-tui "$@" sec <"$work/in" >"$work/out" 2>"$work/err" &
	pid=$!
	exec 3>"$work/in"
	if wait_for "$work/out" "read-only"; then
		cmdline=$(tr '\0' ' ' </proc/$pid/cmdline)
		case $cmdline in
		*"$secret"*) notok "the password ($*) is gone from /proc/PID/cmdline" "$cmdline" ;;
		*"$db"*) ok "the password ($*) is gone from /proc/PID/cmdline" ;;
		*) notok "the password ($*) is gone from /proc/PID/cmdline (the rest stays)" "$cmdline" ;;
		esac
	else
		notok "watch $* connects" "$(cat "$work/err")"
	fi
	exec 3>&-
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
}
cmdline_hides secret123 -d "dbname=$db password=secret123"
cmdline_hides "quoted secret" --dbname="dbname=$db password='quoted secret'"
cmdline_hides secret456 -d "postgresql:///$db?host=$PGHOST&password=secret456"
cmdline_hides secret789 -d "postgresql://postgres:secret789@/$db?host=$PGHOST"
bellows status -d "postgresql://postgres:sec%zzret@/$db?host=$PGHOST" sec
check "a malformed password in a URI is an error (exit 3)" [ "$rc" = 3 ]
check "whose message does not repeat the password" \
	[ -s "$work/err" -a -z "$(grep -e "sec%zzret" -e "zzret" "$work/err")" ]

# --- controls: the squatter's code does run when the superuser touches
# the planted objects directly, so the checks above could fail ----------
db=t_sec_trigger
check "control: a superuser's insert into the squatted events runs the trigger" \
	[ "$(psql -X -q -At -d "$db" -c "BEGIN; INSERT INTO bellows.events (run, kind) VALUES ('sec', 'x');
	     SELECT rolsuper FROM pg_roles WHERE rolname = 'squatter'; ROLLBACK" | tail -n 1)" = t ]
db=t_sec_view
psql -X -q -At -d "$db" -c "SELECT count(*) FROM bellows.runs" >/dev/null 2>&1
check "control: a superuser's read of the squatted view runs the function" [ -e "$work/ran/$db" ]
