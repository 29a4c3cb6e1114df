-- monitor-replicas.sql: each replica's replay lag, from the primary.
--
-- Supports PostgreSQL 12 and later (replay_lag: 10).  Without pg_monitor
-- (pg_read_all_stats) the server hides the state and lags of replicas
-- connected as another role: they come back NULL, shown as unknown.
--
-- Columns: name (application_name, else the client address), state,
-- replay_lag_ms (NULL: unknown, or no WAL to replay lately).
SELECT coalesce(nullif(r.application_name, ''), pg_catalog.host(r.client_addr),
        'local'),
    r.state,
    (extract(epoch FROM r.replay_lag) * 1000)::bigint
FROM pg_catalog.pg_stat_replication r
ORDER BY 1, r.pid
