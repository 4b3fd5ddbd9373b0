import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const launcher = join(import.meta.dirname, '..', 'bin', 'scrm-wecom-sim.mjs');

/** Starts the bin and resolves with the printed KEY=value lines once the credentials are out. */
function start(args: string[]): Promise<{ child: ChildProcess; printed: Record<string, string> }> {
  const child = spawn(process.execPath, [launcher, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('actions: POST')) {
        const printed = Object.fromEntries(output.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split('=', 2)));
        resolve({ child, printed });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('scrm-wecom-sim bin', () => {
  const directory = mkdtempSync(join(tmpdir(), 'wecom-sim-cli-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('prints working credentials and keeps the corp across a restart with --state', async () => {
    const stateFile = join(directory, 'corp.json');
    const args = ['--port', '0', '--seed', '42', '--customers', '50', '--state', stateFile];
    const first = await start(args);
    const base = first.printed.WECOM_API_BASE;
    assert.match(first.printed.WECOM_CORP_ID, /^ww[0-9a-f]{16}$/);
    assert.equal(first.printed.WECOM_AES_KEY.length, 43);
    const token = (await (await fetch(`${base}/cgi-bin/gettoken?corpid=${first.printed.WECOM_CORP_ID}&corpsecret=${first.printed.WECOM_SECRET}`)).json()) as { access_token: string };
    assert.ok(token.access_token);
    const created = (await (await fetch(`${base}/sim/create-employee`, { method: 'POST', body: JSON.stringify({ userid: 'cli_user', name: '命令行' }) })).json()) as { userid: string };
    assert.equal(created.userid, 'cli_user');
    await stop(first.child);
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { employees: Array<{ userid: string }>; corp: { corpId: string } };
    assert.ok(saved.employees.some((employee) => employee.userid === 'cli_user'));

    const second = await start(args);
    try {
      assert.equal(second.printed.WECOM_CORP_ID, first.printed.WECOM_CORP_ID);
      assert.equal(second.printed.WECOM_SECRET, first.printed.WECOM_SECRET);
      const fresh = (await (await fetch(`${second.printed.WECOM_API_BASE}/cgi-bin/gettoken?corpid=${second.printed.WECOM_CORP_ID}&corpsecret=${second.printed.WECOM_SECRET}`)).json()) as { access_token: string };
      const user = (await (await fetch(`${second.printed.WECOM_API_BASE}/cgi-bin/user/get?access_token=${fresh.access_token}&userid=cli_user`)).json()) as { errcode: number; name: string };
      assert.equal(user.errcode, 0);
      assert.equal(user.name, '命令行');
    } finally {
      await stop(second.child);
    }
  });
});
