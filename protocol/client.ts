/** What every client uses to talk to the API: typed requests, errors with a code. */
import type { z } from 'zod';
import { ErrorCode } from './constants';
import { ErrorBody } from './rest';
import { ServerMessage } from './realtime';

/** An error with a protocol code, thrown by clients on a failed request. */
export class CounterpartError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CounterpartError';
  }
}

/** A typed JSON request against the Counterpart API, shared by every client. */
export async function apiRequest<T>(
  base: string,
  path: string,
  schema: z.ZodType<T>,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch (cause) {
    throw new CounterpartError(ErrorCode.Internal, `Cannot reach the Counterpart server at ${base}`, undefined, { cause });
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(json);
    if (parsed.success) throw new CounterpartError(parsed.data.error.code, parsed.data.error.message, res.status);
    throw new CounterpartError(ErrorCode.Internal, `HTTP ${res.status} from ${path}`, res.status);
  }
  return schema.parse(json);
}

/** Parse one raw realtime frame from the server; null when it is not a valid message. */
export function parseServerMessage(raw: string): ServerMessage | null {
  try {
    const r = ServerMessage.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
