// A WebSocket client written by hand on a plain TCP socket, for what the `ws` library will not
// do: stop reading entirely (slow reader), ignore pings (idle timeout), send malformed frames,
// or die in the middle of a frame.

import crypto from 'node:crypto';
import net from 'node:net';
import { Inbox } from './inbox.mjs';
import { WAIT_MS } from './timeouts.mjs';

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const OPCODE = Object.freeze({
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
});

const openSockets = new Set();

/** Encodes one frame. Clients must mask; `mask: false` exists to test that the server refuses it. */
export function encodeFrame(opcode, payload = Buffer.alloc(0), { fin = true, mask = true } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  let header;
  if (data.length < 126) {
    header = Buffer.alloc(2);
    header[1] = data.length;
  } else if (data.length < 65536) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  header[0] = (fin ? 0x80 : 0) | opcode;
  if (!mask) return Buffer.concat([header, data]);
  header[1] |= 0x80;
  const key = crypto.randomBytes(4);
  const masked = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i += 1) masked[i] = data[i] ^ key[i & 3];
  return Buffer.concat([header, key, masked]);
}

/** Splits complete frames off the front of `buffer`; returns them and the unparsed rest. */
function decodeFrames(buffer) {
  const frames = [];
  let offset = 0;
  for (;;) {
    if (buffer.length - offset < 2) break;
    const first = buffer[offset];
    const second = buffer[offset + 1];
    let length = second & 0x7f;
    let position = offset + 2;
    if (length === 126) {
      if (buffer.length - position < 2) break;
      length = buffer.readUInt16BE(position);
      position += 2;
    } else if (length === 127) {
      if (buffer.length - position < 8) break;
      length = Number(buffer.readBigUInt64BE(position));
      position += 8;
    }
    const masked = (second & 0x80) !== 0;
    const key = masked ? buffer.subarray(position, position + 4) : null;
    if (masked) position += 4;
    if (buffer.length - position < length) break;
    const payload = Buffer.from(buffer.subarray(position, position + length));
    if (key) for (let i = 0; i < payload.length; i += 1) payload[i] ^= key[i & 3];
    frames.push({ fin: (first & 0x80) !== 0, opcode: first & 0x0f, masked, payload });
    offset = position + length;
  }
  return { frames, rest: buffer.subarray(offset) };
}

export class RawWebSocket {
  /**
   * @param {net.Socket} socket already upgraded
   * @param {Buffer} leftover bytes that arrived with the 101 response
   * @param {{ autoPong?: boolean, replyToClose?: boolean, label?: string }} options
   */
  constructor(socket, leftover, { autoPong = true, replyToClose = true, label = 'raw' } = {}) {
    this.socket = socket;
    this.autoPong = autoPong;
    this.replyToClose = replyToClose;
    this.label = label;
    this.inbox = new Inbox(label);
    this.history = [];
    this.pingCount = 0;
    this.closeFrame = null; // {code, reason} of the server's close frame, once one arrived
    this.bytesReceived = 0;
    this.serverSentMaskedFrame = false;
    this.#pending = leftover;
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        openSockets.delete(this);
        this.inbox.close('TCP connection closed');
        resolve({ closeFrame: this.closeFrame });
      });
    });
    socket.on('error', (error) => {
      this.lastError = error;
    });
    socket.on('data', (chunk) => this.#onData(chunk));
    openSockets.add(this);
    if (leftover.length > 0) this.#onData(Buffer.alloc(0));
    socket.resume();
  }

  #pending;
  #fragments = [];

  #onData(chunk) {
    this.bytesReceived += chunk.length;
    const { frames, rest } = decodeFrames(
      this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk,
    );
    this.#pending = Buffer.from(rest);
    for (const frame of frames) this.#onFrame(frame);
  }

  #onFrame(frame) {
    if (frame.masked) this.serverSentMaskedFrame = true;
    if (frame.opcode === OPCODE.ping) {
      this.pingCount += 1;
      if (this.autoPong) this.sendFrame(OPCODE.pong, frame.payload);
      return;
    }
    if (frame.opcode === OPCODE.pong) return;
    if (frame.opcode === OPCODE.close) {
      this.closeFrame = {
        code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : null,
        reason: frame.payload.subarray(2).toString('utf8'),
      };
      if (this.replyToClose && !this.socket.destroyed) {
        this.socket.write(encodeFrame(OPCODE.close, frame.payload.subarray(0, 2)));
        this.socket.end();
      }
      return;
    }
    this.#fragments.push(frame.payload);
    if (frame.opcode !== OPCODE.continuation) this.#fragmentOpcode = frame.opcode;
    if (!frame.fin) return;
    const payload = Buffer.concat(this.#fragments.splice(0));
    const message =
      this.#fragmentOpcode === OPCODE.text ? parseJson(payload) : { type: '<binary>' };
    this.history.push(message);
    this.inbox.deliver(message);
  }

  #fragmentOpcode = OPCODE.text;

  next(match, options) {
    return this.inbox.next(match, options);
  }

  sendFrame(opcode, payload, options) {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(opcode, payload, options));
  }

  sendJson(message) {
    this.sendFrame(OPCODE.text, JSON.stringify(message));
  }

  /** Writes bytes as they are (half a frame, garbage, ...). */
  writeRaw(bytes) {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Stop reading: the kernel buffers fill, then the server's writes to us block. */
  pause() {
    this.socket.pause();
  }

  resume() {
    this.socket.resume();
  }

  destroy() {
    this.socket.destroy();
  }
}

function parseJson(payload) {
  const text = payload.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return { type: '<invalid-json>', text };
  }
}

/** Reads from `socket` up to the end of the HTTP response head; leaves the socket paused. */
function readResponseHead(socket, timeoutMs) {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(
      () => finish(new Error(`no HTTP response within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.pause();
      finish(null, {
        head: received.subarray(0, end).toString('latin1'),
        rest: Buffer.from(received.subarray(end + 4)),
      });
    };
    const onEnd = () => finish(new Error(`connection closed during the handshake: ${received}`));
    function finish(error, result) {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      if (error) reject(error);
      else resolve(result);
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onEnd);
  });
}

/** Opens a TCP connection to 127.0.0.1 (the only address tests may use). */
export function connectTcp(port, timeoutMs = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TCP connect to port ${port} timed out`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Performs the WebSocket handshake by hand and returns a RawWebSocket.
 * Throws (with `statusCode`) if the server does not answer 101 with the right accept key.
 */
export async function openRawWebSocket(port, path = '/', options = {}) {
  const socket = await connectTcp(port);
  const key = crypto.randomBytes(16).toString('base64');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let head;
  let rest;
  try {
    ({ head, rest } = await readResponseHead(socket, WAIT_MS));
  } catch (error) {
    socket.destroy();
    throw error;
  }
  const statusCode = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const expectedAccept = crypto
    .createHash('sha1')
    .update(key + HANDSHAKE_GUID)
    .digest('base64');
  const accept = /^sec-websocket-accept:\s*(\S+)/im.exec(head)?.[1];
  if (statusCode !== 101 || accept !== expectedAccept) {
    socket.destroy();
    const error = new Error(`raw handshake failed:\n${head}`);
    error.statusCode = statusCode;
    throw error;
  }
  return new RawWebSocket(socket, rest, options);
}

/** Destroys every raw socket still open (teardown after a failed test). */
export function destroyAllRawSockets() {
  for (const raw of openSockets) raw.destroy();
  openSockets.clear();
}
