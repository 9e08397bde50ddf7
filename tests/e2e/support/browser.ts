import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const EXTENSION_DIR = path.resolve('.output/chrome-mv3');

/** Debian's Chromium, headless, fake camera and microphone, WebRTC allowed on loopback. */
/** `lang`: the browser's UI language (the console follows it; pages see it in navigator.languages). */
export async function launchBrowser(opts: { extension?: boolean; denyMedia?: boolean; lang?: string } = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  if (opts.extension && !fs.existsSync(path.join(EXTENSION_DIR, 'manifest.json')))
    throw new Error(`Built extension missing in ${EXTENSION_DIR}: run npm run build:ext`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    userDataDir,
    ...(opts.lang ? { env: { ...process.env, LANGUAGE: opts.lang.replace('-', '_'), LANG: `${opts.lang.replace('-', '_')}.UTF-8` } } : {}),
    enableExtensions: opts.extension ? [EXTENSION_DIR] : false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // A person who says no to the camera prompt, or one who says yes.
      opts.denyMedia ? '--deny-permission-prompts' : '--use-fake-ui-for-media-stream',
      // The fake camera at a webcam's 30 frames a second (its default is 20).
      '--use-fake-device-for-media-stream=fps=30',
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-renderer-backgrounding',
      '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows',
      '--window-size=1280,900',
      ...(opts.lang ? [`--lang=${opts.lang}`, `--accept-lang=${opts.lang}`] : []),
    ],
  });
  browser.once('disconnected', () => fs.rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }, () => {}));
  return browser;
}
