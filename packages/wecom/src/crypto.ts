// WeCom callback crypto (WXBizMsgCrypt): signatures, AES-256-CBC with 32-byte PKCS#7 padding,
// and the encrypted XML envelope WeCom posts to callback URLs. See API-FACTS §13.
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';

export type CallbackCryptoErrorCode =
  | 'bad_signature'
  | 'bad_base64'
  | 'bad_length'
  | 'bad_padding'
  | 'bad_receive_id'
  | 'bad_key'
  | 'bad_xml';

export class CallbackCryptoError extends Error {
  constructor(
    readonly code: CallbackCryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CallbackCryptoError';
  }
}

export interface CallbackCryptoOptions {
  /** The callback Token configured in the WeCom admin console. */
  token: string;
  /** The 43-character EncodingAESKey configured in the WeCom admin console. */
  encodingAesKey: string;
  /** The corp id for self-built apps, the suite id for third-party apps, '' for personal third-party apps. */
  receiveId: string;
}

export interface CallbackQuery {
  msg_signature: string;
  timestamp: string;
  nonce: string;
}

export interface SealCallbackOptions {
  timestamp?: string;
  nonce?: string;
  agentId?: string;
  random?: Buffer;
}

/** WeCom pads to 32 bytes, not the AES block size of 16. */
const PADDING_BLOCK_SIZE = 32;
const RANDOM_PREFIX_LENGTH = 16;
const LENGTH_FIELD_SIZE = 4;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const envelopeParser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, trimValues: true });

export class CallbackCrypto {
  readonly #token: string;
  readonly #key: Buffer;
  readonly #iv: Buffer;
  readonly receiveId: string;

  constructor(options: CallbackCryptoOptions) {
    const key = Buffer.from(`${options.encodingAesKey}=`, 'base64');
    // Node's base64 decoder skips invalid characters, so check the text as well as the decoded size.
    if (options.encodingAesKey.length !== 43 || !BASE64_PATTERN.test(options.encodingAesKey) || key.length !== 32) {
      throw new CallbackCryptoError('bad_key', 'EncodingAESKey must be 43 base64 characters decoding to 32 bytes');
    }
    this.#token = options.token;
    this.#key = key;
    this.#iv = key.subarray(0, 16);
    this.receiveId = options.receiveId;
  }

