import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { WecomClient } from '@scrm/wecom';
import { createWecomSimulator } from './simulator.ts';

describe('mounting and persistence', () => {
  it('mounts under a prefix in a host app without touching the host parsers or 404s', async () => {
    const sim = createWecomSimulator({ seed: 'mounted', sizes: { customers: 30 }, settleIntervalMs: 0 });
    const host = Fastify();
    host.setNotFoundHandler((_request, reply) => reply.code(404).send({ host: 'not found' }));
    host.post('/echo', (request) => ({ received: request.body }));
    await host.register(sim.plugin, { prefix: '/wecom-sim' });
    await host.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = host.server.address() as { port: number };
      const origin = `http://127.0.0.1:${address.port}`;
      const { corpId, secret } = sim.credentials();
      const client = new WecomClient({ corpId, secret, baseUrl: `${origin}/wecom-sim` });
      const departments = await client.contacts.listDepartments();
      assert.equal(departments.department.length, sim.state.departments.size);
      // The host's own JSON parsing and 404 handler are untouched.
      const echoed = await (await fetch(`${origin}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })).json();
      assert.deepEqual(echoed, { received: { a: 1 } });
      assert.deepEqual(await (await fetch(`${origin}/elsewhere`)).json(), { host: 'not found' });
      const unknownApi = await fetch(`${origin}/wecom-sim/cgi-bin/no/such`);
      assert.equal(unknownApi.status, 404);
      assert.equal(((await unknownApi.json()) as { errcode: number }).errcode, 48001);
      const summary = (await (await fetch(`${origin}/wecom-sim/sim/summary`)).json()) as { corpId: string };
      assert.equal(summary.corpId, corpId);
      const scanned = await fetch(`${origin}/wecom-sim/sim/scan-contact-way`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ config_id: [...sim.state.contactWays.keys()][0] }) });
      assert.equal(scanned.status, 200);
      const missing = await fetch(`${origin}/wecom-sim/sim/actions/scanContactWay`, { method: 'POST', body: JSON.stringify({ config_id: 'nope' }) });
      assert.equal(missing.status, 404);
    } finally {
      await host.close();
      await sim.close();
    }
  });

  it('a host can guard /sim/* (not /cgi-bin/*) and fix the callback URL', async () => {
    const sim = createWecomSimulator({ seed: 'guarded', sizes: { customers: 10 }, settleIntervalMs: 0, callback: { url: 'http://127.0.0.1:9/portal' } });
    const host = Fastify();
    const guarded: string[] = [];
    await host.register(sim.plugin, {
      prefix: '/wecom-sim',
      fixedCallbackUrl: true,
      simGuard: async (request, reply) => {
        guarded.push(request.url);
        if (request.headers.token !== 'letmein') return reply.code(401).send({ error: 'sign in' });
      },
    });
    try {
      const refused = await host.inject({ method: 'POST', url: '/wecom-sim/sim/add-customer', payload: { userid: [...sim.state.employees.keys()][0] } });
      assert.equal(refused.statusCode, 401);
      assert.equal((await host.inject({ method: 'GET', url: '/wecom-sim/sim/info' })).statusCode, 401);
      assert.equal((await host.inject({ method: 'GET', url: '/wecom-sim/sim/info', headers: { token: 'letmein' } })).statusCode, 200);
      const { corpId, secret } = sim.credentials();
      const token = await host.inject({ method: 'GET', url: '/wecom-sim/cgi-bin/gettoken', query: { corpid: corpId, corpsecret: secret } });
      assert.equal(token.json().errcode, 0);
      assert.ok(guarded.every((url) => url.startsWith('/wecom-sim/sim/')), 'the guard runs for /sim/* only');
      const moved = await host.inject({ method: 'POST', url: '/wecom-sim/sim/callback', headers: { token: 'letmein' }, payload: { url: 'http://elsewhere.example/' } });
      assert.equal(moved.statusCode, 404);
      assert.equal(sim.credentials().callbackUrl, 'http://127.0.0.1:9/portal');
    } finally {
      await host.close();
      await sim.close();
    }
  });

  it('a restored simulator continues the same corp: same credentials, data and id sequence', async () => {
    const first = createWecomSimulator({ seed: 'persist', sizes: { customers: 40 }, settleIntervalMs: 0 });
    const employee = first.actions.createEmployee({ userid: 'persisted', name: '持久化' });
    const added = first.actions.addCustomer({ userid: employee.userid });
    const saved = JSON.parse(JSON.stringify(first.toJSON()));
    const restored = createWecomSimulator({ snapshot: saved, settleIntervalMs: 0 });
    assert.deepEqual(restored.credentials(), first.credentials());
    assert.ok(restored.state.relation('persisted', added.external_userid));
    // Both continue the same seeded sequence, so they issue the same next id (and never an old one).
    const next = restored.actions.addCustomer({ userid: 'persisted' }).external_userid;
    assert.equal(first.actions.addCustomer({ userid: 'persisted' }).external_userid, next);
    assert.notEqual(next, added.external_userid);
    // fromJSON swaps the state of a running simulator.
    const other = createWecomSimulator({ seed: 'other', sizes: { customers: 10 }, settleIntervalMs: 0 });
    other.fromJSON(saved);
    assert.equal(other.credentials().corpId, first.credentials().corpId);
    await Promise.all([first.close(), restored.close(), other.close()]);
  });
});
