-- bellows:allow index-not-concurrent because t is empty
CREATE INDEX i ON orders (a);
CREATE INDEX j ON orders (b); -- bellows:allow index-not-concurrent
/* bellows:allow table-rewrite,add-column-volatile-default because tiny */
ALTER TABLE orders ADD COLUMN c timestamptz DEFAULT now();
