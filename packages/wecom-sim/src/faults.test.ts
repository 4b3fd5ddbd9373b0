import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createManualClock } from './clock.ts';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';
import { rawApi, tokenFor } from './test-support.ts';

describe('fault injection', () => {
  // Rate-limit windows follow the simulator's clock, so the test moves time instead of racing it.
  const clock = createManualClock();
  let sim: WecomSimulator;
  let call: ReturnType<typeof rawApi>;
  let token: string;

  before(async () => {
    sim = createWecomSimulator({ seed: 'faults', sizes: { customers: 50 }, settleIntervalMs: 0, clock });
    call = rawApi(await sim.listen());
  });
  beforeEach(async () => {
    sim.faults.reset();
    token = await tokenFor(sim);
  });
  after(() => sim.close());

  const departments = () => call('GET', 'department/simplelist', {}, token).then((answer) => answer.body.errcode as number);

  it('rate-limits an API with 45009 after N calls per window, then lets calls through again', async () => {
    sim.faults.set({ rateLimit: { calls: 3, windowMs: 60_000 } });
    const codes = [];
    for (let index = 0; index < 5; index++) codes.push(await departments());
    assert.deepEqual(codes, [0, 0, 0, 45009, 45009]);
    // Counted per API: another API still has its own budget.
    assert.equal((await call('GET', 'externalcontact/get_follow_user_list', {}, token)).body.errcode, 0);
    clock.advance(59_000);
    assert.equal(await departments(), 45009, 'still inside the minute');
    clock.advance(1_000);
    assert.equal(await departments(), 0);
  });

  it('fails the next N calls with -1, optionally only for some APIs', async () => {
    sim.faults.set({ failNext: 2, apis: ['department/simplelist'] });
    assert.equal((await call('GET', 'externalcontact/get_follow_user_list', {}, token)).body.errcode, 0);
    const answer = await call('GET', 'department/simplelist', {}, token);
    assert.equal(answer.body.errcode, -1);
    assert.equal(answer.errorCode, '-1');
    assert.match(answer.body.errmsg, /^system busy, hint:/);
    assert.deepEqual([await departments(), await departments()], [-1, 0]);
  });

  it('fails a seeded share of calls with -1, the same calls for the same seed', async () => {
    const pattern = async (target: WecomSimulator, targetCall: ReturnType<typeof rawApi>) => {
      target.faults.set({ failureRate: 0.3 });
      const targetToken = await tokenFor(target);
      const codes: number[] = [];
      for (let index = 0; index < 100; index++) codes.push((await targetCall('GET', 'department/simplelist', {}, targetToken)).body.errcode);
      return codes;
    };
    const first = await pattern(sim, call);
    const twin = createWecomSimulator({ seed: 'faults', sizes: { customers: 50 }, settleIntervalMs: 0 });
    try {
      const second = await pattern(twin, rawApi(await twin.listen()));
      assert.deepEqual(second, first);
    } finally {
      await twin.close();
    }
    const failures = first.filter((code) => code === -1).length;
    assert.ok(failures >= 15 && failures <= 45, `about 30 of 100 failed, got ${failures}`);
  });

  it('adds latency', async () => {
    sim.faults.set({ latencyMs: 150 });
    const started = performance.now();
    assert.equal(await departments(), 0);
    assert.ok(performance.now() - started >= 145);
  });

  it('expires tokens early: after N calls, or all at once', async () => {
    sim.faults.set({ tokenExpiryAfterCalls: 2 });
    assert.deepEqual([await departments(), await departments(), await departments()], [0, 0, 42001]);
    token = await tokenFor(sim);
    assert.equal(await departments(), 0, 'gettoken hands out a new token after revocation');
    sim.faults.set({ tokenExpiryAfterCalls: null });
    sim.expireTokens();
    assert.equal(await departments(), 42001);
  });

  it('is controlled over HTTP at /sim/faults', async () => {
    const post = (body: unknown) => fetch(`${sim.url}/sim/faults`, { method: 'POST', body: JSON.stringify(body) }).then((response) => response.json() as Promise<Record<string, unknown>>);
    const settings = await post({ failNext: 1, latencyMs: 5 });
    assert.equal(settings.failNext, 1);
    assert.equal(await departments(), -1);
    await post({ expireTokens: true });
    assert.equal(await departments(), 42001);
    const reset = await post({ reset: true });
    assert.equal(reset.latencyMs, 0);
    const current = (await (await fetch(`${sim.url}/sim/faults`)).json()) as Record<string, unknown>;
    assert.equal(current.failNext, 0);
  });
});
