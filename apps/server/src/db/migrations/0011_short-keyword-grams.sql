-- Keywords without 3 word characters in a row (a surname "张", a name "张伟") give pg_trgm nothing to look up. These
-- functions let a GIN index over a text's 1- and 2-character substrings serve them instead (indexes in the next
-- migration): ILIKE '%kw%' compares lower(text) with lower(kw), so a matching text's grams contain keyword_grams(kw),
-- and the ILIKE stays as the exact check. Plain SQL, no extension, so the embedded PGlite runs them too.
CREATE FUNCTION text_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lowered, position, size)), '{}')
  FROM (SELECT lower(value) AS lowered) l, generate_series(1, length(lowered)) position, generate_series(1, 2) size
  WHERE position + size - 1 <= length(lowered)
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
