-- Trigram indexes for substring (ILIKE '%keyword%') search, created by the next migration. pg_trgm is a trusted
-- extension (PostgreSQL 13+): the database owner may create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
