-- monitor-sessions.sql: the sessions of the live view (struct monitor).
--
-- Supports PostgreSQL 12 and later (backend_type and pg_read_all_stats:
-- 10; to_regclass(text): 9.6; multi-argument unnest: 9.4).
--
-- Parameters: $1 text[] the schemas of the plan's tables (NULL element:
-- unqualified, resolved through search_path), $2 text[] their names,
-- $3 int the executor's backend (0: none).
--
-- Lists every client session that is not idle, every backend holding or
-- waiting for a lock on one of the plan's tables or their indexes
-- (autovacuum workers included: they block DDL too), and the executor's
-- backend always, so the console can show its own session.  The monitor's
-- own backend is left out.  pg_locks is readable by everyone, so the
-- sessions touching the plan's tables show even without pg_monitor; their
-- details may then be hidden (state NULL), which the last column tells.
--
-- Columns: pid, usename, application_name, client, state, wait_event,
-- xact_ms, query_ms, state_ms, query, hidden, touches, sees_all.
WITH plan_rel AS (
  SELECT pg_catalog.to_regclass(
      CASE WHEN t.nsp IS NULL THEN ''
          ELSE pg_catalog.quote_ident(t.nsp) || '.' END
      || pg_catalog.quote_ident(t.rel))::oid AS oid
  FROM ROWS FROM (pg_catalog.unnest($1::text[]),
      pg_catalog.unnest($2::text[])) AS t(nsp, rel)
), watched AS (
  SELECT oid FROM plan_rel WHERE oid IS NOT NULL
  UNION
  SELECT i.indexrelid FROM pg_catalog.pg_index i
  JOIN plan_rel r ON i.indrelid = r.oid
), touching AS (
  SELECT DISTINCT l.pid FROM pg_catalog.pg_locks l
  WHERE l.relation IN (SELECT oid FROM watched)
    AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
        WHERE d.datname = pg_catalog.current_database())
    AND l.pid IS NOT NULL
)
SELECT a.pid, a.usename, a.application_name,
    CASE WHEN a.client_addr IS NOT NULL THEN pg_catalog.host(a.client_addr)
        WHEN a.client_port = -1 THEN 'local' END,
    a.state,
    a.wait_event_type || ':' || a.wait_event,
    (extract(epoch FROM now() - a.xact_start) * 1000)::bigint,
    (extract(epoch FROM now() - a.query_start) * 1000)::bigint,
    (extract(epoch FROM now() - a.state_change) * 1000)::bigint,
    left(a.query, 1024),
    NOT coalesce(pg_catalog.pg_has_role(a.usesysid, 'USAGE'), false)
        AND NOT pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE'),
    a.pid IN (SELECT pid FROM touching),
    pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')
FROM pg_catalog.pg_stat_activity a
WHERE a.pid <> pg_catalog.pg_backend_pid()
  AND (a.pid IN (SELECT pid FROM touching) OR a.pid = $3
      OR (a.backend_type = 'client backend' AND a.state <> 'idle'))
ORDER BY a.xact_start NULLS LAST, a.query_start NULLS LAST, a.pid
