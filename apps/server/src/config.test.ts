// Settings (issue 14 hole 1): production never falls back to demo mode, and demo mode listens on this
// machine only unless HOST says otherwise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, isLoopbackHost, loadConfig } from './config.ts';

const WECOM = { WECOM_CORP_ID: 'ww0123456789abcdef', WECOM_SECRET: 's'.repeat(43), WECOM_TOKEN: 'token', WECOM_AES_KEY: 'k'.repeat(43) };

describe('configuration', () => {
  test('NODE_ENV=production without the WeCom settings refuses, naming what is missing', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production' }),
      (error: unknown) => error instanceof ConfigError && /WECOM_CORP_ID/.test(error.message) && /demo mode/.test(error.message),
    );
    const production = loadConfig({ NODE_ENV: 'production', ...WECOM });
    assert.equal(production.demoMode, false);
    // WeCom settings half given: refused at once, naming the missing ones (production or not).
    assert.throws(() => loadConfig({ NODE_ENV: 'production', WECOM_CORP_ID: 'ww0123456789abcdef', WECOM_SECRET: 'secret' }), (error: unknown) =>
      error instanceof ConfigError && /WECOM_TOKEN, WECOM_AES_KEY are needed/.test(error.message),
    );
    // Not production: demo mode, as before.
    assert.equal(loadConfig({}).demoMode, true);
  });

  test('demo mode listens on 127.0.0.1 unless HOST is set; a real installation on every interface', () => {
    assert.equal(loadConfig({}).HOST, '127.0.0.1');
    assert.equal(loadConfig({ HOST: '' }).HOST, '127.0.0.1');
    assert.equal(loadConfig({ HOST: '0.0.0.0' }).HOST, '0.0.0.0');
    assert.equal(loadConfig({ HOST: '192.168.1.20' }).HOST, '192.168.1.20');
    assert.equal(loadConfig({ ...WECOM }).HOST, '0.0.0.0');
    assert.equal(loadConfig({ ...WECOM, HOST: '10.0.0.5' }).HOST, '10.0.0.5');
  });

  test('loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '', '192.168.1.20', '10.0.0.5', 'scrm.example.com', '127.0.0.1.example.com']) assert.equal(isLoopbackHost(host), false, host);
  });

  test('ADMIN_PASSWORD follows the rule of every password set through the API (12 characters or more, letters and digits)', () => {
    for (const password of ['admin123', 'Short12345', 'onlyletterslong', '123456789012', 'Ab1'.repeat(22), '']) {
      assert.throws(
        () => loadConfig({ ADMIN_PASSWORD: password }),
        (error: unknown) => error instanceof ConfigError && /ADMIN_PASSWORD: at least 12 characters/.test(error.message),
        JSON.stringify(password),
      );
    }
    assert.equal(loadConfig({ ADMIN_PASSWORD: 'Chosen-by-the-operator-1' }).ADMIN_PASSWORD, 'Chosen-by-the-operator-1');
    assert.equal(loadConfig({}).ADMIN_PASSWORD, undefined, 'unset: the demo\'s or a generated password (start-admin.ts)');
  });

  test('the server entry exits at once with a clear message when ADMIN_PASSWORD is too short (nothing opened)', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'scrm-config-')), 'data');
    try {
      const env: NodeJS.ProcessEnv = {};
      for (const [key, value] of Object.entries(process.env)) {
        if (key.startsWith('WECOM_') || key === 'DATABASE_URL' || key === 'NODE_TEST_CONTEXT' || key === 'NODE_ENV') continue;
        env[key] = value;
      }
      Object.assign(env, { ADMIN_PASSWORD: 'admin123', DATA_DIR: dataDir, PORT: '0' });
      const main = resolve(import.meta.dirname, 'main.ts');
      const run = spawnSync(process.execPath, ['--import', 'tsx', main], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stderr, /^SCRM cannot start: .*ADMIN_PASSWORD: at least 12 characters/m);
      assert.equal(existsSync(dataDir), false, 'no database was created');
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  test('the server entry exits at once with that message in production without WeCom settings (nothing opened)', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'scrm-config-')), 'data');
    try {
      const env: NodeJS.ProcessEnv = {};
      for (const [key, value] of Object.entries(process.env)) {
        if (key.startsWith('WECOM_') || key === 'DATABASE_URL' || key === 'NODE_TEST_CONTEXT') continue;
        env[key] = value;
      }
      Object.assign(env, { NODE_ENV: 'production', DATA_DIR: dataDir, PORT: '0' });
      const main = resolve(import.meta.dirname, 'main.ts');
      const run = spawnSync(process.execPath, ['--import', 'tsx', main], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stderr, /^SCRM cannot start: NODE_ENV=production needs the WeCom settings WECOM_CORP_ID/m);
      assert.ok(!/at .*\(.*\.ts:\d+/.test(run.stderr), 'a message, not a stack trace');
      assert.equal(existsSync(dataDir), false, 'no database or demo corp was created');
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });
});
