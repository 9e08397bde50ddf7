import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationRecord, LoginResponse, MediaKind, apiRequest } from '../../protocol/index';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';
import { waitFor } from '../helpers/server';

const W = 'counterpart-widget >>> ';
const CJK = /[\u4e00-\u9fff]/;

/** A real 8×8 PNG (red), built here so the test needs no fixture file. */
function pngFile(): string {
  const crc = (buf: Buffer) => {
    let c = ~0;
    for (const b of buf) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.from([0, 0, 0, 8, 0, 0, 0, 8, 8, 2, 0, 0, 0]);
  const rows = Buffer.concat(Array.from({ length: 8 }, () => Buffer.concat([Buffer.from([0]), Buffer.from(Array(8).fill([220, 30, 30]).flat())])));
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cp-png-')), 'board-photo.png' /* a non-ASCII path does not reach the page through CDP's setFileInputFiles */);
  fs.writeFileSync(file, png);
  return file;
}

describe('channels: voice when the camera is refused, and chat only — in Chinese, with an image', () => {
  let stack: Stack;
  const browsers: Browser[] = [];

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await stack?.close();
  });

  async function record(id: string): Promise<ConversationRecord> {
    const login = await apiRequest(stack.serverUrl, '/api/auth/login', LoginResponse, { body: { email: 'sam@counterpart.test', password: 'sam-demo-pass' } });
    return apiRequest(stack.serverUrl, `/api/conversations/${id}`, ConversationRecord, { token: login.token });
  }
  const storedId = (s: ShopperPage) => s.page.evaluate(() => (JSON.parse(localStorage.getItem('counterpart:demo-shop') ?? '{}') as { conversationId?: string }).conversationId ?? null);

  it('camera refused: the shopper goes on by voice, and the voice call connects', async () => {
    // This shopper allows the microphone and refuses the camera.
    const shopperBrowser = await launchBrowser({ denyMedia: true });
    const agentBrowser = await launchBrowser({ extension: true });
    browsers.push(shopperBrowser, agentBrowser);
    await shopperBrowser.defaultBrowserContext().overridePermissions(stack.shopUrl, ['microphone']);
    const agent = await AgentSide.open(agentBrowser, stack.shopUrl);
    await agent.signIn(stack.serverUrl, 'bob@counterpart.test', 'bob-demo-pass');
    await agent.setPresence('available');

    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl);
    await shopper.startVideoCall();
    await shopper.waitState('media-denied');
    await shopper.click('cp-fallback-voice');
    await agent.waitRing();
    expect(await agent.console.$eval('[data-testid=ring-card]', (e) => (e as HTMLElement).dataset.channel)).toBe(MediaKind.Voice);
    await agent.accept();
    await Promise.all([agent.waitInCall(), shopper.waitState('in-call')]);
    const agentHears = await agent.console.$eval('[data-testid=remote-video]', (v) => {
      const s = (v as HTMLVideoElement).srcObject as MediaStream | null;
      return { audio: s?.getAudioTracks().filter((t) => t.readyState === 'live').length ?? 0, video: s?.getVideoTracks().length ?? 0 };
    });
    expect(agentHears).toEqual({ audio: 1, video: 0 });
    const id = (await storedId(shopper))!;
    // Both ends report their media path; the first "flowing" marks the media session connected.
    await waitFor(async () => ((await record(id)).mediaSessions[0]?.connectedAt ? true : null), 'voice media flowing', 15_000);
    await agent.hangup();
    await shopper.waitState('ended');
    const rec = await record(id);
    expect(rec.channel).toBe(MediaKind.Voice);
    expect(rec.mediaSessions.map((m) => [m.kind, m.connectedAt !== null])).toEqual([[MediaKind.Voice, true]]);
    await agentBrowser.close();
  });

  it('a chat-only conversation in Chinese: messages both ways and an image, previewed on both sides', async () => {
    const shopperBrowser = await launchBrowser({ lang: 'zh-CN' });
    const agentBrowser = await launchBrowser({ extension: true, lang: 'zh-CN' });
    browsers.push(shopperBrowser, agentBrowser);
    const agent = await AgentSide.open(agentBrowser, stack.shopUrl);
    await agent.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
    await agent.setPresence('available');

    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl, { lang: 'zh-CN' });
    const page = shopper.page;
    await shopper.start('chat');
    await agent.waitRing();
    await agent.accept();
    await shopper.waitState('chatting');
    expect(await shopper.statusText()).toMatch(CJK);
    expect(await agent.console.$eval('[data-testid=call-hangup]', (e) => e.textContent)).toBe('结束会话');

    await shopper.sendChat('这块木板可以接触食物吗？');
    await agent.waitChat('这块木板可以接触食物吗？');
    const input = (await page.waitForSelector(`${W}[data-testid=cp-file-input]`))!;
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(pngFile());
    // The image shows inline for the agent and for the shopper, loaded through an authorised fetch.
    await agent.console.waitForFunction(() => (document.querySelector<HTMLImageElement>('[data-testid=chat-image]')?.naturalWidth ?? 0) === 8, { timeout: 15_000 });
    await page.waitForFunction(
      () => (document.querySelector('counterpart-widget')?.shadowRoot?.querySelector<HTMLImageElement>('[data-testid=cp-chat-image]')?.naturalWidth ?? 0) === 8,
      { timeout: 15_000 },
    );
    await agent.sendChat('可以的，表面是食品级木蜡油。');
    await shopper.waitChat('可以的，表面是食品级木蜡油。');

    // The agent proposes a voice call; the shopper accepts; back to chat; the history stays.
    await agent.console.click('[data-testid=propose-voice]');
    await shopper.click('cp-proposal-accept');
    await Promise.all([agent.waitInCall(), shopper.waitState('in-call')]);
    await agent.console.click('[data-testid=call-stop-media]');
    await shopper.waitState('chatting');
    await shopper.waitChat('可以的，表面是食品级木蜡油。');

    const id = (await storedId(shopper))!;
    await shopper.hangup();
    await shopper.waitState('ended');
    const rec = await record(id);
    expect(rec).toMatchObject({ channel: MediaKind.Chat, messages: 3, endedBy: 'shopper', endReason: 'hangup' });
    expect(rec.mediaSessions.map((m) => [m.kind, m.endReason])).toEqual([[MediaKind.Voice, 'stopped']]);
  });
});
