-- header
/* block
 comment */

  CREATE TABLE t (a int);
/* outer /* inner; */ still comment; */ SELECT 1; SELECT 2;
