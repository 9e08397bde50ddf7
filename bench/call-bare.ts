/**
 * bench:call's baseline: a bare PeerJS call, cold — two plain Chromium instances, a stock `peer`
 * PeerServer, fake media, `iceServers: []`, no product code (bench/bare-peer.ts in the pages).
 * Each call: both sides open fresh Peers and cameras (untimed), the think time passes, then the
 * caller's `peer.call()`; timed to the later of the two sides' remote video playing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import { PeerServer } from 'peer';
import type { Browser, Page } from 'puppeteer-core';
import { launchBrowser } from '../tests/e2e/support/browser';
import { sleep } from '../tests/e2e/support/util';
import { withTimeout, type CallResult } from './call-stats';

type BareApi = {
  prepare(id: string, server: { host: string; port: number }): Promise<void>;
  place(remoteId: string): Promise<{ calledAt: number; playedAt: number }>;
  playedAt(): number | null;
  reset(): void;
};
declare global {
  interface Window {
    bench: BareApi;
  }
}

async function serveBarePage(): Promise<{ url: string; close(): Promise<void> }> {
  const out = await build({ entryPoints: [path.resolve('bench/bare-peer.ts')], bundle: true, format: 'iife', platform: 'browser', target: 'es2020', write: false, logLevel: 'silent' });
  const js = out.outputFiles[0]!.text;
  const html = '<!doctype html><meta charset="utf-8"><title>bare</title><body><script src="/bare.js"></script></body>';
  const server = http.createServer((req, res) => {
    if (req.url === '/bare.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function startPeerServer(): Promise<{ host: string; port: number; close(): Promise<void> }> {
  const server = await new Promise<http.Server>((resolve) => PeerServer({ host: '127.0.0.1', port: 0, path: '/' }, (s) => resolve(s as http.Server)));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function openBarePage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.title === 'bare-ready', { timeout: 15_000 });
  return page;
}

export class BareRunner {
  private constructor(
    private readonly callee: Page,
    private readonly caller: Page,
    private readonly signal: { host: string; port: number },
    private readonly closeAll: () => Promise<void>,
  ) {}

  static async start(): Promise<BareRunner> {
    const [site, signal] = await Promise.all([serveBarePage(), startPeerServer()]);
    // Two browser instances, like the product's shopper and agent.
    const browsers = await Promise.all([launchBrowser(), launchBrowser()]);
    const [callee, caller] = await Promise.all(browsers.map((b) => openBarePage(b, site.url)));
    return new BareRunner(callee!, caller!, { host: signal.host, port: signal.port }, async () => {
      await Promise.all(browsers.map((b) => b.close().catch(() => {})));
      await Promise.all([site.close(), signal.close()]);
    });
  }

  async call(i: number, thinkMs: number): Promise<CallResult> {
    const { callee, caller, signal } = this;
    const calleeId = `bench-callee-${i}-${process.pid}`;
    try {
      await withTimeout(
        Promise.all([
          callee.evaluate((id, s) => window.bench.prepare(id, s), calleeId, signal),
          caller.evaluate((id, s) => window.bench.prepare(id, s), `bench-caller-${i}-${process.pid}`, signal),
        ]),
        20_000,
        'bare prepare',
      );
      await sleep(thinkMs);
      const placed = await withTimeout(
        caller.evaluate((id) => window.bench.place(id), calleeId),
        30_000,
        'bare call',
      );
      const calleePlayed = await withTimeout(
        callee.waitForFunction(() => window.bench.playedAt(), { polling: 50, timeout: 30_000 }).then((h) => h.jsonValue() as Promise<number>),
        31_000,
        'bare callee playing',
      );
      return { ms: Math.max(placed.playedAt, calleePlayed) - placed.calledAt, timeline: [['peer.call()', 0], ['caller: remote video playing', placed.playedAt - placed.calledAt], ['callee: remote video playing', calleePlayed - placed.calledAt]] };
    } finally {
      await Promise.all([callee, caller].map((p) => p.evaluate(() => window.bench.reset()).catch(() => {})));
      await sleep(200);
    }
  }

  close(): Promise<void> {
    return this.closeAll();
  }
}
