import { describe, expect, it } from 'vitest';
import { DEMO_ENV, loadConfig } from '../../server/src/config';

describe('loadConfig', () => {
  it('refuses to start without the site identity secret, naming it', () => {
    expect(() => loadConfig({})).toThrow(/SITE_IDENTITY_SECRET/);
  });

  it('does not seed the published demo accounts unless asked', () => {
    expect(loadConfig({ SITE_IDENTITY_SECRET: 'a-long-enough-secret' }).seedDemo).toBe(false);
    expect(loadConfig({ ...DEMO_ENV }).seedDemo).toBe(true);
  });

  it('names every bad value', () => {
    expect(() => loadConfig({ ...DEMO_ENV, PORT: 'eighty', ICE_TRANSPORT_POLICY: 'sometimes' })).toThrow(/PORT[\s\S]*ICE_TRANSPORT_POLICY/);
  });

  it('parses lists and defaults', () => {
    const c = loadConfig({ ...DEMO_ENV, TURN_URLS: 'turn:a:3478, turn:b:3478 ,', TURN_SECRET: 'secret-secret' });
    expect(c.turn.urls).toEqual(['turn:a:3478', 'turn:b:3478']);
    expect(c.port).toBe(4000);
    expect(c.ringTimeoutMs).toBe(20_000);
    expect(c.staffTokenTtl).toBe(3600);
  });
});