  /** msg_signature = sha1 of the four strings sorted and concatenated. */
  sign(timestamp: string, nonce: string, encrypted: string): string {
    const parts = [this.#token, timestamp, nonce, encrypted].sort();
    return createHash('sha1').update(parts.join('')).digest('hex');
  }

  verify(signature: string, timestamp: string, nonce: string, encrypted: string): boolean {
    const expected = Buffer.from(this.sign(timestamp, nonce, encrypted), 'utf8');
    const given = Buffer.from(String(signature).toLowerCase(), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Encrypts `random(16) + msg_len(4, big-endian) + msg + receiveId`; random is injectable for golden tests. */
  encrypt(plaintext: string, random: Buffer = randomAlphanumeric(RANDOM_PREFIX_LENGTH)): string {
    if (random.length !== RANDOM_PREFIX_LENGTH) {
      throw new RangeError(`random prefix must be ${RANDOM_PREFIX_LENGTH} bytes`);
    }
    const message = Buffer.from(plaintext, 'utf8');
    const length = Buffer.alloc(LENGTH_FIELD_SIZE);
    length.writeUInt32BE(message.length, 0);
    const content = Buffer.concat([random, length, message, Buffer.from(this.receiveId, 'utf8')]);
    const cipher = createCipheriv('aes-256-cbc', this.#key, this.#iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(pad(content)), cipher.final()]).toString('base64');
  }

  decrypt(encrypted: string): string {
    if (encrypted.length === 0 || encrypted.length % 4 !== 0 || !BASE64_PATTERN.test(encrypted)) {
      throw new CallbackCryptoError('bad_base64', 'encrypted message is not valid base64');
    }
    const ciphertext = Buffer.from(encrypted, 'base64');
    if (ciphertext.length === 0 || ciphertext.length % PADDING_BLOCK_SIZE !== 0) {
      throw new CallbackCryptoError('bad_length', 'ciphertext length is not a multiple of 32 bytes');
    }
    const decipher = createDecipheriv('aes-256-cbc', this.#key, this.#iv);
    decipher.setAutoPadding(false);
    const content = unpad(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
    if (content.length < RANDOM_PREFIX_LENGTH + LENGTH_FIELD_SIZE) {
      throw new CallbackCryptoError('bad_length', 'decrypted message is too short');
    }
    const messageLength = content.readUInt32BE(RANDOM_PREFIX_LENGTH);
    const messageStart = RANDOM_PREFIX_LENGTH + LENGTH_FIELD_SIZE;
    if (messageStart + messageLength > content.length) {
      throw new CallbackCryptoError('bad_length', 'message length field exceeds the decrypted data');
    }
    const receiveId = content.subarray(messageStart + messageLength).toString('utf8');
    if (receiveId !== this.receiveId) {
      throw new CallbackCryptoError('bad_receive_id', 'receive id does not match the configured one');
    }
    return content.subarray(messageStart, messageStart + messageLength).toString('utf8');
  }

  /** GET URL verification: the plaintext must be echoed back exactly. */
  verifyUrl(query: CallbackQuery & { echostr: string }): string {
    this.#assertSignature(query, query.echostr);
    return this.decrypt(query.echostr);
  }

  /** POST callback: checks the signature over the envelope's Encrypt and returns the plaintext event XML. */
  openCallback(query: CallbackQuery, body: string): string {
    const encrypted = readEncryptField(body);
    this.#assertSignature(query, encrypted);
    return this.decrypt(encrypted);
  }

  /** Builds what WeCom sends for a plaintext event: the signed query and the encrypted XML envelope. */
  sealCallback(plaintextXml: string, options: SealCallbackOptions = {}): { query: CallbackQuery; body: string } {
    const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
    const nonce = options.nonce ?? String(randomInt(100_000_000, 10_000_000_000));
    const encrypted = this.encrypt(plaintextXml, options.random);
    const body =
      `<xml><ToUserName><![CDATA[${this.receiveId}]]></ToUserName>` +
      `<Encrypt><![CDATA[${encrypted}]]></Encrypt>` +
      `<AgentID><![CDATA[${options.agentId ?? ''}]]></AgentID></xml>`;
    return { query: { msg_signature: this.sign(timestamp, nonce, encrypted), timestamp, nonce }, body };
  }

  #assertSignature(query: CallbackQuery, encrypted: string): void {
    if (typeof query.msg_signature !== 'string' || !this.verify(query.msg_signature, query.timestamp, query.nonce, encrypted)) {
      throw new CallbackCryptoError('bad_signature', 'msg_signature does not match');
    }
  }
}

function pad(content: Buffer): Buffer {
  const amount = PADDING_BLOCK_SIZE - (content.length % PADDING_BLOCK_SIZE);
  return Buffer.concat([content, Buffer.alloc(amount, amount)]);
}

function unpad(content: Buffer): Buffer {
  const amount = content[content.length - 1];
  if (amount < 1 || amount > PADDING_BLOCK_SIZE || amount > content.length) {
    throw new CallbackCryptoError('bad_padding', 'invalid PKCS#7 padding');
  }
  for (let index = content.length - amount; index < content.length; index++) {
    if (content[index] !== amount) throw new CallbackCryptoError('bad_padding', 'invalid PKCS#7 padding');
  }
  return content.subarray(0, content.length - amount);
}

/** Official libraries use ASCII letters and digits for the random prefix; WeCom accepts any bytes. */
function randomAlphanumeric(length: number): Buffer {
  const bytes = randomBytes(length);
  return Buffer.from(Array.from(bytes, (byte) => ALPHANUMERIC.charCodeAt(byte % ALPHANUMERIC.length)));
}

function readEncryptField(body: string): string {
  let parsed: unknown;
  try {
    parsed = envelopeParser.parse(body, true);
  } catch {
    throw new CallbackCryptoError('bad_xml', 'callback body is not valid XML');
  }
  const root = (parsed as { xml?: unknown } | undefined)?.xml;
  const encrypted = root && typeof root === 'object' ? (root as Record<string, unknown>).Encrypt : undefined;
  if (typeof encrypted !== 'string' || encrypted.length === 0) {
    throw new CallbackCryptoError('bad_xml', 'callback body has no <Encrypt> element');
  }
  return encrypted;
}
