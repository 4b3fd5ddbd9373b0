import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WecomApiError, WecomRequestError } from '@scrm/wecom';
import {
  WECOM_ERRORS,
  WecomError,
  asWecomError,
  describeWecomError,
  failureText,
  readStoredFailure,
  renderWecomFailure,
  wecomFailureOf,
} from './wecom-errors.ts';
import { AppError } from './http/errors.ts';

/** The codes issue 15 names, and the 41xxx codes of the APIs SCRM calls (contact ways, welcome messages, activation). */
const REQUIRED = [
  84074, 84061, 40096, 40097, 40098, 48002, 48009, 60020, 45009, 40014, 42001, 41001, 41035, 41037, 41038, 41039, 41040, 41041, 41042, 41043,
  41044, 41045, 41050, 41051, 41053, 41054, 41056, 41096, -1, 6000, 40001, 40003, 40013, 40058, 40068, 40071, 40091, 45033, 60011, 60111,
  60123, 86003, 90500,
  // 群发, moments and transfers (API-FACTS-OPERATIONS §17.7, §18.6, §20.3).
  40007, 41046, 41047, 41048, 41063, 41064, 41065, 41093, 41094, 86214, 41059, 41060, 41061, 41062, 41067, 41072, 41078, 41079, 41080, 41081,
  41082, 41088, 41089, 41090, 40131, 40099, 40100, 40128, 40129, 40130, 40143, 40205,
  // 入群欢迎语素材 and chat sensitive-word rules (§19, §21).
  41055, 41058, 41068, 41069, 41070, 41071, 41076, 41077, 41083, 41084,
];
const PLACEHOLDER = /\{(\w+)\}/g;

describe('the WeCom error table', () => {
  it('has every required code, in Chinese and English, saying what happened and what to do', () => {
    for (const code of REQUIRED) {
      const entry = WECOM_ERRORS[code];
      assert.ok(entry, `errcode ${code} is missing`);
      assert.match(entry.zh, /[\u4e00-\u9fff].*：.+/, `errcode ${code} zh: what happened：what to do`);
      assert.match(entry.en, /\S: [a-zA-Z].+/, `errcode ${code} en: what happened: what to do (${entry.en})`);
      assert.deepEqual(
        [...entry.zh.matchAll(PLACEHOLDER)].map((match) => match[1]).sort(),
        [...entry.en.matchAll(PLACEHOLDER)].map((match) => match[1]).sort(),
        `errcode ${code}: the same placeholders in both languages`,
      );
    }
  });

  it('fills every placeholder of every entry, with the names given or with a neutral word', () => {
    for (const [code, entry] of Object.entries(WECOM_ERRORS)) {
      for (const locale of ['zh', 'en'] as const) {
        const named = describeWecomError(Number(code), locale, { name: '丁倩', customer: '王小明' });
        const anonymous = describeWecomError(Number(code), locale);
        assert.doesNotMatch(named, PLACEHOLDER, `${code} ${locale}`);
        assert.doesNotMatch(anonymous, PLACEHOLDER, `${code} ${locale}`);
        if (entry[locale].includes('{name}')) {
          assert.ok(named.includes('丁倩'), `${code} ${locale}: ${named}`);
          assert.ok(anonymous.includes(locale === 'zh' ? '该成员' : 'employee'), `${code} ${locale}: ${anonymous}`);
        }
        if (entry[locale].includes('{customer}')) assert.ok(named.includes('王小明'), `${code} ${locale}: ${named}`);
        if (locale === 'en') assert.match(anonymous, /^[A-Z]/, `${code}: an English sentence starts with a capital`);
      }
    }
  });

  it('84074 names the employee and says where to grant 客户联系', () => {
    assert.equal(describeWecomError(84074, 'zh', { name: '丁倩' }), '丁倩没有客户联系权限：请在企业微信管理后台「客户联系 → 权限配置」中添加');
    assert.equal(
      describeWecomError(84074, 'en', { name: 'Ding Qian' }),
      'Ding Qian has no customer-contact (客户联系) permission: add it in the WeCom admin console under Customer Contact → Permissions',
    );
    assert.equal(describeWecomError(84074, 'en'), 'The employee has no customer-contact (客户联系) permission: add it in the WeCom admin console under Customer Contact → Permissions');
  });

  it('群发 and moment codes say what happened and what to do in words', () => {
    assert.equal(describeWecomError(41094, 'zh'), '提醒过于频繁（每条群发 24 小时内最多提醒成员 3 次）：请 24 小时后再提醒');
    assert.equal(describeWecomError(41094, 'en'), 'Reminders are too frequent (at most 3 reminders per broadcast within 24 hours): remind them again after 24 hours');
    assert.equal(describeWecomError(41062, 'zh', { name: '丁倩' }), '丁倩尚未发表这条企业朋友圈：无需处理，成员在企业微信中发表后才能查看其可见客户和发表情况，可提醒其发表');
    assert.match(describeWecomError(41090, 'en'), /^The video format is not supported \(moments take MP4 only\): convert it to MP4/);
    // Rate limits and a busy dispatch answer 503 (try again), a cancelled broadcast 400.
    assert.equal((asWecomError(new WecomApiError(45009, 'api freq out of limit', 'externalcontact/add_msg_template')) as WecomError).status, 503);
    assert.equal((asWecomError(new WecomApiError(41093, 'group msg is cancelled', 'externalcontact/remind_groupmsg_send')) as WecomError).status, 400);
  });

  it('an unknown code gets a generic sentence with the code', () => {
    assert.equal(WECOM_ERRORS[99999], undefined);
    assert.match(describeWecomError(99999, 'zh'), /错误码 99999/);
    assert.match(describeWecomError(99999, 'en'), /code 99999/);
  });
});

