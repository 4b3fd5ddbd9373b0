-- Keywords without 3 word characters in a row (a surname "张", a name "张伟") give pg_trgm nothing to look up. These
-- functions let a GIN index over a text's 1- and 2-character substrings serve them instead (indexes in the next
-- migration): ILIKE '%kw%' compares lower(text) with lower(kw), so a matching text's grams contain keyword_grams(kw),
-- and the ILIKE stays as the exact check. No extension (SQL and PL/pgSQL are built in), so the embedded PGlite runs
-- them too.
-- PL/pgSQL, not SQL: every write of a name or remark computes it for the index, and a loop costs 1-3 µs a text where
-- a set-returning SQL body cost 11 (the full customer sync wrote 30% slower with that one). Grams may repeat: GIN keeps
-- each key once.
CREATE FUNCTION text_grams(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
  lowered text := lower(value);
  characters int := length(lowered);
  grams text[] := '{}';
BEGIN
  FOR i IN 1..characters LOOP
    grams := grams || substr(lowered, i, 1);
    IF i < characters THEN
      grams := grams || substr(lowered, i, 2);
    END IF;
  END LOOP;
  RETURN grams;
END
$$;--> statement-breakpoint
-- The grams a text must contain to contain the keyword: its 2-grams (they imply its characters; fewer, rarer elements
-- are read faster from the index and estimated better, as the planner multiplies the elements' frequencies), or the
-- keyword itself when it has one character. One expression, no subquery (each character doubled, less the first and
-- the last, cut in pairs), so the planner inlines it and folds a keyword's grams at no cost. PARALLEL UNSAFE on
-- purpose: it keeps the short-keyword queries serial, which measured faster (bench/customer-query): their parallel
-- plans spend more starting workers and probing customers than they save, worst under concurrent requests.
CREATE FUNCTION keyword_grams(keyword text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL UNSAFE
AS $$
  SELECT CASE length(lower(keyword))
    WHEN 0 THEN '{}'::text[]
    WHEN 1 THEN ARRAY[lower(keyword)]
    ELSE regexp_split_to_array(substr(regexp_replace(lower(keyword), '(.)', '\1\1', 'g'), 2, 2 * length(lower(keyword)) - 2), '(?<=^(?:..)+)')
  END
$$;
