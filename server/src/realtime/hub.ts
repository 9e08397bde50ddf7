import type { WebSocket } from 'ws';
import { Role, type ServerMessage } from '../../../protocol/index';
import { ownerOf, type Principal } from '../auth/tokens';

export type Conn = { ws: WebSocket; principal: Principal; owner: string };

/** Who is connected to the realtime channel, and sending to them by owner or role. */
export class Hub {
  private readonly byOwner = new Map<string, Set<Conn>>();

  add(ws: WebSocket, principal: Principal): Conn {
    const conn = { ws, principal, owner: ownerOf(principal) };
    let set = this.byOwner.get(conn.owner);
    if (!set) this.byOwner.set(conn.owner, (set = new Set()));
    set.add(conn);
    return conn;
  }

  /** Removes a connection; returns true when it was the owner's last one. */
  remove(conn: Conn): boolean {
    const set = this.byOwner.get(conn.owner);
    if (!set) return false;
    set.delete(conn);
    if (set.size === 0) {
      this.byOwner.delete(conn.owner);
      return true;
    }
    return false;
  }

  isOnline(owner: string): boolean {
    return this.byOwner.has(owner);
  }

  send(owner: string, msg: ServerMessage): void {
    const set = this.byOwner.get(owner);
    if (!set) return;
    const data = JSON.stringify(msg);
    for (const c of set) if (c.ws.readyState === c.ws.OPEN) c.ws.send(data);
  }

  sendTo(conn: Conn, msg: ServerMessage): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(msg));
  }

  toSupervisors(msg: ServerMessage): void {
    const data = JSON.stringify(msg);
    for (const set of this.byOwner.values())
      for (const c of set)
        if (c.principal.role === Role.Supervisor && c.ws.readyState === c.ws.OPEN) c.ws.send(data);
  }

  closeAll(code: number, reason: string): void {
    for (const set of this.byOwner.values()) for (const c of set) c.ws.close(code, reason);
  }
}
