/**
 * 操作日志 shows every audited action in words: each action code the server records (read from its source, where each
 * is written as a literal next to `action`) has its words in the console, in Chinese and English (audit-names.ts; the
 * English map has the Chinese one's keys by its type).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { en, zh } from '../src/i18n/audit-names.ts';

const SERVER = new URL('../../server/src/', import.meta.url).pathname;
/** Codes built from a template (`lead.${…}`, `lifecycle.transfer.${kind}`): what they become. */
const TEMPLATED = ['lead.assign', 'lead.claim', 'lifecycle.transfer.resigned', 'lifecycle.transfer.onjob'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('操作日志 words', () => {
  it('every action the server audits has words in both languages', () => {
    const codes = new Set(TEMPLATED);
    for (const file of sources(SERVER)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!/\baction\b/.test(line)) continue;
        for (const [, code] of line.matchAll(/'([a-z][a-zA-Z-]*(?:\.[a-zA-Z]+)+)'/g)) codes.add(code);
      }
    }
    assert.ok(codes.size > 40, `found ${codes.size} action codes`);
    const missing = [...codes].filter((code) => !(code in zh.auditAction));
    assert.deepEqual(missing, []);
    for (const code of codes) assert.ok(en.auditAction[code as keyof typeof en.auditAction], code);
  });
});