describe('a WeCom failure as an operator-facing error', () => {
  const refused = new WecomApiError(84074, 'no external contact privilege: dingqian, hint: [1_2_3]', 'externalcontact/customer_acquisition/create_link');

  it('answers the message in the caller language, the raw code and errmsg as detail', () => {
    const error = asWecomError(refused, { name: '丁倩' });
    assert.ok(error instanceof WecomError && error instanceof AppError);
    assert.equal(error.status, 400);
    assert.equal(error.render('zh'), '丁倩没有客户联系权限：请在企业微信管理后台「客户联系 → 权限配置」中添加');
    assert.match(error.render('en'), /^丁倩 has no customer-contact/);
    assert.deepEqual(error.data, {
      errcode: 84074,
      errmsg: refused.errmsg,
      api: refused.api,
      detail: 'errcode 84074: no external contact privilege: dingqian, hint: [1_2_3]',
    });
  });

  it('maps busy and rate limits to 503, a taken name to 409, no answer to 502', () => {
    assert.equal((asWecomError(new WecomApiError(45009, 'api freq out of limit', 'x')) as WecomError).status, 503);
    assert.equal((asWecomError(new WecomApiError(-1, 'system busy', 'x')) as WecomError).status, 503);
    assert.equal((asWecomError(new WecomApiError(40071, 'UserTag Name Already Exist', 'x')) as WecomError).status, 409);
    const unreachable = asWecomError(new WecomRequestError('timeout', 'user/get', 'no answer in 10 s')) as WecomError;
    assert.equal(unreachable.status, 502);
    assert.match(unreachable.render('zh'), /暂时无法连接企业微信/);
    assert.match(renderWecomFailure(unreachable.failure, 'en').detail, /user\/get: .*timeout/);
  });

  it('leaves other errors as they are', () => {
    const other = new Error('boom');
    assert.equal(asWecomError(other), other);
    assert.equal(wecomFailureOf(other), null);
  });

  it('a stored failure is read back in each reader language, with its details line', () => {
    const stored = failureText(refused, { name: '丁倩' });
    assert.deepEqual(readStoredFailure(stored, 'zh'), {
      message: '丁倩没有客户联系权限：请在企业微信管理后台「客户联系 → 权限配置」中添加',
      detail: 'errcode 84074: no external contact privilege: dingqian, hint: [1_2_3]',
    });
    assert.match(readStoredFailure(stored, 'en')!.message, /^丁倩 has no customer-contact/);
    // Reasons stored before the table ("<errcode> <errmsg>") are translated too; other text stays as it is.
    assert.deepEqual(readStoredFailure('84074 no external contact privilege: dingqian', 'zh'), {
      message: '该成员没有客户联系权限：请在企业微信管理后台「客户联系 → 权限配置」中添加',
      detail: 'errcode 84074: no external contact privilege: dingqian',
    });
    assert.deepEqual(readStoredFailure('disk full', 'en'), { message: 'disk full', detail: null });
    assert.equal(readStoredFailure(null, 'en'), null);
    assert.equal(failureText(new Error('disk full')), 'disk full');
  });
});

describe('a failed job keeps the error message; its reader gets it translated', () => {
  it('reads the client errors and WecomError messages a job stores', () => {
    const apiError = new WecomApiError(48009, 'api forbidden for contact assistant, hint: [x]', 'user/list_id');
    assert.deepEqual(readStoredFailure(apiError.message, 'zh'), {
      message: '企业微信不允许通讯录同步助手的 Secret 从新的 IP 读取通讯录：请改用自建应用的 Secret，并在该应用的「企业可信IP」中添加本服务器的出口 IP',
      detail: 'errcode 48009: api forbidden for contact assistant, hint: [x]',
    });
    const wrapped = asWecomError(new WecomApiError(60020, 'not allow to access from your ip', 'department/list')) as WecomError;
    assert.match(readStoredFailure(wrapped.message, 'en')!.message, /^This server's IP is not among the app's trusted IPs: /);
    const timeout = new WecomRequestError('timeout', 'user/get', 'no answer');
    assert.match(readStoredFailure(timeout.message, 'en')!.message, /^WeCom cannot be reached/);
  });

  it("keeps one of SCRM's own refusals as its message key, read in words in each reader's language", () => {
    const stored = failureText(new AppError(404, 'notFound', { entity: 'x', id: 7 }));
    assert.ok(!stored.includes('notFound {'), stored);
    assert.deepEqual(readStoredFailure(stored, 'zh'), { message: 'x不存在：7', detail: null });
    assert.deepEqual(readStoredFailure(stored, 'en'), { message: 'x 7 not found', detail: null });
  });
});
