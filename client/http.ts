/** Non-JSON requests against the API (uploads, file downloads), with the same errors as apiRequest. */
import { CounterpartError, ErrorBody, ErrorCode } from '../protocol/index';

async function send(base: string, path: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(new URL(path, base), init);
  } catch (cause) {
    throw new CounterpartError(ErrorCode.Internal, `Cannot reach the Counterpart server at ${base}`, undefined, { cause });
  }
  if (res.ok) return res;
  const parsed = ErrorBody.safeParse(await res.json().catch(() => null));
  if (parsed.success) throw new CounterpartError(parsed.data.error.code, parsed.data.error.message, res.status);
  throw new CounterpartError(ErrorCode.Internal, `HTTP ${res.status} from ${path}`, res.status);
}

/** POSTs raw bytes with their content type and a bearer token; resolves with the response's JSON (null when none). */
export async function apiUpload(base: string, path: string, body: Blob, opts: { token: string; contentType: string }): Promise<unknown> {
  const res = await send(base, path, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.token}`, 'content-type': opts.contentType },
    body,
  });
  return res.json().catch(() => null);
}

/** GETs a file with a bearer token. */
export async function apiBlob(base: string, path: string, token: string): Promise<Blob> {
  return (await send(base, path, { headers: { authorization: `Bearer ${token}` } })).blob();
}

/** Files of conversations as object URLs: each fetched once with the bearer, all revoked together. */
export class FileUrls {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(
    private readonly base: string,
    private readonly token: () => string | null,
  ) {}

  get(fileId: string): Promise<string> {
    if (!/^[0-9a-f]{32}$/.test(fileId)) return Promise.reject(new CounterpartError(ErrorCode.BadRequest, 'Not a file id'));
    let url = this.urls.get(fileId);
    if (url) return url;
    const bearer = this.token();
    if (!bearer) return Promise.reject(new CounterpartError(ErrorCode.Unauthorized, 'Signed out'));
    url = apiBlob(this.base, `/api/files/${fileId}`, bearer).then((b) => URL.createObjectURL(b));
    this.urls.set(fileId, url);
    url.catch(() => this.urls.get(fileId) === url && this.urls.delete(fileId));
    return url;
  }

  /** Revokes every URL handed out (and those still being fetched, once they arrive). */
  revokeAll(): void {
    for (const url of this.urls.values()) void url.then((u) => URL.revokeObjectURL(u), () => {});
    this.urls.clear();
  }
}
