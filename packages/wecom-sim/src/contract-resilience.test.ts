// The client's resilience proven against the simulator's fault injection: token refetch on early
// expiry, -1 retried with exponential backoff, 45009 waited out, timeouts on slow answers.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { WecomApiError, WecomClient, WecomRequestError, type WecomClientOptions } from '@scrm/wecom';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';

describe('WecomClient resilience against simulator faults', () => {
  let sim: WecomSimulator;
  /** API paths the client requested, in order (gettoken included). */
  let requested: string[];
  let sleeps: number[];

  const makeClient = (options: Partial<WecomClientOptions> = {}) => {
    const { corpId, secret } = sim.credentials();
    return new WecomClient({
      corpId,
      secret,
      baseUrl: sim.url,
      fetch: (input, init) => {
        requested.push(new URL(String(input)).pathname.replace('/cgi-bin/', ''));
        return fetch(input, init);
      },
      sleep: async (milliseconds) => {
        sleeps.push(milliseconds);
      },
      ...options,
    });
  };

  before(async () => {
    sim = createWecomSimulator({ seed: 'resilience', sizes: { customers: 100 }, settleIntervalMs: 0 });
    await sim.listen();
  });
  beforeEach(() => {
    sim.faults.reset();
    requested = [];
    sleeps = [];
  });
  after(() => sim.close());

  it('refetches the token once when WeCom expires it early (42001), without spending a retry', async () => {
    const client = makeClient();
    await client.contacts.listDepartmentsSimple();
    sim.expireTokens();
    const answer = await client.contacts.listDepartmentsSimple();
    assert.equal(answer.department_id.length, sim.state.departments.size);
    assert.deepEqual(requested, ['gettoken', 'department/simplelist', 'department/simplelist', 'gettoken', 'department/simplelist']);
    assert.deepEqual(sleeps, []);
  });

  it('keeps working when every token dies after two calls', async () => {
    const client = makeClient();
    sim.faults.set({ tokenExpiryAfterCalls: 2 });
    for (let index = 0; index < 6; index++) await client.externalContact.getFollowUserList();
    assert.equal(requested.filter((path) => path === 'gettoken').length, 3);
    assert.equal(requested.filter((path) => path === 'externalcontact/get_follow_user_list').length, 8, '6 answered calls + 2 rejected with 42001');
  });

  it('retries -1 with exponential backoff and succeeds', async () => {
    const client = makeClient();
    await client.getAccessToken();
    sim.faults.set({ failNext: 2 });
    const answer = await client.externalContact.getFollowUserList();
    assert.ok(answer.follow_user.length > 0);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps[0] >= 200 && sleeps[0] <= 240, `first backoff about 200 ms, got ${sleeps[0]}`);
    assert.ok(sleeps[1] >= 400 && sleeps[1] <= 480, `second backoff about 400 ms, got ${sleeps[1]}`);
    assert.equal(sim.faults.counters.failed >= 2, true);
  });

  it('gives up after 3 retries of -1 with the WeCom error', async () => {
    const client = makeClient();
    await client.getAccessToken();
    sim.faults.set({ failNext: 10 });
    await assert.rejects(client.externalContact.getFollowUserList(), (error: unknown) => error instanceof WecomApiError && error.errcode === -1 && error.api === 'externalcontact/get_follow_user_list');
    assert.equal(requested.filter((path) => path === 'externalcontact/get_follow_user_list').length, 4);
    assert.equal(sleeps.length, 3);
  });

  it('survives a seeded 30% share of -1 answers over many calls', async () => {
    const client = makeClient();
    sim.faults.set({ failureRate: 0.3 });
    for (let index = 0; index < 30; index++) await client.contacts.getDepartment(1);
    assert.ok(sim.faults.counters.failed > 0);
  });

  it('waits out 45009 and retries until the rate window opens again', async () => {
    // Real waits here: the simulator's window is wall-clock time.
    const realSleep = (milliseconds: number) => {
      sleeps.push(milliseconds);
      return new Promise<void>((resolve) => setTimeout(resolve, milliseconds));
    };
    const client = makeClient({ sleep: realSleep, retry: { rateLimitDelayMs: 300 } });
    await client.getAccessToken();
    sim.faults.set({ rateLimit: { calls: 2, windowMs: 1000 } });
    const started = performance.now();
    const results = [];
    for (let index = 0; index < 3; index++) results.push(await client.contacts.getDepartment(2));
    const elapsed = performance.now() - started;
    assert.equal(results.length, 3);
    assert.ok(sim.faults.counters.rateLimited >= 1, 'the third call was rate limited at least once');
    assert.ok(sleeps.length >= 1 && sleeps[0] >= 300, `waited ${sleeps.join(', ')}`);
    assert.ok(elapsed >= 950, `the call only succeeded once the window reopened (${Math.round(elapsed)} ms)`);
  });

  it('times out a slow answer and retries reads', async () => {
    const client = makeClient({ timeoutMs: 100, retry: { maxRetries: 1 } });
    await client.getAccessToken();
    sim.faults.set({ latencyMs: 250 });
    await assert.rejects(client.contacts.getDepartment(1), (error: unknown) => error instanceof WecomRequestError && error.failure === 'timeout');
    assert.equal(requested.filter((path) => path === 'department/get').length, 2, 'a read is retried once after a timeout');
  });
});
