import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/**
 * Responses written by a serializer compiled from the response schema (fast-json-stringify) instead of zod's encode
 * and JSON.stringify: on the hot pages the zod encode of every field of every row took 8–13% of the server's CPU
 * (bench/http-baseline --profile) and made a copy of the whole page for the collector. The wire format is the schema's
 * input side (a Date goes out as its ISO string, as the dateTime codec encodes it); only declared fields are written.
 * A schema the compiled serializer can't stand for (a union of objects, a pattern-keyed record…) keeps zod's.
 *
 * `check` (the tests: CHECK_RESPONSES=1): every response is also encoded by zod, and a value zod refuses or a
 * different JSON is a 500 — so the test suites hold each route's compiled serializer to the zod schema.
 */
export function createSerializerCompiler(options: { check: boolean }): FastifySerializerCompiler<z.ZodType> {
  return (route) => {
    const zodSerialize = zodSerializerCompiler(route);
    // Compiled on the route's first answer, not at start: compiling every route's writer made each start (and each
    // test's app) seconds slower.
    let writer: ((data: unknown) => string) | undefined;
    const compiled = (data: unknown) => (writer ??= compile(resolveSchema(route.schema)) ?? zodSerialize)(data);
    if (!options.check) return compiled;
    return (data) => {
      const fast = compiled(data);
      const reference = zodSerialize(data); // throws as before on a value the schema refuses
      // Both write the schema's properties in its order, so the texts are equal unless something differs.
      if (fast !== reference && !isDeepStrictEqual(JSON.parse(fast), JSON.parse(reference))) {
        throw new Error(`${route.method} ${route.url}: the compiled serializer wrote ${fast.slice(0, 500)} where zod writes ${reference.slice(0, 500)}`);
      }
      return fast;
    };
  };
}

function resolveSchema(schema: unknown): z.ZodType {
  if (schema instanceof z.ZodType) return schema;
  const properties = (schema as { properties?: unknown }).properties;
  if (properties instanceof z.ZodType) return properties;
  throw new Error(`not a zod schema: ${JSON.stringify(schema)}`);
}

/** The compiled serializer, or undefined when the schema has a part it would not write exactly as zod does. */
function compile(schema: z.ZodType): ((data: unknown) => string) | undefined {
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', cycles: 'ref', reused: 'inline' }) as JsonSchema;
  } catch {
    return undefined;
  }
  delete json.$schema;
  const simplified = simplify(json);
  if (!simplified) return undefined;
  const definitions = simplified.$defs as Record<string, JsonSchema> | undefined;
  delete simplified.$defs;
  try {
    return fastJson(simplified, definitions ? { schema: { defs: { $defs: definitions } } as never } : {}) as (data: unknown) => string;
  } catch {
    return undefined;
  }
}

/** Keywords that only validate (the writer ignores them). */
const VALIDATION_ONLY = new Set(['pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'description', 'title', 'examples', 'default', 'multipleOf']);

/**
 * The schema as fast-json-stringify writes it like zod: "X or null" as a type list (its anyOf would be tried branch by
 * branch, validating each); undefined for what it would write differently — unions of two kinds (it picks a branch by
 * validation, zod by parsing), `not`, records (their keys' schema).
 */
function simplify(node: unknown): JsonSchema | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (VALIDATION_ONLY.has(key)) continue;
    if (key === 'not' || key === 'patternProperties' || key === 'propertyNames' || key === 'oneOf' || key === 'allOf' || key === 'prefixItems') return undefined;
    if (key === 'properties' || key === '$defs') {
      const children: JsonSchema = {};
      for (const [name, child] of Object.entries(value as JsonSchema)) {
        const simple = simplify(child);
        if (!simple) return undefined;
        children[name] = simple;
      }
      out[key] = children;
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      const simple = simplify(value);
      if (!simple) return undefined;
      out[key] = simple;
    } else if (key === 'anyOf') {
      const branches = (value as unknown[]).map(simplify);
      if (branches.some((branch) => !branch)) return undefined;
      const nonNull = branches.filter((branch) => branch!.type !== 'null') as JsonSchema[];
      // Only "one kind or null" (a scalar, an object, an array): the writer tells null from it by the value's type,
      // as zod does; a union of two kinds it would resolve its own way.
      if (nonNull.length !== 1 || branches.length !== 2 || !(isScalar(nonNull[0]) || nonNull[0].type === 'object' || nonNull[0].type === 'array')) return undefined;
      Object.assign(out, nonNull[0], { type: [nonNull[0].type, 'null'].flat() });
    } else {
      out[key] = value;
    }
  }
  if (out.type === 'object' && out.properties === undefined && out.additionalProperties === undefined) return undefined;
  return out;
}

const isScalar = (schema: JsonSchema) =>
  ['string', 'number', 'integer', 'boolean'].includes(schema.type as string) ||
  (Array.isArray(schema.type) && schema.type.every((type) => ['string', 'number', 'integer', 'boolean', 'null'].includes(type)));
