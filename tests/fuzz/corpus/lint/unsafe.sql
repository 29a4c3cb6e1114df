-- unsafe.sql: one statement per lint rule, each showing the rule firing.
-- Try:  bellows lint share/examples/unsafe.sql      (exit status 1)
--
-- Schema assumed (existing, busy tables):
--   users(id bigint primary key, email text not null, ...)
--   orders(id bigint primary key, user_id bigint not null references users,
--          amount numeric, created_at timestamptz, status text)
--
-- Rules that only exist in a plan file (transaction-in-step,
-- missing-rollback, irreversible-step, drop-in-destructive) and the syntax
-- rule (which makes the exit status 2) are described at the end.

-- index-not-concurrent: SHARE on orders for the whole build; writes wait.
CREATE INDEX orders_status_idx ON orders (status);

-- index-not-concurrent: ACCESS EXCLUSIVE on the index's table.
DROP INDEX orders_user_id_idx;

-- index-not-concurrent: REINDEX blocks writes, and reads of the index.
REINDEX INDEX orders_pkey;

-- add-column-volatile-default: a per-row value rewrites the table.
ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();

-- add-column-serial: serial fills every row, a rewrite.
ALTER TABLE orders ADD COLUMN seq bigserial;

-- add-column-not-null-no-default: fails on a table with rows.
ALTER TABLE orders ADD COLUMN region text NOT NULL;

-- set-not-null-without-check: full scan under ACCESS EXCLUSIVE.
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;

-- constraint-not-valid: the foreign key is checked row by row under
-- SHARE ROW EXCLUSIVE on orders and users.
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);

-- constraint-not-valid: a CHECK scans under ACCESS EXCLUSIVE.
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0);

-- add-unique-not-using-index: the index is built under ACCESS EXCLUSIVE.
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);

-- alter-column-type: bigint to integer rewrites orders (and checks every value).
ALTER TABLE orders ALTER COLUMN user_id TYPE integer;

-- rename: the running app still uses the old name.
ALTER TABLE orders RENAME COLUMN status TO state;

-- rename: a table, too.
ALTER TABLE users RENAME TO customers;

-- vacuum-full: a rewrite under ACCESS EXCLUSIVE.
VACUUM FULL orders;

-- cluster: a rewrite in index order under ACCESS EXCLUSIVE.
CLUSTER orders USING orders_pkey;

-- lock-table: blocks every read and write until the transaction ends.
LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;

-- refresh-matview-not-concurrent: readers of the view wait.
REFRESH MATERIALIZED VIEW order_totals;

-- truncate: ACCESS EXCLUSIVE, and the rows are gone.
TRUNCATE orders;

-- delete-without-where: every row locked in one transaction.
DELETE FROM orders;

-- update-without-where: every row rewritten in one transaction.
UPDATE orders SET status = 'archived';

-- drop-outside-destructive: the app still reads the column.
ALTER TABLE orders DROP COLUMN amount;

-- drop-outside-destructive: a table, too.
DROP TABLE users;

-- concurrently-in-transaction: PostgreSQL rejects it inside BEGIN.
BEGIN;
CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at);
COMMIT;

-- suppression-without-reason: the next line suppresses nothing.
-- bellows:allow truncate
TRUNCATE orders;

-- suppression-unknown-rule: not a bellows rule.
-- bellows:allow no-such-rule because it is only an example
SELECT 1;

-- A suppression with a reason: reported, but not an error.
-- bellows:allow index-not-concurrent because orders has 200 rows here
CREATE INDEX orders_amount_idx ON orders (amount);

-- requires-newer-server: with --server-version 11 only.
REINDEX TABLE CONCURRENTLY orders;

-- In a plan (.conf) file:
--   transaction-in-step: sql = "BEGIN; ...; COMMIT" in a step;
--   missing-rollback: a step before the contract phase without rollback;
--   irreversible-step: a contract step without rollback;
--   drop-in-destructive: DROP TABLE/COLUMN in the contract phase (also in
--     golang-migrate *.down.sql and Flyway U*__*.sql rollback scripts).
-- syntax: anything the PostgreSQL 15 parser rejects, e.g. "SELEC 1".
