-- monitor-locks.sql: the lock queue as flat rows for monitor_lock_tree().
--
-- Supports PostgreSQL 12 and later (pg_blocking_pids: 9.6; CTEs referenced
-- twice are computed once).  The wait start comes from pg_locks.waitstart
-- on 14 and later, read through to_jsonb() so that the same text runs on
-- 12 and 13, where the column does not exist and the start of the waiting
-- query stands in for it (also on 14+ during the instant before the
-- server fills waitstart in).
--
-- No privilege beyond the defaults: pg_locks and pg_blocking_pids are open
-- to every role; only the transaction ages come from pg_stat_activity and
-- are NULL for sessions of other roles without pg_read_all_stats.
--
-- One row per backend in a queue: every backend that waits for a lock and
-- is blocked (pg_blocking_pids, which counts the conflicting waiters ahead
-- in the queue, i.e. soft blocks), and every backend blocking one.  pg_locks
-- is read once (the rel CTE), so the rows agree with each other; the
-- monitor's own backend is left out as waiter and as blocker.  A blocker
-- with pid 0 is a prepared transaction (its locks have a NULL pid).
--
-- The lock a row is listed with: the one it waits for (granted false);
-- else, for a holder, the strongest granted lock it holds that conflicts
-- with what one of its waiters asks for on the same object.
--
-- Columns: pid, blocked_by (int[] as text, '{}' for none), mode, target,
-- granted, wait_ms, xact_ms.
WITH me AS (
  SELECT pg_catalog.pg_backend_pid() AS pid
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
), raw AS (
  SELECT l.*,
      (pg_catalog.to_jsonb(l) ->> 'waitstart')::timestamptz AS since,
      CASE WHEN l.relation IS NULL THEN NULL
          WHEN l.database = 0 OR l.database = (SELECT d.oid FROM
              pg_catalog.pg_database d
              WHERE d.datname = pg_catalog.current_database())
          THEN l.relation::pg_catalog.regclass::text
          ELSE 'relation ' || l.relation END AS relname
  FROM pg_catalog.pg_locks l
), rel AS (
  SELECT r.*,
      CASE r.locktype
      WHEN 'relation' THEN r.relname
      WHEN 'tuple' THEN 'tuple (' || r.page || ',' || r.tuple
          || ') of ' || r.relname
      WHEN 'page' THEN 'page ' || r.page || ' of ' || r.relname
      WHEN 'extend' THEN 'extension of ' || r.relname
      WHEN 'transactionid' THEN 'transaction ' || r.transactionid
          || coalesce(' (row in ' || (SELECT t.relname FROM raw t
              WHERE t.pid = r.pid AND t.locktype = 'tuple'
              LIMIT 1) || ')', '')
      WHEN 'virtualxid' THEN 'virtual transaction ' || r.virtualxid
      WHEN 'advisory' THEN 'advisory lock ' || r.classid || '/' || r.objid
      ELSE r.locktype END AS target
  FROM raw r
), waiting AS (
  SELECT w.pid, pg_catalog.array_remove(pg_catalog.pg_blocking_pids(w.pid),
      (SELECT pid FROM me)) AS blocked_by
  FROM (SELECT DISTINCT pid FROM rel
      WHERE NOT granted AND pid IS NOT NULL
        AND pid <> (SELECT pid FROM me)) w
), blocked AS (
  SELECT * FROM waiting WHERE pg_catalog.cardinality(blocked_by) > 0
), involved AS (
  SELECT pid FROM blocked
  UNION
  SELECT pg_catalog.unnest(blocked_by) FROM blocked
)
SELECT i.pid, coalesce(b.blocked_by, '{}')::text, k.mode, k.target, k.granted,
    CASE WHEN NOT k.granted THEN (extract(epoch FROM now()
        - coalesce(k.since, a.query_start)) * 1000)::bigint END,
    (extract(epoch FROM now() - a.xact_start) * 1000)::bigint
FROM involved i
LEFT JOIN blocked b ON b.pid = i.pid
LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = i.pid
LEFT JOIN LATERAL (
  SELECT x.mode, x.target, x.granted, x.since FROM (
    SELECT l.mode, l.target, l.granted, l.since, 0 AS pref, 0 AS strength
    FROM rel l WHERE l.pid = i.pid AND NOT l.granted
    UNION ALL
    SELECT h.mode, h.target, h.granted, NULL, 1, hm.strength
    FROM blocked v
    JOIN rel wl ON wl.pid = v.pid AND NOT wl.granted
    JOIN modes wm ON wm.mode = wl.mode
    JOIN rel h ON (h.pid = i.pid OR (i.pid = 0 AND h.pid IS NULL))
      AND h.granted
      AND h.locktype = wl.locktype
      AND h.database IS NOT DISTINCT FROM wl.database
      AND h.relation IS NOT DISTINCT FROM wl.relation
      AND h.page IS NOT DISTINCT FROM wl.page
      AND h.tuple IS NOT DISTINCT FROM wl.tuple
      AND h.virtualxid IS NOT DISTINCT FROM wl.virtualxid
      AND h.transactionid IS NOT DISTINCT FROM wl.transactionid
      AND h.classid IS NOT DISTINCT FROM wl.classid
      AND h.objid IS NOT DISTINCT FROM wl.objid
      AND h.objsubid IS NOT DISTINCT FROM wl.objsubid
      AND h.mode = ANY (wm.conflicts)
    JOIN modes hm ON hm.mode = h.mode
    WHERE i.pid = ANY (v.blocked_by)
  ) x ORDER BY x.pref, x.strength DESC LIMIT 1
) k ON true
ORDER BY i.pid
