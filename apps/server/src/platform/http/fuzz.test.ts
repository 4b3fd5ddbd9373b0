/**
 * A fuzz test over every operation of the OpenAPI document (/scrm/docs/json), as a signed-in administrator:
 * NUL bytes, lone surrogates, wrong types, huge strings and numbers, malformed JSON, arrays for objects,
 * truncated multipart bodies, hostile query strings. Deterministic (no randomness). Every answer is a non-5xx
 * in the `{code, msg, date}` envelope (a 2xx may be a file), and no refused request writes anything.
 * The open API and Nexus endpoints are signed, so the hostile bodies get past their signature checks.
 * FUZZ_ONLY=<path part> fuzzes only matching paths; FUZZ_REPORT=<file> writes every failure, the status counts and
 * the slowest operations there.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';
import { createWriteCounter, writtenTables } from '../../testing/write-counter.ts';
import { hostileInputMessages } from './hostile-input.ts';
import { openRequestHeaders } from '../open-signature.ts';
import { signNexusRequest } from '../../modules/nexus/nexus-signature.ts';
import { openApp } from '../../modules/leads/leads.testing.ts';

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  nullable?: boolean;
  default?: unknown;
  additionalProperties?: boolean | Schema;
};
type Operation = {
  summary?: string;
  parameters?: { in: string; name: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};

let t: TestApp;
let token: string;
let components: Record<string, Schema> = {};
let paths: Record<string, Record<string, Operation>> = {};
let openCredentials: { appKey: string; secret: string };
const NEXUS = { key: 'fuzz-nexus', secret: 'fuzz-nexus-secret-0123456789abcdef' };

before(async () => {
  // Nexus configured, so its endpoints answer as in production (unconfigured, they are a 503 whatever is sent).
  // No background work: what an accepted request queues stays queued, so a digest that changes after a
  // refusal was changed by the refused request itself.
  t = await createTestApp({ env: { NEXUS_APP_KEY: NEXUS.key, NEXUS_SECRET: NEXUS.secret }, deps: { eventWorker: false } });
  openCredentials = await openApp(t.db, 'fuzz');
  for (const queue of await t.jobs.boss.getQueues()) await t.jobs.boss.offWork(queue.name);
  token = (await t.login()).token;
  const doc = (await t.app.inject({ url: '/scrm/docs/json' })).json();
  components = doc.components?.schemas ?? {};
  paths = doc.paths;
});
after(() => t?.close());

// Signing out would end the fuzzing administrator's own session: its 401s are the auth matrix's business.
const SKIPPED = new Set(['POST /scrm/admin/logout']);
// Signing in: a refusal is a 401, and a failed attempt is recorded (the throttle's own table).
const SIGN_IN = 'POST /scrm/admin/login';
const SIGN_IN_TABLES = new Set(['public.sys_login_failure', 'public.sys_login_attempt']);
// A signed request spends its nonce and counts against its rate limit before its body is looked at.
const SIGNATURE_TABLES = new Set(['public.open_nonce', 'public.open_rate_limit']);

let nonceCounter = 0;
/**
 * Signature headers for the server-to-server endpoints (open API, Nexus), so the hostile body gets past the
 * signature check to the validation and the service behind it. Unsigned, they would only ever be 401s.
 */
function signatureHeaders(method: string, url: string, payload: string | Buffer | undefined): Record<string, string> {
  const body = payload === undefined ? '' : typeof payload === 'string' ? payload : payload.toString('utf8');
  const timestamp = Math.floor(t.clock.now / 1000);
  const nonce = `fuzznonce${String(++nonceCounter).padStart(8, "0")}`;
  if (url.startsWith('/scrm/open/')) return openRequestHeaders(openCredentials, { method, target: url, body, timestamp, nonce });
  if (url.startsWith('/scrm/nexus/')) {
    const signature = signNexusRequest(NEXUS.secret, { method, target: url, timestamp: String(timestamp), nonce, rawBody: body });
    return { 'x-nexus-key': NEXUS.key, 'x-nexus-timestamp': String(timestamp), 'x-nexus-nonce': nonce, 'x-nexus-signature': signature };
  }
  return {};
}

function resolve(schema: Schema | undefined, depth = 0): Schema {
  if (!schema || depth > 20) return {};
  if (schema.$ref) return resolve(components[schema.$ref.split('/').pop()!], depth + 1);
  if (schema.allOf?.length) return resolve(Object.assign({}, ...schema.allOf.map((part) => resolve(part, depth + 1))), depth + 1);
  return schema;
}

