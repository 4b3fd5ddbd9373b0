// The printed main QR code / link follows the allocation method (issue 15, item 6), through the simulator:
// customers scan the main contact way / open the main acquisition link on the simulator, which gives them to
// whoever its range lists; each add goes through the acquisition event handler (fetch + apply, as the event
// worker runs it) and range upkeep then narrows the range to the sequence's next pick (update_contact_way /
// update_link on the simulator). Callback delivery is turned off and the handler and upkeep are driven
// directly so 1,000 customers take seconds; the callback path itself is covered in acquisition.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { AddCustomerResult } from '@scrm/wecom-sim';
import type { ExternalContactEvent } from '@scrm/wecom';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import { createRoutingRepository } from './routing.repository.ts';
import { createRoutingService, type RoutingService } from './routing.service.ts';
import { createRangeUpkeep, type RangeUpkeep } from './range-upkeep.ts';
import { createWecomPublisher } from './wecom-publisher.ts';
import { createAcquisitionEventHandler } from './acquisition-events.ts';
import { createLinkRepository } from './link.repository.ts';
import { localTime } from '../../platform/local-time.ts';
import { smoothWeighted } from './routing/route.ts';
import { ok } from './acquisition.testing.ts';

// 1,000 customers on PostgreSQL; the embedded database (one in-process session, several times slower per
// statement) plays the same scenarios at a fifth of the size — whole cycles of each sequence, so every
// assertion is the same one.
const SCALE = process.env.DATABASE_URL ? 5 : 1;
const CUSTOMERS = 200 * SCALE;
/** Round test: a's daily limit is 2R, b's R; after R rounds (6R customers) c alone takes the rest. */
const R = 10 * SCALE;
const ROUND_CUSTOMERS = 6 * R + 20 * SCALE;

