import type { WebSocket } from 'ws';
import { CloseCode, Role, type ServerMessage } from '../../../protocol/index';
import { can, Permission } from '../auth/permissions';
import { ownerOf, type Principal } from '../auth/tokens';
import { cutIfBehind } from '../socket-limits';

export type Conn = { ws: WebSocket; principal: Principal; owner: string };

/** A client that has this much unsent is not reading: it is cut rather than buffered without end. */
const MAX_BUFFERED_BYTES = 512 * 1024;

/** Who is connected to the realtime channel, and sending to them by owner or role. */
export class Hub {
  private readonly byOwner = new Map<string, Set<Conn>>();
  private readonly supervisors = new Set<Conn>();
  private staff = 0;
  private shoppers = 0;
  /** Shopper sockets per network (address budget key). */
  private readonly shoppersByNet = new Map<string, number>();

  add(ws: WebSocket, principal: Principal): Conn {
    const conn = { ws, principal, owner: ownerOf(principal) };
    let set = this.byOwner.get(conn.owner);
    if (!set) this.byOwner.set(conn.owner, (set = new Set()));
    set.add(conn);
    if (can(principal.role, Permission.WatchAll)) this.supervisors.add(conn);
    if (principal.role === Role.Shopper) {
      this.shoppers++;
      this.shoppersByNet.set(principal.net, (this.shoppersByNet.get(principal.net) ?? 0) + 1);
    } else this.staff++;
    return conn;
  }

  /** Removes a connection; returns true when it was the owner's last one. */
  remove(conn: Conn): boolean {
    const set = this.byOwner.get(conn.owner);
    if (!set?.delete(conn)) return false;
    this.supervisors.delete(conn);
    if (conn.principal.role === Role.Shopper) {
      this.shoppers--;
      const n = (this.shoppersByNet.get(conn.principal.net) ?? 1) - 1;
      if (n > 0) this.shoppersByNet.set(conn.principal.net, n);
      else this.shoppersByNet.delete(conn.principal.net);
    } else this.staff--;
    if (set.size > 0) return false;
    this.byOwner.delete(conn.owner);
    return true;
  }

  connectionsOf(owner: string): number {
    return this.byOwner.get(owner)?.size ?? 0;
  }

  counts(): { staff: number; shoppers: number } {
    return { staff: this.staff, shoppers: this.shoppers };
  }

  shoppersFrom(net: string): number {
    return this.shoppersByNet.get(net) ?? 0;
  }

  isOnline(owner: string): boolean {
    return this.byOwner.has(owner);
  }

  send(owner: string, msg: ServerMessage): void {
    const set = this.byOwner.get(owner);
    if (!set) return;
    const data = JSON.stringify(msg);
    for (const c of set) this.write(c, data);
  }

  sendTo(conn: Conn, msg: ServerMessage): void {
    this.write(conn, JSON.stringify(msg));
  }

  toSupervisors(msg: ServerMessage): void {
    if (this.supervisors.size === 0) return;
    const data = JSON.stringify(msg);
    for (const c of this.supervisors) this.write(c, data);
  }

  /** Closes every socket of a staff session (signed out, refresh reused, account removed). */
  closeSession(sessionId: string, reason: string): void {
    for (const set of this.byOwner.values())
      for (const c of set) if (c.principal.role !== Role.Shopper && c.principal.sessionId === sessionId) c.ws.close(CloseCode.Unauthorized, reason);
  }

  closeAll(code: number, reason: string): void {
    for (const set of this.byOwner.values()) for (const c of set) c.ws.close(code, reason);
  }

  terminateAll(): void {
    for (const set of this.byOwner.values()) for (const c of set) c.ws.terminate();
  }

  /** Backpressure: a reader that falls this far behind is closed; it reconnects and resyncs. */
  private write(c: Conn, data: string): void {
    if (c.ws.readyState !== c.ws.OPEN || cutIfBehind(c.ws, MAX_BUFFERED_BYTES)) return;
    c.ws.send(data);
  }
}
