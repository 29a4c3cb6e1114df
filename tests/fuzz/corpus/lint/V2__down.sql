DROP TABLE order_audit;
ALTER TABLE orders DROP COLUMN user_email;
DROP INDEX CONCURRENTLY IF EXISTS orders_user_email_idx;
