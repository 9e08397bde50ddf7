/**
 * The staff session of the console, kept in the extension's session storage (memory of this
 * browser session, not on disk, not readable by web pages): a console closed or crashed comes
 * back without asking for the password. Only the rotating refresh token is kept; signing out
 * or a refused refresh clears it.
 */
type Stored = { baseUrl: string; refreshToken: string };
const KEY = 'counterpart.session';

export async function loadSession(): Promise<Stored | null> {
  const v = (await browser.storage.session.get(KEY))[KEY] as Partial<Stored> | undefined;
  return v && typeof v.baseUrl === 'string' && typeof v.refreshToken === 'string' ? { baseUrl: v.baseUrl, refreshToken: v.refreshToken } : null;
}

export async function saveSession(s: Stored): Promise<void> {
  await browser.storage.session.set({ [KEY]: s });
}

export async function clearSession(): Promise<void> {
  await browser.storage.session.remove(KEY);
}