// A thousand sequential adds with their range updates take ~20 s on an idle machine; the suite's own timeout
// leaves room for a loaded CI runner.
describe('the main QR code / link follows the allocation method', { timeout: 600_000 }, () => {
  let env: WecomTestEnv;
  let admin: Awaited<ReturnType<WecomTestEnv['login']>>;
  let employees: string[];
  let routing: RoutingService;
  let upkeep: RangeUpkeep;
  let handler: ReturnType<typeof createAcquisitionEventHandler>;
  let eventId = 1_000_000;

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 10, customers: 5 } });
    admin = await env.login();
    await env.syncOrg();
    employees = [...env.sim.state.employees.values()].filter((employee) => employee.customerContact && employee.status === 1).map((employee) => employee.userid).slice(0, 3);
    assert.equal(employees.length, 3);
    // Another replica's routing and upkeep on the same database and WeCom (the app's own run too, on publish).
    const now = () => env.clock.now;
    const timeZone = env.config.TZ_DEFAULT;
    const repository = createRoutingRepository(env.db);
    routing = createRoutingService({ routing: repository, main: repository, now, timeZone });
    upkeep = createRangeUpkeep({ db: env.db, now, timeZone, publisher: createWecomPublisher(() => env.wecom.client), sequence: routing });
    // These links mark no tags and send no welcome message: the tags module is not reached.
    const customerTags = {
      markInWecom: async () => assert.fail('no tags to mark'),
      recordCorpMark: async (_tx: unknown, _target: unknown, change: { add?: readonly string[] }) => assert.equal(change.add?.length ?? 0, 0),
    };
    const handlerDeps = { db: env.db, links: createLinkRepository(env.db), media: { attachments: async () => [] }, timeZone, customerTags };
    handler = createAcquisitionEventHandler(handlerDeps);
  });
  after(() => env?.close());

  /**
   * Publishes, then waits until range upkeep narrowed the main range to one employee (callbacks still on) and stored
   * that pick: upkeep writes WeCom first and SCRM a moment later, so WeCom's range alone does not say it is done.
   */
  async function publish(getType: 'link' | 'qr', body: object) {
    const saved = await ok(admin.post(`/scrm/admin/cust/get/${getType}/save`, { ...body, status: 1 }));
    assert.equal(saved.status, 1, saved.statusReason ?? '');
    const storedPick = async () =>
      (await env.db.execute<{ main_userid: string | null }>(sql`SELECT main_userid FROM acq_link WHERE id = ${saved.id}`)).rows[0]?.main_userid;
    const deadline = Date.now() + 10_000;
    while (mainRange(getType, saved.linkId).length !== 1 || (await storedPick()) !== mainRange(getType, saved.linkId)[0]) {
      if (Date.now() > deadline) assert.fail('the main range was never narrowed, in WeCom and in SCRM');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    env.sim.setCallbackUrl(undefined);
    return saved;
  }

  const mainRange = (getType: 'link' | 'qr', wecomId: string): string[] =>
    getType === 'qr' ? env.sim.state.contactWays.get(wecomId)!.user : env.sim.state.acquisitionLinks.get(wecomId)!.range.user_list;

  /** A customer scans the main QR / opens the main link on WeCom (the simulator picks from the range). */
  function scan(getType: 'link' | 'qr', saved: { linkId: string }): AddCustomerResult {
    return getType === 'qr' ? env.sim.actions.scanContactWay({ config_id: saved.linkId }) : env.sim.actions.openAcquisitionLink({ link_id: saved.linkId, customer_channel: (saved as any).state });
  }

  /** The add_external_contact event of that customer, handled as the event worker does. */
  async function added(result: AddCustomerResult, state: string) {
    const event: ExternalContactEvent = {
      kind: 'change_external_contact', changeType: 'add_external_contact', toUserName: 'corp', fromUserName: 'sys',
      createTime: Math.floor(env.clock.now / 1000), userId: result.userid, externalUserId: result.external_userid, state,
    };
    const ctx = { wecom: env.wecom, eventId: ++eventId, attempt: 1, now: () => env.clock.now };
    const fetched = await handler.fetch!(event, ctx);
    await env.db.transaction((tx) => handler.apply(event, fetched, { ...ctx, tx }));
  }

  const tally = (userids: string[]) => Object.fromEntries(employees.map((userid) => [userid, userids.filter((u) => u === userid).length]));

  test('weight 3:2:2, 1,000 customers (PostgreSQL) through the main QR one after another: the smooth sequence, each employee its share ±1, and /open/route/hit continues the same sequence', async () => {
    const [a, b, c] = employees;
    const saved = await publish('qr', {
      linkName: 'Poster QR', allocationMethod: 'weight', userList: employees,
      allocationRules: [{ userId: a, weight: 3 }, { userId: b, weight: 2 }, { userId: c, weight: 2 }],
    });
    const ruleOf = new Map<number, string>(saved.allocationRules.map((rule: any) => [rule.id, rule.userId]));
    const got: string[] = [];
    const started = Date.now();
    for (let i = 0; i < CUSTOMERS; i++) {
      const result = scan('qr', saved);
      got.push(result.userid);
      await added(result, saved.state);
      await upkeep.reconcile('qr', saved.id);
    }
    const elapsed = Date.now() - started;
    // The sequence the pure engine gives for 3:2:2 — a b c a b c a, repeated — not a random draw.
    const pool = saved.allocationRules.map((rule: any) => ({ id: rule.id, weight: rule.weight }));
    let current: Record<string, number> = {};
    const expected: string[] = [];
    for (let i = 0; i < CUSTOMERS + 2; i++) {
      const step = smoothWeighted(pool, current);
      current = step.current;
      expected.push(ruleOf.get(step.chosen)!);
    }
    assert.deepEqual(got.slice(0, 7), [a, b, c, a, b, c, a]);
    assert.deepEqual(got, expected.slice(0, CUSTOMERS), 'every customer went where the sequence said');
    const shares = tally(got);
    for (const [userid, weight] of [[a, 3], [b, 2], [c, 2]] as const) {
      assert.ok(Math.abs(shares[userid] - (CUSTOMERS * weight) / 7) <= 1, `${userid}: ${shares[userid]} of ${CUSTOMERS} for weight ${weight}/7`);
    }
    // What SCRM counted matches what WeCom did.
    const counted = await env.db.execute<{ userid: string; n: number }>(sql`SELECT userid, count(*)::int AS n FROM acq_add WHERE acq_link_id = ${saved.id} GROUP BY userid`);
    assert.deepEqual(Object.fromEntries(counted.rows.map((row) => [row.userid, Number(row.n)])), shares);
    // The main QR now holds pick 1,001 (its range on WeCom); a visitor of /open/route/hit gets pick 1,002.
    assert.deepEqual(mainRange('qr', saved.linkId), [expected[CUSTOMERS]]);
    const hit = await routing.hit('qr', saved.id);
    assert.equal(hit.userId, expected[CUSTOMERS + 1]);
    console.log(`# main QR, weight: ${CUSTOMERS} customers one after another in ${elapsed} ms (${(elapsed / CUSTOMERS).toFixed(1)} ms per add + range update)`);
  });

  test('round with round and daily limits, through the main acquisition link: the rounds in order, daily limits exact', async () => {
    const [a, b, c] = employees;
    const saved = await publish('link', {
      linkName: 'Round poster', allocationMethod: 'round', userList: employees,
      allocationRules: [
        { userId: a, roundLimit: 2, dailyLimit: 2 * R },
        { userId: b, roundLimit: 1, dailyLimit: R },
        { userId: c, roundLimit: 3 },
      ],
    });
    const got: string[] = [];
    for (let i = 0; i < ROUND_CUSTOMERS; i++) {
      const result = scan('link', saved);
      got.push(result.userid);
      await added(result, saved.state);
      await upkeep.reconcile('link', saved.id);
    }
    // Rounds of a a b c c c until a and b reach their limits together (round R), then c alone.
    assert.deepEqual(got.slice(0, 6 * R), Array.from({ length: R }, () => [a, a, b, c, c, c]).flat());
    assert.ok(got.slice(6 * R).every((userid) => userid === c));
    const cTotal = ROUND_CUSTOMERS - 3 * R;
    assert.deepEqual(tally(got), { [a]: 2 * R, [b]: R, [c]: cTotal });
    const { day } = localTime(new Date(env.clock.now), env.config.TZ_DEFAULT);
    const counts = await env.db.execute<{ user_id: string; count: number }>(sql`
      SELECT r.user_id, greatest(d.hits + d.held, d.adds)::int AS count FROM acq_rule_day d JOIN acq_rule r ON r.id = d.rule_id
      WHERE r.acq_link_id = ${saved.id} AND d.day = ${day}`);
    const today = Object.fromEntries(counts.rows.map((row) => [row.user_id, Number(row.count)]));
    assert.equal(today[a], 2 * R);
    assert.equal(today[b], R);
    assert.equal(today[c], cTotal + 1, "c's customers and the place held for the next one");
    assert.deepEqual(mainRange('link', saved.linkId), [c]);
    roundPoster = { id: saved.id, day };
  });
  let roundPoster: { id: number; day: string };

  test('bursts faster than WeCom takes the update (5 scans per range update): the shares converge, no daily limit exceeded by more than the scans in flight', async () => {
    const [a, b, c] = employees;
    const BURST = 5;
    /** `bursts` times: five customers scan before the first add reaches SCRM, all given to the one in the range. */
    async function play(saved: any, bursts: number): Promise<string[]> {
      const got: string[] = [];
      for (let burst = 0; burst < bursts; burst++) {
        const results = Array.from({ length: BURST }, () => scan('qr', saved));
        for (const result of results) {
          got.push(result.userid);
          await added(result, saved.state);
        }
        await upkeep.reconcile('qr', saved.id);
      }
      return got;
    }
    const weighted = await publish('qr', {
      linkName: 'Busy booth', allocationMethod: 'weight', userList: employees,
      allocationRules: [{ userId: a, weight: 3 }, { userId: b, weight: 2 }, { userId: c, weight: 2 }],
    });
    const got = await play(weighted, 14 * SCALE);
    // Every burst goes to one employee, yet each ends within a burst of its 3:2:2 share, at every point.
    for (const n of [35, 70, 35 * SCALE, 70 * SCALE]) {
      const shares = tally(got.slice(0, n));
      for (const [userid, weight] of [[a, 3], [b, 2], [c, 2]] as const) {
        assert.ok(Math.abs(shares[userid] - (n * weight) / 7) <= BURST, `after ${n}: ${userid} has ${shares[userid]} for weight ${weight}/7`);
      }
    }

    const limited = await publish('qr', {
      linkName: 'Busy booth, limited', allocationMethod: 'round', userList: employees,
      allocationRules: [{ userId: a, dailyLimit: 12 }, { userId: b, dailyLimit: 20 }, { userId: c }],
    });
    const shares = tally(await play(limited, 20));
    assert.ok(shares[a] >= 12 && shares[a] <= 12 + BURST - 1, `a's daily limit of 12: ${shares[a]}`);
    assert.ok(shares[b] >= 20 && shares[b] <= 20 + BURST - 1, `b's daily limit of 20: ${shares[b]}`);
    assert.equal(shares[a] + shares[b] + shares[c], 100);
  });

  test('working hours and midnight: a held pick outside its hours is given back, a full day falls back to the whole range, the next day starts again', async () => {
    const [a, b] = employees;
    const { minuteOfDay } = localTime(new Date(env.clock.now), env.config.TZ_DEFAULT);
    const hhmm = (minute: number) => `${String(Math.floor(((minute + 1440) % 1440) / 60)).padStart(2, '0')}:${String(((minute + 1440) % 1440) % 60).padStart(2, '0')}`;
    // b works from an hour ago for two hours; a takes one customer a day.
    const saved = await publish('qr', {
      linkName: 'Shop window', allocationMethod: 'weight', userList: [a, b],
      allocationRules: [{ userId: a, weight: 1, dailyLimit: 1 }, { userId: b, weight: 5, workingHours: `${hhmm(minuteOfDay - 60)}-${hhmm(minuteOfDay + 60)}` }],
    });
    const [ruleA, ruleB] = saved.allocationRules;
    const day = () => localTime(new Date(env.clock.now), env.config.TZ_DEFAULT).day;
    const places = async (ruleId: number) =>
      (await env.db.execute<{ held: number; adds: number }>(sql`SELECT held, adds FROM acq_rule_day WHERE rule_id = ${ruleId} AND day = ${day()}`)).rows.map((row) => [Number(row.held), Number(row.adds)])[0] ?? [0, 0];
    assert.deepEqual(mainRange('qr', saved.linkId), [b], 'b first (weight 5)');
    assert.deepEqual(await places(ruleB.id), [1, 0], 'the pick holds a place of b');

    // b's window closes (the boundary check): the pick goes back, its place too, and a is held instead.
    env.clock.now += 90 * 60_000;
    await upkeep.reconcile('qr', saved.id);
    assert.deepEqual(mainRange('qr', saved.linkId), [a]);
    assert.deepEqual(await places(ruleB.id), [0, 0]);

    // a's one customer of the day: nobody is left (b outside its hours, a full), so WeCom gets the whole range.
    const result = scan('qr', saved);
    assert.equal(result.userid, a);
    await added(result, saved.state);
    await upkeep.reconcile('qr', saved.id);
    assert.deepEqual(mainRange('qr', saved.linkId).slice().sort(), [a, b].sort());
    assert.equal((await ok(admin.get('/scrm/admin/cust/get/qr/get', { id: saved.id }))).mainUserid, null);

    // The next day, in b's hours again (the midnight check): b is held again.
    env.clock.now += 24 * 3600_000 - 90 * 60_000;
    await upkeep.reconcile('qr', saved.id);
    assert.deepEqual(mainRange('qr', saved.linkId), [b]);
    assert.equal((await ok(admin.get('/scrm/admin/cust/get/qr/get', { id: saved.id }))).mainUserid, b);
  });

  test("a link's statistics: adds and route/hit visitors per employee and per day, by name, over the last days", async () => {
    const [a, b, c] = employees;
    const nameOf = (userid: string) => env.sim.state.employees.get(userid)!.name;
    // The next day (the test before moved the clock on): three visitors routed by /open/route/hit.
    const { day: today } = localTime(new Date(env.clock.now), env.config.TZ_DEFAULT);
    assert.notEqual(today, roundPoster.day);
    const routed: string[] = [];
    for (let i = 0; i < 3; i++) routed.push((await routing.hit('link', roundPoster.id)).userId!);
    const stats = await ok(admin.get('/scrm/admin/cust/get/link/stats', { id: roundPoster.id, days: 7 }));
    assert.equal(stats.linkName, 'Round poster');
    assert.equal(stats.to, today);
    assert.equal(stats.days.length, 7);
    assert.equal(stats.from, stats.days[0].day);
    assert.deepEqual(stats.days.filter((row: any) => row.adds || row.hits), [
      { day: roundPoster.day, adds: ROUND_CUSTOMERS, hits: 0 },
      { day: today, adds: 0, hits: 3 },
    ]);
    assert.deepEqual(
      stats.employees.map((row: any) => [row.name, row.adds, row.hits, row.departed]),
      [[nameOf(c), ROUND_CUSTOMERS - 3 * R, routed.filter((u) => u === c).length, false], [nameOf(a), 2 * R, routed.filter((u) => u === a).length, false], [nameOf(b), R, routed.filter((u) => u === b).length, false]],
    );
    assert.equal(stats.employees[0].share, (ROUND_CUSTOMERS - 3 * R) / ROUND_CUSTOMERS);
    assert.deepEqual(stats.totals, { adds: ROUND_CUSTOMERS, hits: 3, opens: null, addFriendCount: ROUND_CUSTOMERS });
    const addsOf: Record<string, number> = { [a]: 2 * R, [b]: R, [c]: ROUND_CUSTOMERS - 3 * R };
    assert.deepEqual(
      stats.byDay.map((row: any) => [row.day, row.name, row.adds]),
      [a, b, c].sort().map((userid) => [roundPoster.day, nameOf(userid), addsOf[userid]]),
    );
    // Only the period asked for: yesterday's adds are outside "today only".
    const todayOnly = await ok(admin.get('/scrm/admin/cust/get/link/stats', { id: roundPoster.id, days: 1 }));
    assert.deepEqual([todayOnly.totals.adds, todayOnly.totals.hits, todayOnly.days.length], [0, 3, 1]);
    // Hostile or odd input: a 4xx in the envelope.
    assert.equal((await admin.get('/scrm/admin/cust/get/link/stats', { id: roundPoster.id, days: 100000 })).status, 400);
    assert.equal((await admin.get('/scrm/admin/cust/get/qr/stats', { id: roundPoster.id })).status, 404, 'a link is not a QR code');
    // An employee SCRM does not know (gone from the mirror and from the link's own list): null, never the account.
    await env.db.execute(sql`DELETE FROM qw_emp WHERE userid = ${c}`);
    await env.db.execute(sql`UPDATE acq_link SET user_json = '[]'::jsonb WHERE id = ${roundPoster.id}`);
    const unknown = await ok(admin.get('/scrm/admin/cust/get/link/stats', { id: roundPoster.id, days: 7 }));
    assert.deepEqual(unknown.employees.map((row: any) => [row.userid, row.name]), [[c, null], [a, nameOf(a)], [b, nameOf(b)]]);
    assert.deepEqual(unknown.byDay.filter((row: any) => row.userid === c).map((row: any) => row.name), [null]);
  });
});
