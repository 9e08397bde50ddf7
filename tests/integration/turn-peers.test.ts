import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintTurnCredentials } from '../../server/src/turn';
import { startTurn, type RunningTurn } from '../../turn/launch';
import { ATTR, MAGIC_COOKIE, MSG, StunClient, encodeMessage, longTermKey, type StunAttr } from '../helpers/stun';

/**
 * The peer policy of a real coturn started by turn/launch.ts (which copies the shipped
 * turnserver.conf's denied-peer-ip ranges): one TURN allocation, then CreatePermission for
 * peers in various ranges. coturn answers 403 Forbidden for a denied peer.
 */
const CREATE_PERMISSION = 0x0008;
const CREATE_PERMISSION_SUCCESS = 0x0108;
const XOR_PEER_ADDRESS = 0x0012;

/** 16 bytes of an IPv6 address in any textual form (`::`, `::ffff:1.2.3.4`, ...). */
function ipv6Bytes(ip: string): Buffer {
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** XOR-PEER-ADDRESS (RFC 5766): port XOR the cookie's top half; address XOR cookie (+ txId for IPv6). */
function xorPeerAddress(ip: string, port: number, txId: Buffer): StunAttr {
  const cookie = Buffer.alloc(4);
  cookie.writeUInt32BE(MAGIC_COOKIE, 0);
  const addr = isIPv4(ip) ? Buffer.from(ip.split('.').map(Number)) : ipv6Bytes(ip);
  const mask = Buffer.concat([cookie, txId]);
  const v = Buffer.alloc(4 + addr.length);
  v.writeUInt8(isIPv4(ip) ? 0x01 : 0x02, 1);
  v.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  addr.forEach((b, i) => (v[4 + i] = b ^ mask[i]!));
  return { type: XOR_PEER_ADDRESS, value: v };
}

/** Allocate once on one socket, then ask a permission for each peer; returns 'ok' or the error code. */
async function permissions(turn: RunningTurn, host: string, secret: string, peers: string[]): Promise<Record<string, number | 'ok'>> {
  const { username, credential } = mintTurnCredentials({ secret, user: 'peer-policy', ttlSeconds: 600 });
  const client = await StunClient.connect(host, turn.port);
  try {
    const udp: StunAttr = { type: ATTR.REQUESTED_TRANSPORT, value: Buffer.from([17, 0, 0, 0]) };
    // RFC 6156 REQUESTED-ADDRESS-FAMILY: an IPv6 relay when coturn listens on IPv6.
    const family: StunAttr[] = host.includes(':') ? [{ type: 0x0017, value: Buffer.from([0x02, 0, 0, 0]) }] : [];
    const challenge = await client.request(encodeMessage({ type: MSG.AllocateRequest, attrs: [udp], fingerprint: true }));
    const realm = challenge.get(ATTR.REALM);
    const nonce = challenge.get(ATTR.NONCE);
    if (!realm || !nonce) throw new Error(`coturn sent no REALM/NONCE challenge (type 0x${challenge.type.toString(16)})`);
    const key = longTermKey(username, realm.toString('utf8'), credential);
    const auth: StunAttr[] = [
      { type: ATTR.USERNAME, value: Buffer.from(username) },
      { type: ATTR.REALM, value: realm },
      { type: ATTR.NONCE, value: nonce },
    ];
    const allocated = await client.request(encodeMessage({ type: MSG.AllocateRequest, attrs: [udp, ...family, ...auth], integrityKey: key, fingerprint: true }));
    expect(allocated.type, `Allocate failed: ${JSON.stringify(allocated.errorCode())}`).toBe(MSG.AllocateSuccess);
    const out: Record<string, number | 'ok'> = {};
    for (const peer of peers) {
      const txId = randomBytes(12);
      const r = await client.request(encodeMessage({
        type: CREATE_PERMISSION, txId, attrs: [xorPeerAddress(peer, 40000, txId), ...auth], integrityKey: key, fingerprint: true,
      }));
      out[peer] = r.type === CREATE_PERMISSION_SUCCESS ? 'ok' : (r.errorCode()?.code ?? -1);
    }
    await client.request(encodeMessage({
      type: MSG.RefreshRequest, attrs: [{ type: ATTR.LIFETIME, value: Buffer.alloc(4) }, ...auth], integrityKey: key, fingerprint: true,
    })).catch(() => undefined);
    return out;
  } finally {
    client.close();
  }
}

// Private, loopback, link-local, CGNAT, metadata, reserved: denied whether loopback is asked or not.
const PRIVATE_V4 = ['10.0.0.1', '10.255.255.254', '172.16.0.1', '172.31.255.1', '192.168.1.1', '100.64.0.1', '169.254.169.254', '169.254.1.1', '127.0.0.2', '127.255.255.254', '0.0.0.0', '198.18.0.1', '240.0.0.1'];
const PRIVATE_V6 = ['::1', '::', '::ffff:10.0.0.1', '::ffff:127.0.0.1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'febf:ffff::1'];
// Public addresses: a permission is only bookkeeping (nothing is sent), so no network is needed.
// The v4 ones sit just outside the private ranges; the v6 ones around the denied v6 ranges.
const PUBLIC_V4 = ['8.8.8.8', '1.1.1.1', '203.0.113.7', '172.32.0.1', '100.128.0.1', '11.0.0.1', '9.255.255.255'];
const PUBLIC_V6 = ['2001:4860:4860::8888', '2606:4700:4700::1111', 'fec0::1', 'fbff::1', '::ffff:0:0:1'];

const all = (peers: string[], v: number | 'ok') => Object.fromEntries(peers.map((p) => [p, v]));

describe.each([
  { host: '127.0.0.1', loopback: true, priv: PRIVATE_V4, pub: PUBLIC_V4, self: '127.0.0.1', selfAllowed: true },
  { host: '127.0.0.1', loopback: false, priv: PRIVATE_V4, pub: PUBLIC_V4, self: '127.0.0.1', selfAllowed: false },
  // allowed-peer-ip=127.0.0.1 opens that one IPv4 address; ::1 stays denied.
  { host: '::1', loopback: true, priv: PRIVATE_V6, pub: PUBLIC_V6, self: '::1', selfAllowed: false },
])('coturn on $host with the shipped peer policy, allowLoopbackPeers: $loopback', ({ host, loopback, priv, pub, self, selfAllowed }) => {
  const secret = `peer-policy-${Math.random().toString(36).slice(2)}`;
  let turn: RunningTurn | undefined;
  let startError: unknown;
  const running = (): RunningTurn => {
    if (!turn) throw startError ?? new Error('coturn was not started');
    return turn;
  };

  beforeAll(async () => {
    try {
      turn = await startTurn({ secret, host, allowLoopbackPeers: loopback, minPort: 51000, maxPort: 51999 });
    } catch (err) {
      startError = err;
    }
  });
  afterAll(async () => {
    await turn?.stop();
  });

  it('refuses every private range with 403', async () => {
    expect(await permissions(running(), host, secret, priv)).toEqual(all(priv, 403));
  });

  it('accepts public peers', async () => {
    expect(await permissions(running(), host, secret, pub)).toEqual(all(pub, 'ok'));
  });

  it(`${self} is ${selfAllowed ? 'allowed' : 'denied'}`, async () => {
    expect(await permissions(running(), host, secret, [self])).toEqual({ [self]: selfAllowed ? 'ok' : 403 });
  });
});
