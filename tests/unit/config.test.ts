import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { DEMO_ENV, loadConfig, socketBudget } from '../../server/src/config';

/** Long enough for development (≥ 16) but short of the 32 that production requires. */
const TURN_SECRET_24 = 'turn-secret-24-chars-abc';
const TURN_SECRET_32 = 'turn-secret-of-32-characters-xyz';

describe('loadConfig', () => {
  it('refuses to start without the site identity secret, naming it', () => {
    expect(() => loadConfig({})).toThrow(/SITE_IDENTITY_SECRET/);
  });

  it('does not seed the published demo accounts unless asked', () => {
    expect(loadConfig({ SITE_IDENTITY_SECRET: 'a-long-enough-secret' }).seedDemo).toBe(false);
    expect(loadConfig({ ...DEMO_ENV }).seedDemo).toBe(true);
  });

  it('sizes the socket capacity from the descriptor limit unless set', () => {
    const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                20000                files\n`;
    expect(socketBudget(limits('20000'))).toBe(9500);
    expect(socketBudget(limits('1024'))).toBe(100);
    expect(socketBudget('')).toBe(10_000);
    // This process's own limit is what the server uses; a setting wins over it.
    const own = socketBudget(fs.readFileSync('/proc/self/limits', 'utf8'));
    expect(loadConfig({ ...DEMO_ENV }).capacity).toMatchObject({ peers: own, realtimeSockets: own });
    expect(loadConfig({ ...DEMO_ENV, MAX_PEERS: '42', MAX_REALTIME_SOCKETS: '43' }).capacity).toMatchObject({ peers: 42, realtimeSockets: 43 });
  });

  it('names every bad value', () => {
    expect(() => loadConfig({ ...DEMO_ENV, PORT: 'eighty', ICE_TRANSPORT_POLICY: 'sometimes' })).toThrow(/PORT[\s\S]*ICE_TRANSPORT_POLICY/);
  });

  it('parses lists and defaults', () => {
    const c = loadConfig({ ...DEMO_ENV, TURN_URLS: 'turn:a:3478, turn:b:3478 ,', TURN_SECRET: TURN_SECRET_24 });
    expect(c.turn.urls).toEqual(['turn:a:3478', 'turn:b:3478']);
    expect(c.turn.secret).toBe(TURN_SECRET_24);
    expect(c.port).toBe(4000);
    expect(c.ringTimeoutMs).toBe(20_000);
    // Short-lived access tokens, renewed with the rotating refresh token; sessions end after 12 h.
    expect(c.staffTokenTtl).toBe(900);
    expect(c.staffSessionMaxSeconds).toBe(12 * 3600);
    expect(c.production).toBe(false);
    expect(c.rateLimits).toEqual({ loginPerMinute: 20, sessionPerMinute: 30, siteSessionsPerMinute: 600 });
    expect(c.shutdownGraceMs).toBe(1500);
  });

  it('parses the session, rate-limit and shutdown settings', () => {
    const c = loadConfig({
      ...DEMO_ENV,
      STAFF_SESSION_MAX_HOURS: '0.001',
      RATE_LOGIN_PER_MINUTE: '3',
      RATE_SESSION_PER_MINUTE: '5',
      RATE_SITE_SESSIONS_PER_MINUTE: '7',
      SHUTDOWN_GRACE_MS: '0',
    });
    expect(c.staffSessionMaxSeconds).toBe(4);
    expect(c.rateLimits).toEqual({ loginPerMinute: 3, sessionPerMinute: 5, siteSessionsPerMinute: 7 });
    expect(c.shutdownGraceMs).toBe(0);
    // The grace is capped: a shutdown must not wait on clients for long.
    expect(() => loadConfig({ ...DEMO_ENV, SHUTDOWN_GRACE_MS: '5000' })).toThrow(/SHUTDOWN_GRACE_MS/);
  });

  it('refuses a TURN secret under 16 characters, naming it', () => {
    expect(() => loadConfig({ ...DEMO_ENV, TURN_SECRET: 'secret-secret' })).toThrow(/TURN_SECRET/);
    expect(loadConfig({ ...DEMO_ENV, TURN_SECRET: 'x'.repeat(16) }).turn.secret).toBe('x'.repeat(16));
  });

  it('refuses a TURN secret under 32 characters in production, and accepts a long one', () => {
    expect(() => loadConfig({ ...DEMO_ENV, NODE_ENV: 'production', TURN_SECRET: TURN_SECRET_24 })).toThrow(/TURN_SECRET[\s\S]*32/);
    expect(() => loadConfig({ ...DEMO_ENV, NODE_ENV: 'production', TURN_SECRET: 'x'.repeat(31) })).toThrow(/TURN_SECRET/);
    const c = loadConfig({ ...DEMO_ENV, NODE_ENV: 'production', TURN_SECRET: TURN_SECRET_32 });
    expect(c.production).toBe(true);
    expect(c.turn.secret).toBe(TURN_SECRET_32);
    // The same short secret is tolerated outside production (the demo).
    expect(loadConfig({ ...DEMO_ENV, NODE_ENV: 'development', TURN_SECRET: TURN_SECRET_24 }).turn.secret).toBe(TURN_SECRET_24);
  });
});
