import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iceServersFor, mintTurnCredentials } from '../../server/src/turn';
import { startTurn, type RunningTurn } from '../../turn/launch';
import { ATTR, MSG, turnAllocate } from '../helpers/stun';

const NOW = 1_700_000_000_000; // 2023-11-14T22:13:20Z

describe('mintTurnCredentials', () => {
  it('matches the TURN REST API formula (known vector)', () => {
    const c = mintTurnCredentials({ secret: 'north-wind', user: 'agent-1', ttlSeconds: 3600, now: NOW });
    expect(c.username).toBe('1700003600:agent-1');
    const expected = createHmac('sha1', 'north-wind').update('1700003600:agent-1').digest('base64');
    expect(c.credential).toBe(expected);
    // Same value from `printf '1700003600:agent-1' | openssl dgst -sha1 -hmac north-wind -binary | base64`.
    expect(c.credential).toBe('JIIszVVb0vUKFo91XkoX/pvwX58=');
    expect(c.expiresAt.toISOString()).toBe(new Date(NOW + 3600_000).toISOString());
  });

  it('floors sub-second clocks and keeps ":" out of the user part', () => {
    const c = mintTurnCredentials({ secret: 's', user: 'shop:42', ttlSeconds: 60, now: NOW + 999 });
    expect(c.username).toBe('1700000060:shop_42');
    expect(c.username.split(':')).toHaveLength(2);
  });

  it('rejects an empty secret', () => {
    expect(() => mintTurnCredentials({ secret: '', user: 'u', ttlSeconds: 60 })).toThrow(/secret/);
  });
});

describe('iceServersFor', () => {
  const base = { ttlSeconds: 3600, user: 'visitor-7', now: NOW };
  const turnUrls = ['turn:turn.example.com:3478?transport=udp', 'turn:turn.example.com:3478?transport=tcp'];
  const stunUrls = ['stun:stun.example.com:3478'];

  it('returns STUN as {urls} and TURN with minted credentials', () => {
    const servers = iceServersFor({ ...base, turnUrls, stunUrls, secret: 'north-wind' });
    const minted = mintTurnCredentials({ secret: 'north-wind', user: 'visitor-7', ttlSeconds: 3600, now: NOW });
    expect(servers).toEqual([
      { urls: stunUrls },
      { urls: turnUrls, username: minted.username, credential: minted.credential },
    ]);
  });

  it('omits TURN without a secret or without urls', () => {
    expect(iceServersFor({ ...base, turnUrls, stunUrls, secret: null })).toEqual([{ urls: stunUrls }]);
    expect(iceServersFor({ ...base, turnUrls: [], stunUrls, secret: 'x' })).toEqual([{ urls: stunUrls }]);
    expect(iceServersFor({ ...base, turnUrls: [], stunUrls: [], secret: null })).toEqual([]);
  });

  it('omits STUN when none is configured and never leaks credentials onto STUN', () => {
    const servers = iceServersFor({ ...base, turnUrls, stunUrls: [], secret: 'x' });
    expect(servers).toHaveLength(1);
    expect(servers[0]!.username).toMatch(/^\d+:visitor-7$/);
    const withStun = iceServersFor({ ...base, turnUrls, stunUrls, secret: 'x' });
    expect(withStun[0]).not.toHaveProperty('username');
    expect(withStun[0]).not.toHaveProperty('credential');
  });
});

describe('startTurn', () => {
  it('fails with an install hint when the binary is missing', async () => {
    await expect(startTurn({ secret: 'x', binary: 'counterpart-no-such-turnserver' }))
      .rejects.toThrow(/apt-get install coturn/);
  });
});

describe('coturn with TURN REST API credentials (real turnserver)', () => {
  const secret = 'integration-secret-' + Math.random().toString(36).slice(2);
  const realm = 'counterpart.test';
  let turn: RunningTurn | undefined;
  let startError: unknown;
  let port = 0;
  // No skip: if coturn is missing, every test below fails with "... apt-get install coturn".
  const running = (): RunningTurn => {
    if (!turn) throw startError ?? new Error('coturn was not started');
    return turn;
  };

  beforeAll(async () => {
    try {
      turn = await startTurn({ secret, realm, host: '127.0.0.1', allowLoopbackPeers: true, minPort: 50000, maxPort: 50999 });
      port = turn.port;
    } catch (err) {
      startError = err;
    }
  });

  afterAll(async () => {
    await turn?.stop();
  });

  it('exposes udp and tcp urls', () => {
    expect(running().urls).toEqual([
      `turn:127.0.0.1:${port}?transport=udp`,
      `turn:127.0.0.1:${port}?transport=tcp`,
    ]);
  });

  it('challenges an unauthenticated Allocate and accepts freshly minted credentials', async () => {
    running();
    const c = mintTurnCredentials({ secret, user: 'agent-1', ttlSeconds: 600 });
    const r = await turnAllocate({ host: '127.0.0.1', port, username: c.username, password: c.credential });
    expect(r.challenge.type).toBe(MSG.AllocateError);
    expect(r.challenge.errorCode()?.code).toBe(401);
    expect(r.realm).toBe(realm);
    expect(r.nonce.length).toBeGreaterThan(0);
    expect(r.response.errorCode()).toBeUndefined();
    expect(r.response.type).toBe(MSG.AllocateSuccess);
    expect(r.response.get(ATTR.XOR_RELAYED_ADDRESS)).toBeDefined();
  });

  it('works through iceServersFor too', async () => {
    const [server] = iceServersFor({ turnUrls: running().urls, stunUrls: [], secret, ttlSeconds: 600, user: 'visitor-9' });
    const r = await turnAllocate({ host: '127.0.0.1', port, username: server!.username!, password: server!.credential! });
    expect(r.response.type).toBe(MSG.AllocateSuccess);
  });

  it('rejects a credential with a wrong HMAC (401)', async () => {
    running();
    const good = mintTurnCredentials({ secret, user: 'agent-1', ttlSeconds: 600 });
    const forged = mintTurnCredentials({ secret: secret + '-wrong', user: 'agent-1', ttlSeconds: 600 });
    expect(forged.username).toBe(good.username);
    const r = await turnAllocate({ host: '127.0.0.1', port, username: good.username, password: forged.credential });
    expect(r.response.type).toBe(MSG.AllocateError);
    expect(r.response.errorCode()?.code).toBe(401);
  });

  it('rejects correctly signed credentials whose expiry is in the past (401)', async () => {
    running();
    const expired = mintTurnCredentials({ secret, user: 'agent-1', ttlSeconds: -60 });
    expect(expired.expiresAt.getTime()).toBeLessThan(Date.now());
    const r = await turnAllocate({ host: '127.0.0.1', port, username: expired.username, password: expired.credential });
    expect(r.response.type).toBe(MSG.AllocateError);
    expect(r.response.errorCode()?.code).toBe(401);
  });
});
