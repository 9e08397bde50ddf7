/**
 * A tiny STUN/TURN client for tests (RFC 5389 / RFC 5766), UDP only.
 * Enough to run the long-term-credential Allocate dance against coturn:
 *   Allocate (no auth) -> 401 with REALM + NONCE -> Allocate with USERNAME/REALM/NONCE/
 *   MESSAGE-INTEGRITY/FINGERPRINT -> 0x0103 success or 0x0113 error.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

export const MAGIC_COOKIE = 0x2112a442;
export const MSG = {
  BindingRequest: 0x0001,
  BindingSuccess: 0x0101,
  AllocateRequest: 0x0003,
  AllocateSuccess: 0x0103,
  AllocateError: 0x0113,
  RefreshRequest: 0x0004,
} as const;
export const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
  FINGERPRINT: 0x8028,
} as const;

export interface StunAttr { type: number; value: Buffer }
export interface StunMessage {
  type: number;
  txId: Buffer;
  attrs: StunAttr[];
  get(type: number): Buffer | undefined;
  errorCode(): { code: number; reason: string } | undefined;
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

function encodeAttr(type: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + value.length + pad4(value.length));
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(value.length, 2);
  value.copy(b, 4);
  return b;
}

function header(type: number, bodyLength: number, txId: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(bodyLength, 2);
  h.writeUInt32BE(MAGIC_COOKIE, 4);
  txId.copy(h, 8);
  return h;
}

let crcTable: Uint32Array | null = null;
export function crc32(buf: Buffer): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of buf) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Long-term credential key: MD5(username ":" realm ":" password). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest();
}

/**
 * Encode a STUN message. With `integrityKey`, appends MESSAGE-INTEGRITY (HMAC-SHA1 over the
 * message with the length field already covering the MI attribute); with `fingerprint`,
 * appends FINGERPRINT (CRC-32 XOR 0x5354554e, length covering it).
 */
export function encodeMessage(opts: {
  type: number;
  txId?: Buffer;
  attrs?: StunAttr[];
  integrityKey?: Buffer;
  fingerprint?: boolean;
}): Buffer {
  const txId = opts.txId ?? randomBytes(12);
  let body = Buffer.concat((opts.attrs ?? []).map((a) => encodeAttr(a.type, a.value)));
  if (opts.integrityKey) {
    const withLen = Buffer.concat([header(opts.type, body.length + 24, txId), body]);
    const mac = createHmac('sha1', opts.integrityKey).update(withLen).digest();
    body = Buffer.concat([body, encodeAttr(ATTR.MESSAGE_INTEGRITY, mac)]);
  }
  if (opts.fingerprint) {
    const withLen = Buffer.concat([header(opts.type, body.length + 8, txId), body]);
    const fp = Buffer.alloc(4);
    fp.writeUInt32BE((crc32(withLen) ^ 0x5354554e) >>> 0, 0);
    body = Buffer.concat([body, encodeAttr(ATTR.FINGERPRINT, fp)]);
  }
  return Buffer.concat([header(opts.type, body.length, txId), body]);
}

export function decodeMessage(buf: Buffer): StunMessage {
  if (buf.length < 20) throw new Error(`STUN message too short (${buf.length} bytes)`);
  if (buf.readUInt32BE(4) !== MAGIC_COOKIE) throw new Error('not a STUN message (bad magic cookie)');
  const type = buf.readUInt16BE(0);
  const length = buf.readUInt16BE(2);
  const attrs: StunAttr[] = [];
  let off = 20;
  while (off + 4 <= 20 + length && off + 4 <= buf.length) {
    const t = buf.readUInt16BE(off);
    const l = buf.readUInt16BE(off + 2);
    attrs.push({ type: t, value: buf.subarray(off + 4, off + 4 + l) });
    off += 4 + l + pad4(l);
  }
  return {
    type,
    txId: buf.subarray(8, 20),
    attrs,
    get: (t) => attrs.find((a) => a.type === t)?.value,
    errorCode() {
      const v = attrs.find((a) => a.type === ATTR.ERROR_CODE)?.value;
      if (!v || v.length < 4) return undefined;
      // class in the low 3 bits of byte 2, number in byte 3.
      return { code: (v[2]! & 0x07) * 100 + v[3]!, reason: v.subarray(4).toString('utf8') };
    },
  };
}

