-- The sample schema and data of `bellows demo`: the tables that
-- share/examples/orders-user-email.conf changes.
--
-- bellows reads this file at run time.  A line "-- demo: LABEL" starts a
-- section; bellows runs the sections in order, each as one simple query,
-- all inside one transaction, and prints LABEL and the time each took;
-- {users} and {orders} in a LABEL stand for the counts.
-- Text before the first section (this comment) is not run.
--
-- Sizes come from two settings that bellows sets with a parameter
-- (set_config) before the first section, so no number is pasted into SQL:
--   bellows_demo.users   how many users
--   bellows_demo.orders  how many orders (bellows demo --rows)
--
-- Why it is fast: the tables are created in the loading transaction and the
-- demo server runs with wal_level = minimal, so the rows skip the WAL; keys
-- are added after the rows (one index build instead of a million inserts
-- into it); the foreign key is checked by one join instead of a trigger per
-- row.  PostgreSQL 11 and later.

-- demo: creating tables users and orders
CREATE TABLE users (
	id		bigint NOT NULL,
	email		text NOT NULL,
	name		text NOT NULL,
	created_at	timestamptz NOT NULL
);
CREATE TABLE orders (
	id		bigint NOT NULL,
	user_id		bigint NOT NULL,
	amount		numeric(10,2) NOT NULL,
	created_at	timestamptz NOT NULL,
	status		text NOT NULL
);

-- demo: {users} users
INSERT INTO users (id, email, name, created_at)
SELECT g, 'user' || g || '@example.com', 'User ' || g,
       now() - interval '3 years' + g * interval '10 minutes'
FROM generate_series(1, current_setting('bellows_demo.users')::bigint) AS g;

-- demo: {orders} orders
-- user_id spreads the orders over every user without random(), so two
-- demos load the same data.
INSERT INTO orders (id, user_id, amount, created_at, status)
SELECT g,
       1 + (g * 7919) % current_setting('bellows_demo.users')::bigint,
       ((g * 4099) % 50000) / 100.0 + 1,
       now() - (current_setting('bellows_demo.orders')::bigint - g)
           * interval '20 seconds',
       (ARRAY['paid', 'shipped', 'delivered', 'cancelled'])[1 + g % 4]
FROM generate_series(1, current_setting('bellows_demo.orders')::bigint) AS g;

-- demo: primary keys and the foreign key
ALTER TABLE users ADD PRIMARY KEY (id);
ALTER TABLE orders ADD PRIMARY KEY (id);
ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);

-- demo: statistics (ANALYZE)
ANALYZE users, orders;
