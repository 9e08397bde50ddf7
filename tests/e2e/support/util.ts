import type { ElementHandle } from 'puppeteer-core';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type VideoProgress = { width: number; before: number; after: number };

/** Reads a video's size and currentTime twice, a moment apart: is it really playing? */
export async function videoProgress(video: ElementHandle<HTMLVideoElement>, gapMs = 1200): Promise<VideoProgress> {
  const before = await video.evaluate((v) => v.currentTime);
  await sleep(gapMs);
  const { width, after } = await video.evaluate((v) => ({ width: v.videoWidth, after: v.currentTime }));
  return { width, before, after };
}

/** The selected ICE candidate pair's local and remote candidate types of the page's call. */
export type PairTypes = { local: string | null; remote: string | null };
