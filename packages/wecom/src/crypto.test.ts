import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { CallbackCrypto, CallbackCryptoError } from './crypto.ts';

// Official vector set A (API-FACTS §13.2).
const token = 'QDG6eK';
const corpId = 'wx5823bf96d3bd56c7';
const encodingAesKey = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const aesKeyHex = '8d69989bbaabe67328014c194631ad0719b3dca035b64023df292447aab60760';

const verifySample = {
  msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
};
const echoPlaintext = '1616140317555161061';

const postEncrypt =
  'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';
const postQuery = { msg_signature: '477715d11cdb4164915debcba66cb864d751f3e6', timestamp: '1409659813', nonce: '1372623149' };
const postBody = `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[${postEncrypt}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`;
const postPlaintext =
  '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>';

const crypto = new CallbackCrypto({ token, encodingAesKey, receiveId: corpId });

/** Encrypts arbitrary plaintext bytes with the sample key, to forge malformed messages. */
function encryptRaw(content: Buffer): string {
  const key = Buffer.from(aesKeyHex, 'hex');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(content), cipher.final()]).toString('base64');
}

function layout(message: string, receiveId: string, declaredLength = Buffer.byteLength(message)): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(declaredLength);
  return Buffer.concat([Buffer.from('0123456789abcdef'), length, Buffer.from(message), Buffer.from(receiveId)]);
}

function padded(content: Buffer): Buffer {
  const amount = 32 - (content.length % 32);
  return Buffer.concat([content, Buffer.alloc(amount, amount)]);
}

function assertCode(action: () => unknown, code: CallbackCryptoError['code']): void {
  assert.throws(action, (error: unknown) => error instanceof CallbackCryptoError && error.code === code);
}

describe('CallbackCrypto with the official vectors', () => {
  it('computes the official GET and POST signatures', () => {
    assert.equal(crypto.sign(verifySample.timestamp, verifySample.nonce, verifySample.echostr), verifySample.msg_signature);
    assert.equal(crypto.sign(postQuery.timestamp, postQuery.nonce, postEncrypt), postQuery.msg_signature);
    assert.equal(crypto.verify(postQuery.msg_signature, postQuery.timestamp, postQuery.nonce, postEncrypt), true);
    assert.equal(crypto.verify(postQuery.msg_signature.toUpperCase(), postQuery.timestamp, postQuery.nonce, postEncrypt), true);
    assert.equal(crypto.verify(postQuery.msg_signature, postQuery.timestamp, '1372623150', postEncrypt), false);
    assert.equal(crypto.verify('short', postQuery.timestamp, postQuery.nonce, postEncrypt), false);
  });

  it('decrypts the echostr sample and verifies the URL', () => {
    assert.equal(crypto.decrypt(verifySample.echostr), echoPlaintext);
    assert.equal(crypto.verifyUrl(verifySample), echoPlaintext);
  });

  it('decrypts the POST sample exactly', () => {
    assert.equal(crypto.decrypt(postEncrypt), postPlaintext);
    assert.equal(Buffer.byteLength(postPlaintext), 284);
    assert.equal(crypto.openCallback(postQuery, postBody), postPlaintext);
  });

  it('encrypts byte-for-byte with the recovered random bytes', () => {
    assert.equal(crypto.encrypt(postPlaintext, Buffer.from('0960688932c47ef1')), postEncrypt);
    assert.equal(crypto.encrypt(echoPlaintext, Buffer.from('c41b64491c2468d0')), verifySample.echostr);
  });
});

