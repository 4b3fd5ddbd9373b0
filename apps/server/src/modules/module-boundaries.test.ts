// One composition root (issue 14): a module never builds another module's parts (create* factories are
// called by composition-root.ts only) and never imports another module's tables. The exceptions still
// standing are listed here, so the list can only shrink: a new crossing fails this test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const modulesDir = import.meta.dirname;
const schemaDir = join(modulesDir, '../db/schema');

/** Which module owns each schema file's tables (wecom.ts is shared: its tables are listed one by one). */
const OWNER_OF_SCHEMA_FILE: Record<string, string> = {
  'acquisition.ts': 'acquisition',
  'customers.ts': 'customers',
  'groups.ts': 'groups',
  'leads.ts': 'leads',
  'nexus.ts': 'nexus',
  'system.ts': 'system',
  'tags.ts': 'tags',
};
const OWNER_OF_WECOM_TABLE: Record<string, string> = { qwDept: 'org', qwEmp: 'org', wxEvent: 'portal', wecomToken: 'platform' };
/**
 * The corp directory (the org module's mirror of WeCom departments and employees) is read by every module that
 * names employees — joined for names, scope and eligibility in the same query — but written by the org module only.
 */
const DIRECTORY_TABLES = ['qwDept', 'qwEmp'];

/** Crossings that remain (module file → tables of another module); remove an entry when it is fixed. */
const KNOWN_TABLE_CROSSINGS: Record<string, string[]> = {
  // Leads read the customers they link to and the tags they put on them (leads-scope part of issue 14).
  'leads/leads.repository.ts': ['acqLink', 'customer', 'customerRelation', 'customerTag', 'sysUser', 'tag', 'tagGroup'],
  // Nexus provisions system users and departments in its own transactions.
  'nexus/nexus.repository.ts': ['sysDept', 'sysRole', 'sysUser'],
};

function tableOwners(): Map<string, string> {
  const owners = new Map<string, string>();
  for (const file of readdirSync(schemaDir)) {
    const text = readFileSync(join(schemaDir, file), 'utf8');
    for (const [, name] of text.matchAll(/export const (\w+) = pgTable\(/g)) {
      const owner = OWNER_OF_SCHEMA_FILE[file] ?? OWNER_OF_WECOM_TABLE[name];
      if (owner) owners.set(name, owner);
    }
  }
  return owners;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.testing.ts') && !name.includes('fixture') ? [path] : [];
  });
}

/** The value imports of a file: [specifier, names] (type-only imports and `type X` names left out). */
function valueImports(text: string): Array<{ from: string; names: string[] }> {
  const found: Array<{ from: string; names: string[] }> = [];
  for (const match of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)) {
    if (match[1]) continue;
    const names = match[2]
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part && !part.startsWith('type '))
      .map((part) => part.split(/\s+as\s+/)[0].trim());
    found.push({ from: match[3], names });
  }
  return found;
}

const moduleOf = (file: string) => relative(modulesDir, file).split('/')[0];

test("no module imports another module's tables (except the crossings listed, which only shrink)", () => {
  const owners = tableOwners();
  assert.ok(owners.size > 30, 'the schema was read');
  const crossings: Record<string, string[]> = {};
  for (const file of sourceFiles(modulesDir)) {
    const module = moduleOf(file);
    for (const { from, names } of valueImports(readFileSync(file, 'utf8'))) {
      if (!from.includes('/db/schema/')) continue;
      const foreign = names.filter((name) => owners.has(name) && owners.get(name) !== module && !DIRECTORY_TABLES.includes(name));
      if (foreign.length) crossings[relative(modulesDir, file)] = [...(crossings[relative(modulesDir, file)] ?? []), ...foreign].sort();
    }
  }
  for (const [file, tables] of Object.entries(crossings)) {
    const allowed = KNOWN_TABLE_CROSSINGS[file] ?? [];
    const extra = tables.filter((table) => !allowed.includes(table));
    assert.deepEqual(extra, [], `${file} imports other modules' tables: ${extra.join(', ')}`);
  }
});

test("no module builds another module's parts: create* factories of other modules are the composition root's", () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(modulesDir)) {
    const module = moduleOf(file);
    for (const { from, names } of valueImports(readFileSync(file, 'utf8'))) {
      const target = /^\.\.\/([a-z-]+)\//.exec(from)?.[1];
      if (!target || target === module) continue;
      const factories = names.filter((name) => /^create\w+(Components|Repository|Service|Lock)$/.test(name));
      if (factories.length) offenders.push(`${relative(modulesDir, file)}: ${factories.join(', ')} from ${from}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('the corp directory (qw_dept, qw_emp) is written by the org module only', () => {
  const writers: string[] = [];
  for (const file of sourceFiles(modulesDir)) {
    if (moduleOf(file) === 'org') continue;
    const text = readFileSync(file, 'utf8');
    for (const table of DIRECTORY_TABLES) {
      if (new RegExp(`\\.(insert|update|delete)\\(${table}\\)`).test(text)) writers.push(`${relative(modulesDir, file)} writes ${table}`);
    }
    if (/\b(INSERT INTO|UPDATE|DELETE FROM)\s+qw_(emp|dept)\b/i.test(text)) writers.push(`${relative(modulesDir, file)} writes qw_emp/qw_dept in SQL`);
  }
  assert.deepEqual(writers, []);
});
