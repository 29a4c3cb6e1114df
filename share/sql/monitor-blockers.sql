-- monitor-blockers.sql: the sessions blocking backend $1 right now, with
-- the lock through which each blocks it (monitor_blockers()).
--
-- Supports PostgreSQL 12 and later (pg_blocking_pids: 9.6; backend_type
-- and the pg_read_all_stats role: 10).
--
-- The waiter waits for at most one heavyweight lock (its row in pg_locks
-- with granted = false).  Among the blocker's locks on that same object we
-- take one whose mode conflicts with the mode asked for (the table of
-- "Conflicting Lock Modes" in the manual), a granted one first (a hard
-- block), else the one it waits for itself ahead in the queue (a soft
-- block), strongest mode first.  A blocker with pid 0 is a prepared
-- transaction: its locks have a NULL pid.  Relation names resolve only in
-- our database (and for shared catalogs).
--
-- Columns: pid, usename, application_name, client, state, wait_event,
-- xact_ms, query_ms, state_ms, query, hidden, lock mode, lock type, lock
-- target, lock granted.
WITH waiter AS (
  SELECT locktype, database, relation, page, tuple, virtualxid,
      transactionid, classid, objid, objsubid, mode
  FROM pg_catalog.pg_locks WHERE pid = $1 AND NOT granted LIMIT 1
), modes(mode, strength, conflicts) AS (VALUES
  ('AccessShareLock', 1, ARRAY['AccessExclusiveLock']),
  ('RowShareLock', 2, ARRAY['ExclusiveLock', 'AccessExclusiveLock']),
  ('RowExclusiveLock', 3, ARRAY['ShareLock', 'ShareRowExclusiveLock',
      'ExclusiveLock', 'AccessExclusiveLock']),
  ('ShareUpdateExclusiveLock', 4, ARRAY['ShareUpdateExclusiveLock',
      'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock',
      'AccessExclusiveLock']),
  ('ShareLock', 5, ARRAY['RowExclusiveLock',
      'ShareUpdateExclusiveLock', 'ShareRowExclusiveLock',
      'ExclusiveLock', 'AccessExclusiveLock']),
  ('ShareRowExclusiveLock', 6, ARRAY['RowExclusiveLock',
      'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock',
      'ExclusiveLock', 'AccessExclusiveLock']),
  ('ExclusiveLock', 7, ARRAY['RowShareLock', 'RowExclusiveLock',
      'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock',
      'ExclusiveLock', 'AccessExclusiveLock']),
  ('AccessExclusiveLock', 8, ARRAY['AccessShareLock', 'RowShareLock',
      'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock',
      'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'])
), blockers AS (
  SELECT DISTINCT pg_catalog.unnest(pg_catalog.pg_blocking_pids($1)) AS pid
), rel AS (
  SELECT l.*, CASE WHEN l.relation IS NULL THEN NULL
      WHEN l.database = 0 OR l.database = (SELECT oid FROM
          pg_catalog.pg_database WHERE datname = current_database())
      THEN l.relation::pg_catalog.regclass::text
      ELSE 'relation ' || l.relation END AS relname
  FROM pg_catalog.pg_locks l
)
SELECT b.pid, a.usename, a.application_name,
    CASE WHEN a.client_addr IS NOT NULL THEN host(a.client_addr)
        WHEN a.client_port = -1 THEN 'local' END,
    CASE WHEN b.pid = 0 THEN 'prepared transaction' ELSE a.state END,
    a.wait_event_type || ':' || a.wait_event,
    (extract(epoch FROM now() - a.xact_start) * 1000)::bigint,
    (extract(epoch FROM now() - a.query_start) * 1000)::bigint,
    (extract(epoch FROM now() - a.state_change) * 1000)::bigint,
    left(a.query, 1024),
    b.pid <> 0 AND NOT coalesce(pg_catalog.pg_has_role(a.usesysid,
        'USAGE'), false) AND NOT pg_catalog.pg_has_role(
        'pg_read_all_stats', 'USAGE'),
    k.mode, k.locktype, k.target, k.granted
FROM blockers b
LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = b.pid
LEFT JOIN LATERAL (
  SELECT h.mode, h.locktype, h.granted,
      CASE h.locktype
      WHEN 'relation' THEN h.relname
      WHEN 'tuple' THEN 'tuple (' || h.page || ',' || h.tuple
          || ') of ' || h.relname
      WHEN 'page' THEN 'page ' || h.page || ' of ' || h.relname
      WHEN 'extend' THEN 'extension of ' || h.relname
      WHEN 'transactionid' THEN 'transaction ' || h.transactionid
          || coalesce(' (row in ' || (SELECT t.relname FROM rel t
              WHERE t.pid = $1 AND t.locktype = 'tuple'
              LIMIT 1) || ')', '')
      WHEN 'virtualxid' THEN 'virtual transaction ' || h.virtualxid
      WHEN 'advisory' THEN 'advisory lock ' || h.classid || '/'
          || h.objid
      ELSE h.locktype END AS target
  FROM rel h, waiter w, modes m
  WHERE (h.pid = b.pid OR (b.pid = 0 AND h.pid IS NULL))
    AND h.locktype = w.locktype
    AND h.database IS NOT DISTINCT FROM w.database
    AND h.relation IS NOT DISTINCT FROM w.relation
    AND h.page IS NOT DISTINCT FROM w.page
    AND h.tuple IS NOT DISTINCT FROM w.tuple
    AND h.virtualxid IS NOT DISTINCT FROM w.virtualxid
    AND h.transactionid IS NOT DISTINCT FROM w.transactionid
    AND h.classid IS NOT DISTINCT FROM w.classid
    AND h.objid IS NOT DISTINCT FROM w.objid
    AND h.objsubid IS NOT DISTINCT FROM w.objsubid
    AND m.mode = w.mode AND h.mode = ANY (m.conflicts)
  ORDER BY h.granted DESC, (SELECT s.strength FROM modes s
      WHERE s.mode = h.mode) DESC NULLS LAST
  LIMIT 1
) k ON true
WHERE b.pid <> pg_catalog.pg_backend_pid()
ORDER BY a.xact_start NULLS LAST, b.pid
