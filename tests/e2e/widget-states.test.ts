import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';

/** States a shopper reaches without an agent: each has its own words and a way on. */
describe('widget states', () => {
  let stack: Stack;
  let denying: Browser, allowing: Browser;

  beforeAll(async () => {
    stack = await startStack({}, { ipOriginAllowed: false });
    [denying, allowing] = await Promise.all([launchBrowser({ denyMedia: true }), launchBrowser()]);
  });

  afterAll(async () => {
    await Promise.all([denying, allowing].map((b) => b?.close()));
    await stack?.close();
  });

  it('camera and microphone denied: says so, offers voice or chat instead and to try again, requests nothing', async () => {
    const shopper = await ShopperPage.open(denying, stack.shopUrl);
    await shopper.startVideoCall();
    await shopper.waitState('media-denied');
    expect(await shopper.statusText()).toMatch(/camera and microphone/i);
    expect(await shopper.page.$('counterpart-widget >>> [data-testid=cp-retry]')).not.toBeNull();
    expect(await shopper.page.$('counterpart-widget >>> [data-testid=cp-fallback-voice]')).not.toBeNull();
    expect(await shopper.page.$('counterpart-widget >>> [data-testid=cp-fallback-chat]')).not.toBeNull();
    const [{ n }] = (await stack.server.db('conversations').count({ n: '*' })) as [{ n: number }];
    expect(Number(n)).toBe(0);
  });

  it('a shop origin the site key does not allow: a clear error, no call', async () => {
    const shopper = await ShopperPage.open(allowing, stack.shopUrl.replace('localhost', '127.0.0.1'));
    await shopper.startVideoCall();
    await shopper.waitState('error');
    expect(await shopper.statusText()).toContain('not enabled on this site');
    const [{ n }] = (await stack.server.db('conversations').count({ n: '*' })) as [{ n: number }];
    expect(Number(n)).toBe(0);
  });
});