/** A UDP socket that sends a request and waits for the response with the same transaction id. */
export class StunClient {
  private readonly sock: dgram.Socket;
  private readonly pending = new Map<string, (m: StunMessage) => void>();

  private constructor(sock: dgram.Socket, readonly host: string, readonly port: number) {
    this.sock = sock;
    sock.on('message', (msg) => {
      let m: StunMessage;
      try { m = decodeMessage(msg); } catch { return; }
      const key = m.txId.toString('hex');
      const cb = this.pending.get(key);
      if (cb) { this.pending.delete(key); cb(m); }
    });
  }

  static async connect(host: string, port: number): Promise<StunClient> {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, host.includes(':') ? '::1' : '127.0.0.1', () => { sock.off('error', reject); resolve(); });
    });
    return new StunClient(sock, host, port);
  }

  /** Sends `msg` (retransmitting every 250 ms) until a response with its txId arrives. */
  async request(msg: Buffer, timeoutMs = 3000): Promise<StunMessage> {
    const key = msg.subarray(8, 20).toString('hex');
    return new Promise<StunMessage>((resolve, reject) => {
      const send = () => this.sock.send(msg, this.port, this.host);
      const retry = setInterval(send, 250);
      const timer = setTimeout(() => {
        clearInterval(retry);
        this.pending.delete(key);
        reject(new Error(`no STUN response from ${this.host}:${this.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(key, (m) => { clearTimeout(timer); clearInterval(retry); resolve(m); });
      send();
    });
  }

  close(): void {
    this.sock.close();
  }
}

const requestedTransportUdp = (): StunAttr => ({ type: ATTR.REQUESTED_TRANSPORT, value: Buffer.from([17, 0, 0, 0]) });

export interface AllocateResult {
  challenge: StunMessage;
  response: StunMessage;
  realm: string;
  nonce: string;
}

/**
 * Full TURN Allocate over UDP with long-term credentials. Each call uses a fresh socket
 * (a fresh 5-tuple), so one allocation per call. On success the allocation is released
 * with Refresh(lifetime=0).
 */
export async function turnAllocate(opts: {
  host: string; port: number; username: string; password: string;
}): Promise<AllocateResult> {
  const client = await StunClient.connect(opts.host, opts.port);
  try {
    const challenge = await client.request(encodeMessage({
      type: MSG.AllocateRequest, attrs: [requestedTransportUdp()], fingerprint: true,
    }));
    const realmBuf = challenge.get(ATTR.REALM);
    const nonceBuf = challenge.get(ATTR.NONCE);
    if (challenge.type !== MSG.AllocateError || challenge.errorCode()?.code !== 401 || !realmBuf || !nonceBuf) {
      throw new Error(`expected a 401 challenge with REALM and NONCE, got type 0x${challenge.type.toString(16)} ${JSON.stringify(challenge.errorCode())}`);
    }
    const realm = realmBuf.toString('utf8');
    const nonce = nonceBuf.toString('utf8');
    const key = longTermKey(opts.username, realm, opts.password);
    const authAttrs = (): StunAttr[] => [
      { type: ATTR.USERNAME, value: Buffer.from(opts.username, 'utf8') },
      { type: ATTR.REALM, value: realmBuf },
      { type: ATTR.NONCE, value: nonceBuf },
    ];
    const response = await client.request(encodeMessage({
      type: MSG.AllocateRequest,
      attrs: [requestedTransportUdp(), ...authAttrs()],
      integrityKey: key,
      fingerprint: true,
    }));
    if (response.type === MSG.AllocateSuccess) {
      const lifetime0: StunAttr = { type: ATTR.LIFETIME, value: Buffer.alloc(4) };
      await client.request(encodeMessage({
        type: MSG.RefreshRequest, attrs: [lifetime0, ...authAttrs()], integrityKey: key, fingerprint: true,
      })).catch(() => undefined);
    }
    return { challenge, response, realm, nonce };
  } finally {
    client.close();
  }
}
