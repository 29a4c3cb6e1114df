-- monitor-tables.sql: statistics of the plan's tables.
--
-- Supports PostgreSQL 12 and later (pg_stat_progress_vacuum: 9.6;
-- backend_type: 10).
--
-- Parameters: $1 text[] schemas (NULL element: unqualified), $2 text[]
-- names, as for monitor-sessions.sql.  One row per element, in order.
--
-- pg_total_relation_size() takes an AccessShareLock on the table: it would
-- queue behind a DDL waiting for its AccessExclusiveLock (and make the
-- monitor one more victim of the queue it is there to show), so the size is
-- only read when nobody holds or waits for a lock on the table that could
-- be in its way; otherwise it is NULL and the caller keeps the last size.
--
-- Columns: exists, size_bytes, n_live_tup, n_dead_tup, last_autovacuum
-- (text, ISO 8601 in UTC), autovacuum age in ms, autovacuum running now.
WITH t AS (
  SELECT t.n, pg_catalog.to_regclass(
      CASE WHEN t.nsp IS NULL THEN ''
          ELSE pg_catalog.quote_ident(t.nsp) || '.' END
      || pg_catalog.quote_ident(t.rel))::oid AS oid
  FROM ROWS FROM (pg_catalog.unnest($1::text[]),
      pg_catalog.unnest($2::text[])) WITH ORDINALITY AS t(nsp, rel, n)
)
SELECT t.oid IS NOT NULL,
    CASE WHEN t.oid IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_locks l
        WHERE l.relation = t.oid
          AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
              WHERE d.datname = pg_catalog.current_database())
          AND (NOT l.granted OR l.mode = 'AccessExclusiveLock'))
    THEN pg_catalog.pg_total_relation_size(t.oid) END,
    s.n_live_tup, s.n_dead_tup,
    pg_catalog.to_char(s.last_autovacuum AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    (extract(epoch FROM now() - s.last_autovacuum) * 1000)::bigint,
    EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_vacuum p
        JOIN pg_catalog.pg_stat_activity a ON a.pid = p.pid
        WHERE p.relid = t.oid AND a.backend_type = 'autovacuum worker')
FROM t
LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = t.oid
ORDER BY t.n
