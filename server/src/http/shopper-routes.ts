import type Router from '@koa/router';
import {
  CounterpartError,
  ErrorCode,
  Paths,
  Role,
  ShopperSessionRequest,
  type RtcCredentials,
  type ShopperSessionResponse,
} from '../../../protocol/index';
import { ownerOf } from '../auth/tokens';
import { verifyVouch } from '../auth/vouch';
import { mintPeerId, newShopperId } from '../conversations/peer-ids';
import { iceServersFor } from '../turn';
import type { ApiDeps } from './api';
import { principalOf, requireAuth } from './auth';
import { RequestBudget, addressKey } from './limits';
import { offlineRoutes } from './offline-routes';

/**
 * What the widget calls from shop pages: a shopper session (with its first realtime ticket), and
 * PeerJS/TURN credentials — for a shopper only once it has a live call request, so anonymous
 * sessions cannot hold PeerServer or TURN capacity. Availability and offline messages: offline-routes.ts.
 */
export function shopperRoutes(r: Router, deps: ApiDeps): void {
  const { config, sessions, conversations, sites, tokens, tickets, nonces, cors } = deps;
  const perAddress = new RequestBudget({ points: config.rateLimits.sessionPerMinute, perSeconds: 60 }, 'new sessions from your address');
  const perSite = new RequestBudget({ points: config.rateLimits.siteSessionsPerMinute, perSeconds: 60 }, 'new sessions on this site');
  const credsPerOwner = new RequestBudget({ points: 10, perSeconds: 60 }, 'credential requests');

  r.options('/shopper/session', cors);
  r.post('/shopper/session', cors, perAddress.middleware((ctx) => addressKey(ctx.ip)), async (ctx) => {
    const req = ShopperSessionRequest.parse(ctx.request.body);
    const site = sites.byKey(req.siteKey);
    if (!site) throw new CounterpartError(ErrorCode.UnknownSite, 'Unknown site key');
    const origin = ctx.get('origin');
    if (!origin || !site.origins.includes(origin))
      throw new CounterpartError(ErrorCode.OriginNotAllowed, `Origin ${origin || '(none)'} may not use this site key`);
    const customerId = req.customer ? await verifyVouch(site, req.customer, nonces) : null;
    // The site-wide budget is for anonymous sessions: customers the shop vouches for (a signed,
    // single-use vouch each) are not shut out when strangers spend it.
    if (customerId === null) await perSite.take(ctx, `site:${site.id}`);
    const shopperId = newShopperId();
    const principal = { role: Role.Shopper, shopperId, siteId: site.id, customerId, net: addressKey(ctx.ip) } as const;
    const { token, expiresAt } = await tokens.issueShopper(principal, config.shopperTokenTtl);
    const body: ShopperSessionResponse = { token, shopperId, expiresAt, ticket: await tickets.issue(principal, new Date(expiresAt)) };
    ctx.body = body;
  });

  r.options('/rtc/credentials', cors);
  r.post('/rtc/credentials', cors, requireAuth(sessions), async (ctx) => {
    const p = principalOf(ctx);
    const owner = ownerOf(p);
    await credsPerOwner.take(ctx, owner);
    // A shopper gets a peer (and TURN) only while in a live conversation; each page load gets a fresh peer id.
    if (p.role === Role.Shopper && !conversations.media.shopperInConversation(owner))
      throw new CounterpartError(ErrorCode.ConversationNotFound, 'Start a conversation first');
    const peerId = mintPeerId(owner);
    const sessionId = p.role === Role.Shopper ? null : p.sessionId;
    const { token, expiresAt } = await tokens.issuePeer({ peerId, owner, sessionId }, config.peerTokenTtl);
    const body: RtcCredentials = {
      peerId,
      peerToken: token,
      expiresAt,
      peer: { path: Paths.peer, key: Paths.peerKey },
      iceTransportPolicy: config.turn.policy,
      iceServers: iceServersFor({
        turnUrls: config.turn.urls,
        stunUrls: config.turn.stunUrls,
        secret: config.turn.secret,
        ttlSeconds: config.turn.ttlSeconds,
        // The owner, not the peer id: coturn's per-user quota then bounds what one client holds.
        user: owner,
      }),
    };
    ctx.body = body;
  });

  // Business hours and the message a shopper leaves when nobody can take the request.
  offlineRoutes(r, deps);
}