const SAMPLE_TIME = '2026-01-01T00:00:00+08:00';

/** A value of the schema's shape (what a well-meaning caller would send), to mutate from. */
function sample(input: Schema | undefined, depth = 0): unknown {
  const schema = resolve(input);
  if (depth > 6) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) return sample(variants.find((variant) => resolve(variant).type !== 'null') ?? variants[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((candidate) => candidate !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(schema.properties ?? {})) value[name] = sample(property, depth + 1);
      return value;
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sample(schema.items, depth + 1));
    case 'integer':
    case 'number': {
      // Ids that exist nowhere (a fuzzed update must not reset the fuzzing administrator's password), unless the
      // range is small (a status, a type).
      const low = Math.max(1, schema.minimum ?? 1);
      return schema.maximum !== undefined && schema.maximum < 987_654 ? low : Math.max(low, 987_654);
    }
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'date-time') return SAMPLE_TIME;
      if (schema.format === 'date') return '2026-01-01';
      if (schema.pattern === '^1[3-9]\\d{9}$') return '13800000000';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return properties(schema) ? sample({ ...schema, type: 'object' }, depth) : 'x';
  }
}
const properties = (schema: Schema) => Boolean(schema.properties);

/** `value` with every leaf passed through `leaf` (objects and arrays kept). */
function mapLeaves(value: unknown, leaf: (value: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapLeaves(item, leaf));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapLeaves(item, leaf)]));
  return leaf(value);
}
const strings = (replace: (text: string) => unknown) => (value: unknown) => (typeof value === 'string' ? replace(value) : value);
const numbers = (replace: (value: number) => unknown) => (value: unknown) => (typeof value === 'number' ? replace(value) : value);
function countStrings(value: unknown): number {
  if (typeof value === 'string') return 1;
  if (value && typeof value === 'object') return Object.values(value).reduce((sum: number, item) => sum + countStrings(item), 0);
  return 0;
}
function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'not a number';
  if (typeof value === 'boolean') return 'yes';
  if (value === null) return { unexpected: true };
  return value;
}

interface Attempt {
  name: string;
  payload?: string | Buffer;
  contentType?: string;
  query?: string;
}

/** Hostile JSON bodies for an operation whose body schema is `schema`. */
function bodyAttempts(schema: Schema | undefined): Attempt[] {
  const base = sample(schema) ?? {};
  const json = (name: string, value: unknown): Attempt => ({ name, payload: JSON.stringify(value), contentType: 'application/json' });
  const stringCount = Math.max(1, countStrings(base));
  const attempts: Attempt[] = [
    json('NUL in every string', mapLeaves(base, strings((text) => `${text}\u0000`))),
    json('NUL alone', mapLeaves(base, strings(() => '\u0000'))),
    json('high surrogate in every string', mapLeaves(base, strings((text) => `${text}\ud800`))),
    json('low surrogate alone', mapLeaves(base, strings(() => '\udc00'))),
    json('huge strings', mapLeaves(base, strings(() => 'x'.repeat(Math.floor(900_000 / stringCount))))),
    json('huge multibyte strings', mapLeaves(base, strings(() => '字'.repeat(Math.floor(250_000 / stringCount))))),
    json('wrong type everywhere', mapLeaves(base, wrongType)),
    json('array for the object', [base]),
    json('object inside arrays', mapLeaves(base, (value) => [value])),
    json('negative numbers', mapLeaves(base, numbers(() => -1))),
    json('huge numbers', mapLeaves(base, numbers(() => 1e308))),
    json('unsafe integers', mapLeaves(base, numbers(() => 2 ** 63))),
    json('fractions', mapLeaves(base, numbers(() => 1.5))),
    json('numeric strings', mapLeaves(base, numbers((value) => String(value)))),
    json('nulls', mapLeaves(base, () => null)),
    json('year 0000', mapLeaves(base, strings((text) => (text === SAMPLE_TIME ? '0000-01-01T00:00:00Z' : text)))),
    json('year 9999, far offset', mapLeaves(base, strings((text) => (text === SAMPLE_TIME ? '9999-12-31T23:59:59.999-23:59' : text)))),
    json('empty object', {}),
    json('a string', 'x'),
    { name: 'null body', payload: 'null', contentType: 'application/json' },
    { name: 'malformed JSON', payload: '{"pageNum": 1, "name": "x', contentType: 'application/json' },
    { name: 'trailing garbage', payload: `${JSON.stringify(base)}}}`, contentType: 'application/json' },
    { name: 'empty body', payload: '', contentType: 'application/json' },
    { name: 'prototype pollution', payload: `{"__proto__": {"admin": true}, "constructor": {"prototype": {"admin": true}}}`, contentType: 'application/json' },
    { name: 'deep nesting', payload: `${'['.repeat(2000)}${']'.repeat(2000)}`, contentType: 'application/json' },
    { name: 'NUL in raw JSON text', payload: `{"name": "a\u0000b"}`, contentType: 'application/json' },
    { name: 'invalid UTF-8', payload: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0xff, 0x22, 0x7d]), contentType: 'application/json' },
    { name: 'form encoded', payload: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' },
    { name: 'text', payload: 'hello\u0000', contentType: 'text/plain' },
    // Uploads declare no JSON body: they get the multipart attempts; the others one, to see it refused.
    ...(schema ? multipartAttempts().slice(0, 1) : multipartAttempts()),
  ];
  // One field at a time of the wrong type, and one at a time holding NUL: a field only some paths read.
  if (base && typeof base === 'object' && !Array.isArray(base)) {
    for (const [field, value] of Object.entries(base)) {
      attempts.push(json(`${field}: wrong type`, { ...base, [field]: wrongType(value) === value ? 'x' : wrongType(value) }));
      if (typeof value === 'string') {
        attempts.push(json(`${field}: NUL`, { ...base, [field]: 'a\u0000' }));
        attempts.push(json(`${field}: 100,000 characters`, { ...base, [field]: '长'.repeat(100_000) }));
      }
      if (typeof value === 'number') attempts.push(json(`${field}: 2^53 - 1`, { ...base, [field]: Number.MAX_SAFE_INTEGER }));
      if (Array.isArray(value)) attempts.push(json(`${field}: 10,000 items`, { ...base, [field]: Array.from({ length: 10_000 }, () => value[0] ?? 1) }));
    }
  }
  return attempts;
}

