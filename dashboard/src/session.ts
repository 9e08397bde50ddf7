/** Sign-in and the supervisor's or admin's session, kept in sessionStorage for the life of the tab. */
import {
  CounterpartError,
  ErrorCode,
  LoginRequest,
  LoginResponse,
  apiRequest,
} from '../../protocol/index';
import { signOutSession } from '../../client/session';
import { DASHBOARD_ROLES } from './access';
import type { Catalogue } from './i18n/index';

/** Why a sign-in failed: a key of the catalogue's `signInErrors`. */
export type LoginFailure = keyof Catalogue['signInErrors'];

const STORAGE_KEY = 'counterpart.dashboard.session';

export function loadSession(): LoginResponse | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const parsed = LoginResponse.safeParse(JSON.parse(raw));
    if (parsed.success && DASHBOARD_ROLES.includes(parsed.data.user.role) && Date.parse(parsed.data.expiresAt) > Date.now()) return parsed.data;
  } catch {
    // fall through: a corrupt entry is dropped
  }
  clearSession();
  return null;
}

export function saveSession(s: LoginResponse): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Signs in; throws a LoginError saying why (its `reason`, for the catalogue). Only supervisors and admins get a session. */
export async function signIn(email: string, password: string): Promise<LoginResponse> {
  const body = LoginRequest.safeParse({ email, password });
  if (!body.success) {
    throw new LoginError(email.trim() === '' || password === '' ? 'missing' : 'invalidEmail');
  }
  let session: LoginResponse;
  try {
    session = await apiRequest(location.origin, '/api/auth/login', LoginResponse, { body: body.data });
  } catch (err) {
    throw new LoginError(describeError(err));
  }
  if (!DASHBOARD_ROLES.includes(session.user.role)) {
    // An agent's session is of no use here: end it rather than leave it live.
    void signOutSession(location.origin, session.token);
    throw new LoginError('agentAccount');
  }
  saveSession(session);
  return session;
}

export class LoginError extends Error {
  override name = 'LoginError';
  constructor(readonly reason: LoginFailure) {
    super(reason);
  }
}

/** Server messages are English only: the failure is told from the error's code. */
function describeError(err: unknown): LoginFailure {
  if (!(err instanceof CounterpartError)) return 'unexpected';
  switch (err.code) {
    case ErrorCode.InvalidCredentials:
      return 'wrongCredentials';
    case ErrorCode.BadRequest:
      return 'invalidRequest';
    case ErrorCode.RateLimited:
      return 'rateLimited';
    case ErrorCode.AccountLocked:
      return 'accountLocked';
    case ErrorCode.Unavailable:
      return 'unavailable';
    case ErrorCode.Forbidden:
      return 'forbidden';
    case ErrorCode.Internal:
      return err.status === undefined ? 'unreachable' : 'serverError';
    default:
      return 'failed';
  }
}
