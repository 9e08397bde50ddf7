/** Sign-in and the supervisor's session, kept in sessionStorage for the life of the tab. */
import {
  CounterpartError,
  ErrorCode,
  LoginRequest,
  LoginResponse,
  Role,
  apiRequest,
} from '../../protocol/index';

const STORAGE_KEY = 'counterpart.dashboard.session';

export function loadSession(): LoginResponse | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const parsed = LoginResponse.safeParse(JSON.parse(raw));
    if (parsed.success && Date.parse(parsed.data.expiresAt) > Date.now()) return parsed.data;
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

/** Signs in; throws a LoginError with a message meant for people. Only supervisors get a session. */
export async function signIn(email: string, password: string): Promise<LoginResponse> {
  const body = LoginRequest.safeParse({ email, password });
  if (!body.success) {
    throw new LoginError(email.trim() === '' || password === '' ? 'Enter your email and password' : 'Enter a valid email address');
  }
  let session: LoginResponse;
  try {
    session = await apiRequest(location.origin, '/api/auth/login', LoginResponse, { body: body.data });
  } catch (err) {
    throw new LoginError(describeError(err));
  }
  if (session.user.role !== Role.Supervisor) {
    throw new LoginError('This account is not a supervisor account. Only supervisors can use the dashboard.');
  }
  saveSession(session);
  return session;
}

export class LoginError extends Error {
  override name = 'LoginError';
}

function describeError(err: unknown): string {
  if (!(err instanceof CounterpartError)) return 'Something went wrong. Please try again.';
  switch (err.code) {
    case ErrorCode.InvalidCredentials:
      return 'Wrong email or password';
    case ErrorCode.BadRequest:
      return 'Enter a valid email address and password';
    case ErrorCode.RateLimited:
      return 'Too many attempts. Wait a minute and try again.';
    case ErrorCode.Forbidden:
      return 'This account may not use the dashboard.';
    case ErrorCode.Internal:
      return err.status === undefined ? 'Cannot reach the Counterpart server. Check your connection.' : 'The server had a problem. Please try again.';
    default:
      return err.message || 'Sign-in failed. Please try again.';
  }
}