function multipartAttempts(): Attempt[] {
  const boundary = 'fuzzboundary';
  const contentType = `multipart/form-data; boundary=${boundary}`;
  const whole = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nimage\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nt\u0000\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n` +
      `\x89PNG\r\n\x1a\n${'x'.repeat(200)}\r\n--${boundary}--\r\n`,
    'latin1',
  );
  return [
    { name: 'truncated multipart', payload: whole.subarray(0, whole.length - 60), contentType },
    { name: 'multipart with a NUL field', payload: whole, contentType },
    { name: 'multipart without boundary', payload: whole, contentType: 'multipart/form-data' },
  ];
}

/** Hostile query strings for an operation's query parameters. */
function queryAttempts(parameters: { name: string; schema?: Schema }[]): Attempt[] {
  const base = Object.fromEntries(parameters.map((parameter) => [parameter.name, String(sample(parameter.schema))]));
  const encode = (values: Record<string, string>) =>
    Object.entries(values)
      .map(([name, value]) => `${encodeURIComponent(name)}=${value}`)
      .join('&');
  const all = (name: string, value: string): Attempt => ({ name: `query: ${name}`, query: encode(Object.fromEntries(parameters.map((parameter) => [parameter.name, value]))) });
  const attempts: Attempt[] = [
    all('NUL', 'a%00b'),
    all('lone surrogate (CESU-8)', '%ED%A0%80'),
    all('invalid UTF-8', '%FF%FE'),
    all('bad percent-encoding', '%E0%A4%A'),
    all('huge', 'x'.repeat(100_000)),
    all('negative', '-1'),
    all('huge number', '99999999999999999999999'),
    all('fraction', '1.5'),
    all('letters', 'abc'),
    all('empty', ''),
    { name: 'query: repeated (array)', query: parameters.map((parameter) => `${parameter.name}=1&${parameter.name}=2`).join('&') },
    { name: 'query: bracket object', query: parameters.map((parameter) => `${parameter.name}[a]=1`).join('&') },
    { name: 'query: missing', query: '' },
    { name: 'query: unknown extra', query: `${encode(base)}&__proto__=x&constructor=y` },
  ];
  for (const parameter of parameters) {
    attempts.push({ name: `query: ${parameter.name} NUL`, query: encode({ ...base, [parameter.name]: '1%00' }) });
    attempts.push({ name: `query: ${parameter.name} negative`, query: encode({ ...base, [parameter.name]: '-1' }) });
    attempts.push({ name: `query: ${parameter.name} 2^53 - 1`, query: encode({ ...base, [parameter.name]: String(Number.MAX_SAFE_INTEGER) }) });
  }
  return attempts;
}

test('every operation of the OpenAPI document, fed hostile input as an administrator: no 5xx, always the envelope, nothing written by a refused request', async () => {
  const writes = await createWriteCounter(t.db);
  const failures: string[] = [];
  let requests = 0;
  let accepted = 0;
  let lastWrites = await writes();
  const timings: [number, string][] = [];
  const statuses = new Map<string, number>();
  let operations = 0;
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const upper = method.toUpperCase();
      if (SKIPPED.has(`${upper} ${path}`)) continue;
      operations++;
      const url = path.replace(/\{(\w+)\}/g, '1');
      const queryParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
      const attempts = [
        ...(upper === 'GET' ? [] : bodyAttempts(operation.requestBody?.content?.['application/json']?.schema)),
        ...(queryParameters.length ? queryAttempts(queryParameters) : []),
      ];
      const only = process.env.FUZZ_ONLY;
      const opStart = performance.now();
      for (const attempt of only && !path.includes(only) ? [] : attempts) {
        // Nothing else writes (no background work): what changed since the last request's answer is this one's doing.
        const before = lastWrites;
        const label = `${upper} ${path} [${attempt.name}]`;
        requests++;
        let response: Awaited<ReturnType<typeof t.app.inject>>;
        try {
          response = await t.app.inject({
            method: upper as 'GET',
            url: attempt.query !== undefined ? `${url}?${attempt.query}` : url,
            ...(attempt.payload !== undefined ? { payload: attempt.payload } : {}),
            headers: {
              token,
              ...(attempt.contentType ? { 'content-type': attempt.contentType } : {}),
              ...signatureHeaders(upper, attempt.query !== undefined ? `${url}?${attempt.query}` : url, attempt.payload),
            },
          });
        } catch (error) {
          // A streamed answer (an export) broken off halfway: the client got a truncated file and no error.
          failures.push(`${label}: no complete answer: ${error instanceof Error ? error.message : String(error)}`);
          lastWrites = await writes();
          continue;
        }
        if (response.statusCode >= 500) {
          failures.push(`${label}: ${response.statusCode} ${response.body.slice(0, 160)}`);
          lastWrites = await writes();
          continue;
        }
        const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
        if (response.statusCode >= 300 || isJson) {
          let body: Record<string, unknown> | null = null;
          try {
            body = response.json();
          } catch {
            body = null;
          }
          if (!body || Object.keys(body).join() !== 'code,msg,date' || body.code !== String(response.statusCode) || typeof body.msg !== 'string') {
            failures.push(`${label}: not the envelope: ${response.statusCode} ${response.body.slice(0, 160)}`);
          }
        }
        if (response.statusCode === 400 && response.body.includes(hostileInputMessages.valueRejectedByDatabase.zh)) {
          failures.push(`${label}: the value reached PostgreSQL (the error handler's safety net answered): bound it in the schema`);
        }
        if (response.statusCode === 401 && path.startsWith('/scrm/admin/') && `${upper} ${path}` !== SIGN_IN) {
          failures.push(`${label}: 401 for the administrator (the session ended?)`);
          token = (await t.login()).token;
        }
        lastWrites = await writes();
        const statusKey = `${path.split('/').slice(0, 3).join('/')} ${response.statusCode}`;
        statuses.set(statusKey, (statuses.get(statusKey) ?? 0) + 1);
        if (response.statusCode >= 400) {
          const written = writtenTables(before, lastWrites).filter(
            (table) => !(`${upper} ${path}` === SIGN_IN && SIGN_IN_TABLES.has(table)) && !(/^\/scrm\/(open|nexus)\//.test(path) && SIGNATURE_TABLES.has(table)),
          );
          if (written.length) failures.push(`${label}: refused (${response.statusCode}) but wrote to ${written.join(', ')}`);
        } else {
          accepted++;
        }
      }
      timings.push([performance.now() - opStart, `${upper} ${path} (${attempts.length})`]);
    }
  }
  if (process.env.FUZZ_REPORT) {
    const slowest = timings.sort((a, b) => b[0] - a[0]).slice(0, 15).map(([ms, op]) => `${Math.round(ms)} ms ${op}`);
    (await import('node:fs')).writeFileSync(process.env.FUZZ_REPORT, [...failures, `${accepted} of ${requests} accepted`, JSON.stringify([...statuses]), ...slowest].join('\n'));
  }
  assert.ok(operations > 150, `${operations} operations`);
  assert.ok(accepted < requests / 4, `most hostile requests are refused (${accepted} of ${requests} accepted)`);
  assert.equal(failures.length, 0, `${failures.length} failures in ${requests} requests:\n${failures.slice(0, 80).join('\n')}`);
});
