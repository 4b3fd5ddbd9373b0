import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cellText, isBlankRow, mapHeaders, normaliseHeader, normaliseMobile, parseGender, rowValues, validateRow } from './lead-import-rows.ts';
import { settleContacts, startOfLocalDay } from './leads.service.ts';

describe('import headers', () => {
  it('normalises marks, spaces and case', () => {
    assert.equal(normaliseHeader(' *手机号（必填） '), '手机号');
    assert.equal(normaliseHeader('姓名(required)'), '姓名');
    assert.equal(normaliseHeader('Email'), 'email');
    assert.equal(normaliseHeader('备 注：'), '备注');
  });

  it('maps Chinese headers in any order, aliases, and ignores extra columns', () => {
    // exceljs row values start at index 1
    const mapping = mapHeaders([undefined, '备注', '无关列', '手机号码', '*姓名', '微信', '邮箱', '手机']);
    assert.deepEqual([...mapping.fields], [[1, 'remark'], [3, 'phone'], [4, 'name'], [5, 'wechat'], [6, 'email']]);
    assert.deepEqual(mapping.missing, []);
  });

  it('reports missing required columns', () => {
    assert.deepEqual(mapHeaders([undefined, '姓名', '公司']).missing, ['phone']);
    assert.deepEqual(mapHeaders([]).missing, ['name', 'phone']);
  });
});

describe('cells', () => {
  it('reads what exceljs gives as text', () => {
    assert.equal(cellText(13800138000), '13800138000');
    assert.equal(cellText(1.5), '1.5');
    assert.equal(cellText('  a '), 'a');
    assert.equal(cellText({ richText: [{ text: '张' }, { text: '三 ' }] }), '张三');
    assert.equal(cellText({ text: 'x@y.cn', hyperlink: 'mailto:x@y.cn' }), 'x@y.cn');
    assert.equal(cellText({ formula: 'A1', result: 138 }), '138');
    assert.equal(cellText({ error: '#N/A' }), '');
    assert.equal(cellText(null), '');
    assert.equal(cellText(undefined), '');
    assert.equal(cellText(true), 'TRUE');
  });

  it('normalises mainland mobiles', () => {
    assert.equal(normaliseMobile('13800138000'), '13800138000');
    assert.equal(normaliseMobile('138 0013 8000'), '13800138000');
    assert.equal(normaliseMobile('138-0013-8000'), '13800138000');
    assert.equal(normaliseMobile('+8613800138000'), '13800138000');
    assert.equal(normaliseMobile('8613800138000'), '13800138000');
    assert.equal(normaliseMobile('12800138000'), null);
    assert.equal(normaliseMobile('1380013800'), null);
    assert.equal(normaliseMobile('138001380001'), null);
    assert.equal(normaliseMobile('abc'), null);
    assert.equal(normaliseMobile('02112345678'), null);
  });

  it('parses gender', () => {
    assert.equal(parseGender(''), 0);
    assert.equal(parseGender('男'), 1);
    assert.equal(parseGender('女'), 2);
    assert.equal(parseGender('Female'), 2);
    assert.equal(parseGender('未知'), 0);
    assert.equal(parseGender('x'), null);
  });
});

describe('row validation', () => {
  const mapping = mapHeaders([undefined, '姓名', '手机号', '邮箱', '性别', '公司']);
  const values = (cells: unknown[]) => rowValues([undefined, ...cells], mapping);

  it('accepts a good row', () => {
    const verdict = validateRow(values(['张三', '138 0013 8000', 'A@B.cn', '男', '公司']));
    assert.ok('lead' in verdict);
    assert.equal(verdict.lead.phone, '13800138000');
    assert.equal(verdict.lead.gender, 1);
    assert.equal(verdict.lead.company, '公司');
    assert.equal(verdict.lead.wechat, '');
  });

  it('lists every problem of a bad row, one per column', () => {
    const verdict = validateRow(values(['', '123', 'not-an-email', '?', '']));
    assert.ok('errors' in verdict);
    assert.deepEqual(
      verdict.errors.map((e) => [e.column, e.reason]),
      [['姓名', 'leadImportRequired'], ['手机号', 'leadImportBadMobile'], ['邮箱', 'leadImportBadEmail'], ['性别', 'leadImportBadGender']],
    );
  });

  it('flags a missing phone and too-long values', () => {
    const verdict = validateRow(values(['名'.repeat(65), '', '', '', '']));
    assert.ok('errors' in verdict);
    assert.deepEqual(verdict.errors.map((e) => [e.column, e.reason, e.detail]), [['姓名', 'leadImportTooLong', '64'], ['手机号', 'leadImportRequired', undefined]]);
  });

  it('knows a blank row', () => {
    assert.equal(isBlankRow(values([null, '', undefined, ' ', ''])), true);
    assert.equal(isBlankRow(values([null, '', 'x', '', ''])), false);
  });
});

describe('contacts', () => {
  it('makes a single value of a type primary and normalises phones', () => {
    const contacts = settleContacts([
      { type: 'phone', value: '+86 138 0013 8000', primary: false },
      { type: 'email', value: 'A@B.CN', primary: false },
    ]);
    assert.deepEqual(contacts, [
      { type: 'phone', value: '13800138000', primary: true },
      { type: 'email', value: 'a@b.cn', primary: true },
    ]);
  });

  it('needs exactly one primary among several of a type', () => {
    assert.throws(() => settleContacts([{ type: 'phone', value: '13800138000', primary: false }, { type: 'phone', value: '13900139000', primary: false }]), /leadPrimaryPerType/);
    assert.throws(() => settleContacts([{ type: 'phone', value: '13800138000', primary: true }, { type: 'phone', value: '13900139000', primary: true }]), /leadPrimaryPerType/);
    assert.equal(settleContacts([{ type: 'phone', value: '13800138000', primary: true }, { type: 'phone', value: '13900139000', primary: false }]).length, 2);
  });

  it('refuses bad phones and duplicates', () => {
    assert.throws(() => settleContacts([{ type: 'phone', value: '123', primary: true }]), /leadBadMobile/);
    assert.throws(() => settleContacts([{ type: 'wechat', value: 'a', primary: true }, { type: 'wechat', value: 'a', primary: false }]), /leadContactDuplicate/);
  });
});

describe('local day', () => {
  it('starts at midnight Asia/Shanghai', () => {
    assert.equal(startOfLocalDay(new Date('2026-03-01T15:59:59Z'), 'Asia/Shanghai').toISOString(), '2026-02-28T16:00:00.000Z');
    assert.equal(startOfLocalDay(new Date('2026-03-01T16:00:00Z'), 'Asia/Shanghai').toISOString(), '2026-03-01T16:00:00.000Z');
    assert.equal(startOfLocalDay(new Date('2026-03-01T00:30:00.500Z'), 'UTC').toISOString(), '2026-03-01T00:00:00.000Z');
  });
});
