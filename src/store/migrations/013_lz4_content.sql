-- The resources' JSON compressed with lz4 where the server has it (PostgreSQL 14+ built with lz4,
-- as Debian's and the official images are; PGlite has only pglz): compressing a large resource
-- (an attribution Group of 500 members is 110 KB) with pglz took 0.3 ms per copy, twice per
-- update (current row and history), 4 % of PostgreSQL's CPU in the assignment benchmark; lz4
-- takes a tenth of that for the same size. Values already stored keep their compression.
DO $$ BEGIN IF 'lz4' = ANY ((SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression')::text[]) THEN ALTER TABLE resource ALTER COLUMN content SET COMPRESSION lz4; ALTER TABLE resource_history ALTER COLUMN content SET COMPRESSION lz4; END IF; END $$;
