// A tiny STUN/TURN client over UDP (RFC 8489 STUN, RFC 8656 TURN), enough to prove that a
// credential works on a real TURN server: a Binding request (is the server up?) and an
// Allocate with the long-term credential mechanism (first request → 401 with REALM and NONCE,
// second one signed with MESSAGE-INTEGRITY and FINGERPRINT → success with XOR-RELAYED-ADDRESS).
// Each call uses its own socket (its own 5-tuple), so allocations never collide.

import crypto from 'node:crypto';
import dgram from 'node:dgram';
import zlib from 'node:zlib';
import { scaled } from './timeouts.mjs';

export const MAGIC_COOKIE = 0x2112a442;

export const METHOD = Object.freeze({ binding: 0x0001, allocate: 0x0003 });
// Message type = method | class bits (RFC 8489 §5): request 0x000, success 0x100, error 0x110.
const SUCCESS = 0x0100;
const ERROR = 0x0110;

export const ATTR = Object.freeze({
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  software: 0x8022,
  fingerprint: 0x8028,
});

const FINGERPRINT_XOR = 0x5354554e;
const UDP = 17;
// STUN's retransmission timer (RFC 8489 §6.2.1 starts at 500 ms; loopback needs less).
const RETRANSMIT_MS = 200;

// zlib.crc32 exists from Node 20.15; the table is for older runtimes.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(buffer);
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function attribute(type, value) {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function header(type, bodyLength, transactionId) {
  const head = Buffer.alloc(20);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(bodyLength, 2);
  head.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(head, 8);
  return head;
}

/** The long-term credential key (RFC 8489 §9.2.2): MD5(username ":" realm ":" password). */
export function longTermKey(username, realm, password) {
  return crypto.createHash('md5').update(`${username}:${realm}:${password}`).digest();
}

/**
 * Encodes a STUN message. With `key`, MESSAGE-INTEGRITY (HMAC-SHA1 over the message up to it,
 * its length already counted in the header) is appended; FINGERPRINT always comes last.
 */
export function encodeMessage(type, transactionId, attributes, { key } = {}) {
  let body = Buffer.concat(attributes.map(([attrType, value]) => attribute(attrType, value)));
  if (key) {
    const signedPart = Buffer.concat([header(type, body.length + 24, transactionId), body]);
    const mac = crypto.createHmac('sha1', key).update(signedPart).digest();
    body = Buffer.concat([body, attribute(ATTR.messageIntegrity, mac)]);
  }
  const checkedPart = Buffer.concat([header(type, body.length + 8, transactionId), body]);
  const fingerprint = Buffer.alloc(4);
  fingerprint.writeUInt32BE((crc32(checkedPart) ^ FINGERPRINT_XOR) >>> 0);
  return Buffer.concat([checkedPart, attribute(ATTR.fingerprint, fingerprint)]);
}

/** Decodes a STUN message: {type, transactionId, attributes: [{type, value, offset}]}, or null. */
export function decodeMessage(buffer) {
  if (buffer.length < 20 || (buffer[0] & 0xc0) !== 0) return null;
  if (buffer.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const length = buffer.readUInt16BE(2);
  if (buffer.length !== 20 + length) return null;
  const attributes = [];
  for (let offset = 20; offset + 4 <= buffer.length;) {
    const type = buffer.readUInt16BE(offset);
    const valueLength = buffer.readUInt16BE(offset + 2);
    attributes.push({ type, value: buffer.subarray(offset + 4, offset + 4 + valueLength), offset });
    offset += 4 + Math.ceil(valueLength / 4) * 4;
  }
  return {
    type: buffer.readUInt16BE(0),
    transactionId: buffer.subarray(8, 20),
    attributes,
    raw: buffer,
  };
}

function find(message, type) {
  return message.attributes.find((attr) => attr.type === type)?.value;
}

function decodeXorAddress(value, transactionId) {
  const family = value[1];
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  if (family === 0x01) {
    const address = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
    return {
      family: 'IPv4',
      port,
      address: [24, 16, 8, 0].map((s) => (address >>> s) & 0xff).join('.'),
    };
  }
  const xorKey = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), transactionId]);
  const bytes = Buffer.from(value.subarray(4, 20).map((byte, i) => byte ^ xorKey[i]));
  return { family: 'IPv6', port, address: bytes.toString('hex').match(/.{4}/g).join(':') };
}

function decodeErrorCode(value) {
  return { code: (value[2] & 0x07) * 100 + value[3], reason: value.subarray(4).toString('utf8') };
}

