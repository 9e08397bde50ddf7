/**
 * The shopper's session, kept in the shop origin's localStorage so that another page of the shop
 * (or a reload) resumes the conversation. Only what the widget's own server issued is kept: the
 * shopper token (any script on the shop's pages could read it, as it could drive the widget),
 * the conversation id and whether the panel was open. Storage may be unavailable: then nothing
 * resumes, and nothing breaks.
 */
export type Stored = { token: string; shopperId: string; expiresAt: string; conversationId: string | null; open: boolean };

export const storageKey = (siteKey: string) => `counterpart:${siteKey}`;
/** A token this close to expiry is not worth resuming with. */
const MIN_LEFT_MS = 60_000;

export function loadStored(siteKey: string): Stored | null {
  try {
    const raw = localStorage.getItem(storageKey(siteKey));
    if (!raw || raw.length > 8192) return null;
    const v = JSON.parse(raw) as Partial<Stored>;
    const ok =
      typeof v.token === 'string' &&
      typeof v.shopperId === 'string' &&
      typeof v.expiresAt === 'string' &&
      (v.conversationId === null || typeof v.conversationId === 'string') &&
      Date.parse(v.expiresAt) - Date.now() > MIN_LEFT_MS;
    if (!ok) {
      localStorage.removeItem(storageKey(siteKey));
      return null;
    }
    return { token: v.token!, shopperId: v.shopperId!, expiresAt: v.expiresAt!, conversationId: v.conversationId ?? null, open: v.open !== false };
  } catch {
    return null;
  }
}

export function saveStored(siteKey: string, s: Stored): void {
  try {
    localStorage.setItem(storageKey(siteKey), JSON.stringify(s));
  } catch {
    // storage full or disabled: the conversation still works, it just will not resume after a reload
  }
}

export function clearStored(siteKey: string): void {
  try {
    localStorage.removeItem(storageKey(siteKey));
  } catch {
    // nothing to do
  }
}
