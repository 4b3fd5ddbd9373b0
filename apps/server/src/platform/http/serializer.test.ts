// The compiled response serializer writes what zod's encode writes, nothing undeclared, and keeps zod's for what it
// cannot stand for; in check mode a difference or a value zod refuses is an error.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { createSerializerCompiler } from './serializer.ts';
import { dateTime, envelope, page } from './schemas.ts';

const routeOf = (schema: z.ZodType) => ({ schema, method: 'POST', url: '/probe', httpStatus: '200' }) as never;
const record = z.object({
  id: z.number().int(),
  name: z.string().max(10),
  at: dateTime,
  doneAt: dateTime.nullable(),
  owner: z.string().nullable(),
  left: z.boolean(),
  tags: z.array(z.object({ id: z.number(), name: z.string() })),
  kind: z.enum(['a', 'b']),
  note: z.string().optional(),
  labels: z.array(z.object({ id: z.number() })).nullable(),
  lead: z.object({ id: z.number(), name: z.string() }).nullable(),
});
const schema = envelope(page(record));
const row = (id: number) => ({
  id,
  name: '王伟"\\\n\u2028',
  at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
  doneAt: id % 2 ? null : new Date(Date.UTC(2026, 5, 1)),
  owner: id % 3 ? 'emp1' : null,
  left: id % 2 === 0,
  tags: id % 2 ? [] : [{ id: 1, name: '重要', secret: 'x' }],
  kind: 'a' as const,
  ...(id % 2 === 0 ? {} : { note: 'n' }),
  labels: id % 2 ? null : [{ id: 7, hidden: true }],
  lead: id % 3 ? null : { id: 9, name: '李', phone: 'undeclared' },
  passwordHash: 'never written',
});
const data = { code: '200', msg: '操作成功', date: { records: [1, 2, 3, 4, 5, 6].map(row), total: 6, pageNum: 1, pageSize: 20 } };

describe('the compiled response serializer', () => {
  test('writes the same JSON as zod for dates, nulls, arrays, enums, optional fields, nullable arrays and objects, and nothing undeclared', () => {
    const compiled = createSerializerCompiler({ check: false })(routeOf(schema));
    const zod = zodSerializerCompiler(routeOf(schema));
    // Compiled, not zod's: it writes a value the schema's checks would refuse (a name over 10 characters), zod throws.
    const long = { ...data, date: { ...data.date, records: [{ ...row(1), name: '一二三四五六七八九十一' }] } };
    assert.equal(JSON.parse(compiled(long)).date.records[0].name, '一二三四五六七八九十一');
    assert.throws(() => zod(long));
    const written = compiled(data);
    assert.deepEqual(JSON.parse(written), JSON.parse(zod(data)));
    for (const undeclared of ['passwordHash', 'secret', 'hidden', 'phone']) assert.ok(!written.includes(undeclared), `${undeclared} is not written`);
    assert.deepEqual(JSON.parse(written).date.records.slice(0, 3).map((r: { labels: unknown; lead: unknown }) => [r.labels, r.lead]), [
      [null, null],
      [[{ id: 7 }], null],
      [null, { id: 9, name: '李' }],
    ]);
    assert.equal(JSON.parse(written).date.records[0].at, '2026-01-02T03:04:05.006Z');
  });

  test('keeps zod’s for a union of objects and for a record', () => {
    const union = envelope(z.union([z.object({ kind: z.literal('a'), a: z.number() }), z.object({ kind: z.literal('b'), b: z.string() })]));
    const serialize = createSerializerCompiler({ check: false })(routeOf(union));
    assert.equal(serialize({ code: '200', msg: 'ok', date: { kind: 'b', b: 'x', a: 1 } }), '{"code":"200","msg":"ok","date":{"kind":"b","b":"x"}}');
    // zod's refuses what its checks refuse: the compiled writer would not.
    const keyed = envelope(z.object({ counts: z.record(z.string().max(2), z.number()) }));
    const zodWriter = createSerializerCompiler({ check: false })(routeOf(keyed));
    assert.equal(zodWriter({ code: '200', msg: 'ok', date: { counts: { ab: 1 } } }), '{"code":"200","msg":"ok","date":{"counts":{"ab":1}}}');
    assert.throws(() => zodWriter({ code: '200', msg: 'ok', date: { counts: { abc: 1 } } }));
  });

  test('in check mode, a value zod refuses is refused, and what both write is answered', () => {
    const checked = createSerializerCompiler({ check: true })(routeOf(schema));
    assert.deepEqual(JSON.parse(checked(data)), JSON.parse(zodSerializerCompiler(routeOf(schema))(data)));
    // The compiled writer would write 1.5 for an integer and a number for a string; zod refuses both.
    assert.throws(() => checked({ ...data, date: { ...data.date, records: [{ ...row(1), id: 1.5 }] } }));
    assert.throws(() => checked({ ...data, date: { ...data.date, records: [{ ...row(1), name: 42 }] } }));
  });
});