/** Whether a response's MESSAGE-INTEGRITY verifies with `key` (RFC 8489 §14.5). */
export function integrityVerifies(message, key) {
  const attr = message.attributes.find((a) => a.type === ATTR.messageIntegrity);
  if (!attr) return false;
  const signedPart = Buffer.from(message.raw.subarray(0, attr.offset));
  signedPart.writeUInt16BE(attr.offset + 24 - 20, 2);
  const mac = crypto.createHmac('sha1', key).update(signedPart).digest();
  return crypto.timingSafeEqual(mac, attr.value);
}

/**
 * A STUN/TURN conversation with one server from one local UDP socket. Requests are
 * retransmitted every RETRANSMIT_MS until their response arrives or `timeoutMs` passes.
 */
export class StunSocket {
  constructor(port, { host = '127.0.0.1' } = {}) {
    this.port = port;
    this.host = host;
    this.socket = dgram.createSocket('udp4');
    this.pending = new Map(); // transaction id (hex) → resolve
    this.socket.on('message', (data) => {
      const message = decodeMessage(data);
      if (!message) return;
      const id = message.transactionId.toString('hex');
      this.pending.get(id)?.(message);
    });
    this.socket.on('error', () => {}); // ICMP port unreachable while the server starts
    this.bound = new Promise((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
  }

  /** Sends a request and resolves with its response, or rejects after `timeoutMs`. */
  async request(type, attributes, { key, timeoutMs = scaled(5_000) } = {}) {
    await this.bound;
    const transactionId = crypto.randomBytes(12);
    const bytes = encodeMessage(type, transactionId, attributes, { key });
    const id = transactionId.toString('hex');
    return new Promise((resolve, reject) => {
      const send = () => this.socket.send(bytes, this.port, this.host, () => {});
      const retransmit = setInterval(send, RETRANSMIT_MS);
      const deadline = setTimeout(() => {
        finish();
        reject(new Error(`no STUN answer from ${this.host}:${this.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        clearInterval(retransmit);
        clearTimeout(deadline);
        this.pending.delete(id);
      };
      this.pending.set(id, (message) => {
        finish();
        resolve(message);
      });
      send();
    });
  }

  close() {
    this.socket.close();
  }
}

/** A STUN Binding request; resolves with the XOR-MAPPED-ADDRESS the server saw. */
export async function stunBinding(port, options) {
  const stun = new StunSocket(port);
  try {
    const response = await stun.request(METHOD.binding, [], options);
    if (response.type !== (METHOD.binding | SUCCESS)) {
      throw new Error(`Binding answered with type 0x${response.type.toString(16)}`);
    }
    const mapped = find(response, ATTR.xorMappedAddress);
    return mapped ? decodeXorAddress(mapped, response.transactionId) : null;
  } finally {
    stun.close();
  }
}

/**
 * A TURN Allocate for a UDP relay with the long-term credential `username`/`password`.
 * Resolves with {ok: true, relayed, lifetime} on a success response, or {ok: false, code,
 * reason, stage} on an error response ("challenge" for the unauthenticated first request,
 * "authenticated" for the signed one).
 */
export async function turnAllocate(port, username, password, options = {}) {
  const stun = new StunSocket(port);
  const transport = [ATTR.requestedTransport, Buffer.from([UDP, 0, 0, 0])];
  try {
    const challenge = await stun.request(METHOD.allocate, [transport], options);
    if (challenge.type !== (METHOD.allocate | ERROR)) {
      throw new Error(`unauthenticated Allocate answered with 0x${challenge.type.toString(16)}`);
    }
    const challengeError = decodeErrorCode(find(challenge, ATTR.errorCode));
    const realm = find(challenge, ATTR.realm);
    const nonce = find(challenge, ATTR.nonce);
    if (challengeError.code !== 401 || !realm || !nonce) {
      return { ok: false, stage: 'challenge', ...challengeError };
    }
    const key = longTermKey(username, realm.toString('utf8'), password);
    const response = await stun.request(
      METHOD.allocate,
      [
        [ATTR.username, Buffer.from(username, 'utf8')],
        [ATTR.realm, realm],
        [ATTR.nonce, nonce],
        transport,
      ],
      { ...options, key },
    );
    if (response.type === (METHOD.allocate | SUCCESS)) {
      const relayed = find(response, ATTR.xorRelayedAddress);
      const lifetime = find(response, ATTR.lifetime);
      return {
        ok: true,
        realm: realm.toString('utf8'),
        relayed: relayed ? decodeXorAddress(relayed, response.transactionId) : null,
        lifetime: lifetime ? lifetime.readUInt32BE(0) : null,
        integrityVerifies: integrityVerifies(response, key),
      };
    }
    if (response.type === (METHOD.allocate | ERROR)) {
      return {
        ok: false,
        stage: 'authenticated',
        ...decodeErrorCode(find(response, ATTR.errorCode)),
      };
    }
    throw new Error(`signed Allocate answered with 0x${response.type.toString(16)}`);
  } finally {
    stun.close();
  }
}
