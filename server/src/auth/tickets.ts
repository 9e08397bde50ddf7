import { Role, TICKET_TTL_SECONDS, type RealtimeTicket } from '../../../protocol/index';
import type { NonceStore } from './nonces';
import type { TicketClaim, TokenService, Principal } from './tokens';

/**
 * Realtime tickets: a socket is opened with a ticket, never with a bearer token in its URL.
 * A ticket lives 30 s and opens one socket (its id is spent in the nonce store), and only while
 * its staff session is live; the socket it opens lives until the token it was traded for expires.
 */
export class Tickets {
  constructor(
    private readonly tokens: TokenService,
    private readonly nonces: NonceStore,
    /** Whether a staff session is still live: a ticket of a revoked session opens nothing. */
    private readonly sessionLive: (sessionId: string) => Promise<boolean>,
  ) {}

  issue(principal: Principal, socketUntil: Date): Promise<RealtimeTicket> {
    return this.tokens.issueTicket(principal, socketUntil, TICKET_TTL_SECONDS).then(({ token, expiresAt }) => ({ ticket: token, expiresAt }));
  }

  /** The ticket's claim the first time it is presented unexpired; null otherwise. */
  async redeem(ticket: string): Promise<TicketClaim | null> {
    const claim = await this.tokens.ticket(ticket);
    if (!claim || claim.socketUntil.getTime() <= Date.now()) return null;
    if (claim.principal.role !== Role.Shopper && !(await this.sessionLive(claim.principal.sessionId))) return null;
    return (await this.nonces.use(`t:${claim.jti}`, claim.expiresAt)) ? claim : null;
  }
}
