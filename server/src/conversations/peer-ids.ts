import { randomBytes } from 'node:crypto';

/**
 * Peer ids carry their owner so ownership is checked without shared state:
 * `a-<agentId>-<nonce>`, `v-<supervisorId>-<nonce>`, `s-<shopperId>-<nonce>`. The peer token
 * the server signs for an id is what proves it; the prefix only says whose it is.
 */
const PREFIX: Record<string, string> = { agent: 'a', supervisor: 'v', shopper: 's' };

export function mintPeerId(owner: string): string {
  const [role, id] = owner.split(':');
  return `${PREFIX[role!]}-${id}-${randomBytes(9).toString('hex')}`;
}

export function peerOwnedBy(peerId: string, owner: string): boolean {
  const [role, id] = owner.split(':');
  const prefix = `${PREFIX[role!]}-${id}-`;
  return peerId.startsWith(prefix) && /^[0-9a-f]{18}$/.test(peerId.slice(prefix.length));
}

export function newShopperId(): string {
  return randomBytes(12).toString('hex');
}
