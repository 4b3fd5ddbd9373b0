import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAgentConfigSignature, createConfigSignature, signJsSdk } from './js-sdk.ts';

// The official example (API-FACTS §0 and §12).
const ticket = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg';
const nonceStr = 'Wm3WZYTPz0wzccnW';
const timestamp = 1414587457;

describe('JS-SDK signatures', () => {
  it('reproduces the official WeCom example', () => {
    const url = 'http://mp.weixin.qq.com?params=value';
    assert.equal(signJsSdk({ ticket, nonceStr, timestamp, url }), '0f9de62fce790f9a083d5c99e95740ceb90c27ed');
    assert.equal(signJsSdk({ ticket, nonceStr, timestamp: String(timestamp), url }), '0f9de62fce790f9a083d5c99e95740ceb90c27ed');
  });

  it('reproduces the WeChat-MP variant and drops the #fragment', () => {
    const expected = 'f4d90daf4b3bca3078ab155816175ba34c443a7b';
    assert.equal(signJsSdk({ ticket, nonceStr, timestamp, url: 'http://mp.weixin.qq.com' }), expected);
    assert.equal(signJsSdk({ ticket, nonceStr, timestamp, url: 'http://mp.weixin.qq.com#/page?x=1' }), expected);
  });

  it('builds wx.config and wx.agentConfig fields', () => {
    const url = 'http://mp.weixin.qq.com?params=value';
    assert.deepEqual(createConfigSignature({ corpId: 'ww1', ticket, url, nonceStr, timestamp }), {
      appId: 'ww1',
      timestamp,
      nonceStr,
      signature: '0f9de62fce790f9a083d5c99e95740ceb90c27ed',
    });
    assert.deepEqual(createAgentConfigSignature({ corpId: 'ww1', agentId: 1000002, ticket, url, nonceStr, timestamp }), {
      corpid: 'ww1',
      agentid: '1000002',
      timestamp,
      nonceStr,
      signature: '0f9de62fce790f9a083d5c99e95740ceb90c27ed',
    });
  });

  it('generates a fresh nonce and the current timestamp by default', () => {
    const first = createConfigSignature({ corpId: 'ww1', ticket, url: 'https://a.example/' });
    const second = createConfigSignature({ corpId: 'ww1', ticket, url: 'https://a.example/' });
    assert.match(first.nonceStr, /^[A-Za-z0-9]{16}$/);
    assert.notEqual(first.nonceStr, second.nonceStr);
    assert.ok(Math.abs(first.timestamp - Date.now() / 1000) < 5);
    assert.equal(first.signature, signJsSdk({ ticket, nonceStr: first.nonceStr, timestamp: first.timestamp, url: 'https://a.example/' }));
  });
});