describe('CallbackCrypto errors', () => {
  it('rejects keys that do not decode to 32 bytes', () => {
    assertCode(() => new CallbackCrypto({ token, encodingAesKey: 'tooShort', receiveId: corpId }), 'bad_key');
    assertCode(() => new CallbackCrypto({ token, encodingAesKey: `${encodingAesKey}A`, receiveId: corpId }), 'bad_key');
    assertCode(() => new CallbackCrypto({ token, encodingAesKey: `${encodingAesKey.slice(0, 42)}!`, receiveId: corpId }), 'bad_key');
  });

  it('rejects a message for another receive id', () => {
    const other = new CallbackCrypto({ token, encodingAesKey, receiveId: 'ww0000000000000000' });
    assertCode(() => other.decrypt(postEncrypt), 'bad_receive_id');
    assertCode(() => other.verifyUrl(verifySample), 'bad_receive_id');
  });

  it('rejects bad padding', () => {
    const content = layout('hello', corpId);
    const zeroPad = Buffer.concat([content, Buffer.alloc(32 - (content.length % 32), 0)]);
    assertCode(() => crypto.decrypt(encryptRaw(zeroPad)), 'bad_padding');
    const inconsistent = padded(content);
    inconsistent[inconsistent.length - 2] ^= 1;
    assertCode(() => crypto.decrypt(encryptRaw(inconsistent)), 'bad_padding');
    const tooLarge = Buffer.concat([content, Buffer.alloc(32 - (content.length % 32), 33)]);
    assertCode(() => crypto.decrypt(encryptRaw(tooLarge)), 'bad_padding');
  });

  it('rejects bad base64', () => {
    assertCode(() => crypto.decrypt('not base64!'), 'bad_base64');
    assertCode(() => crypto.decrypt(postEncrypt.slice(1)), 'bad_base64');
    assertCode(() => crypto.decrypt(''), 'bad_base64');
  });

  it('rejects truncated ciphertext and a length field past the data', () => {
    assertCode(() => crypto.decrypt(Buffer.from(postEncrypt, 'base64').subarray(0, 48).toString('base64')), 'bad_length');
    assertCode(() => crypto.decrypt(encryptRaw(padded(layout('hello', corpId, 5000)))), 'bad_length');
    assertCode(() => crypto.decrypt(encryptRaw(padded(Buffer.from('0123456789')))), 'bad_length');
  });

  it('rejects a tampered signature and tampered payloads', () => {
    assertCode(() => crypto.verifyUrl({ ...verifySample, msg_signature: '0'.repeat(40) }), 'bad_signature');
    assertCode(() => crypto.verifyUrl({ ...verifySample, timestamp: '1409659590' }), 'bad_signature');
    assertCode(() => crypto.openCallback({ ...postQuery, nonce: '1' }, postBody), 'bad_signature');
    const tamperedBody = postBody.replace(postEncrypt, `${postEncrypt.slice(0, 10)}A${postEncrypt.slice(11)}`);
    assertCode(() => crypto.openCallback(postQuery, tamperedBody), 'bad_signature');
  });

  it('rejects envelopes without an Encrypt element', () => {
    assertCode(() => crypto.openCallback(postQuery, '<xml><ToUserName>x</ToUserName></xml>'), 'bad_xml');
    assertCode(() => crypto.openCallback(postQuery, 'plain text'), 'bad_xml');
    assertCode(() => crypto.openCallback(postQuery, '<xml><Encrypt>'), 'bad_xml');
  });
});

describe('CallbackCrypto seal and open', () => {
  it('round-trips a sealed callback, including non-ASCII text', () => {
    const event = '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Name><![CDATA[张三]]></Name></xml>';
    const sealed = crypto.sealCallback(event, { timestamp: '1700000000', nonce: '42', agentId: '1000002' });
    assert.equal(sealed.query.timestamp, '1700000000');
    assert.equal(sealed.query.nonce, '42');
    assert.match(sealed.body, /<AgentID><!\[CDATA\[1000002\]\]><\/AgentID>/);
    assert.match(sealed.body, /^<xml><ToUserName><!\[CDATA\[wx5823bf96d3bd56c7\]\]><\/ToUserName><Encrypt>/);
    assert.equal(crypto.openCallback(sealed.query, sealed.body), event);
  });

  it('reproduces the official POST envelope when given its inputs', () => {
    const sealed = crypto.sealCallback(postPlaintext, {
      timestamp: postQuery.timestamp,
      nonce: postQuery.nonce,
      agentId: '218',
      random: Buffer.from('0960688932c47ef1'),
    });
    assert.deepEqual(sealed.query, postQuery);
    assert.equal(sealed.body, postBody);
  });

  it('uses fresh random prefixes, timestamps and nonces by default', () => {
    const first = crypto.sealCallback('<xml/>');
    const second = crypto.sealCallback('<xml/>');
    assert.notEqual(first.body, second.body);
    assert.match(first.query.timestamp, /^\d{10}$/);
    assert.match(first.query.nonce, /^\d+$/);
    assert.equal(crypto.openCallback(second.query, second.body), '<xml/>');
    assert.throws(() => crypto.encrypt('x', Buffer.alloc(8)), RangeError);
  });
});
