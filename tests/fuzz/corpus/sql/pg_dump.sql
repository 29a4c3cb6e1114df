\restrict k3y
\set ON_ERROR_STOP on
SELECT 1;
COPY public.users (id, email) FROM stdin;
1	a@example.com
2	\N
\.
SELECT pg_catalog.setval('users_id_seq', 2, true);
\unrestrict k3y
