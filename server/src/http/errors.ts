import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { CounterpartError, ErrorCode, type ErrorBody } from '../../../protocol/index';
import type { Logger } from '../log';

const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.InvalidCredentials]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.OriginNotAllowed]: 403,
  [ErrorCode.InvalidIdentity]: 403,
  [ErrorCode.PeerNotOwned]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.UnknownSite]: 404,
  [ErrorCode.ConversationNotFound]: 404,
  [ErrorCode.NotOffered]: 409,
  [ErrorCode.AlreadyInConversation]: 409,
  [ErrorCode.InvalidTransition]: 409,
  [ErrorCode.TooLarge]: 413,
  [ErrorCode.UnsupportedType]: 415,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.AccountLocked]: 429,
  [ErrorCode.AgentInCall]: 409,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.QueueFull]: 503,
  [ErrorCode.Closed]: 409,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Internal]: 500,
  [ErrorCode.ShopUnavailable]: 502,
};

const CODE_OF_STATUS: Record<number, ErrorCode> = { 400: ErrorCode.BadRequest, 401: ErrorCode.Unauthorized, 403: ErrorCode.Forbidden, 404: ErrorCode.NotFound, 413: ErrorCode.TooLarge, 415: ErrorCode.UnsupportedType, 429: ErrorCode.RateLimited, 503: ErrorCode.Unavailable };

/** The one error middleware: every failure leaves as `{ error: { code, message } }`. */
export function errorMiddleware(log: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api/'))
        throw new CounterpartError(ErrorCode.NotFound, `No route ${ctx.method} ${ctx.path}`);
    } catch (err) {
      let status = 500;
      let body: ErrorBody = { error: { code: ErrorCode.Internal, message: 'Internal error' } };
      if (err instanceof CounterpartError) {
        status = err.status ?? STATUS[err.code];
        body = { error: { code: err.code, message: err.message } };
      } else if (err instanceof ZodError) {
        status = 400;
        const i = err.issues[0];
        body = { error: { code: ErrorCode.BadRequest, message: `${i?.path.join('.') || 'body'}: ${i?.message}` } };
      } else if (isHttpError(err) && (err.expose || (err.status >= 400 && err.status < 500))) {
        status = err.status;
        body = { error: { code: CODE_OF_STATUS[status] ?? ErrorCode.BadRequest, message: err.message } };
      }
      if (status >= 500) log.error({ err, path: ctx.path }, 'request failed');
      ctx.status = status;
      ctx.body = body;
    }
  };
}

function isHttpError(err: unknown): err is { status: number; expose?: boolean; message: string } {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}
