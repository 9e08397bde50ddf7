import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CounterpartError, ErrorCode, MAX_UPLOAD_BYTES, UPLOAD_TYPES, type UploadType } from '../../../protocol/index';

/** What the first bytes of each accepted type must be (text must be UTF-8 without NUL). */
const MAGIC: Partial<Record<UploadType, (b: Buffer) => boolean>> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b.subarray(0, 6).toString('latin1') === 'GIF87a' || b.subarray(0, 6).toString('latin1') === 'GIF89a',
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'text/plain': (b) => !b.includes(0) && Buffer.from(b.toString('utf8'), 'utf8').equals(b),
};

/** The declared type, if it is accepted (parameters such as `; charset=` are ignored). */
export function uploadType(contentType: string | undefined): UploadType {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!(UPLOAD_TYPES as readonly string[]).includes(t))
    throw new CounterpartError(ErrorCode.UnsupportedType, `Files of type ${t || '(none)'} cannot be sent. Send an image (PNG, JPEG, GIF, WebP), a PDF or a text file.`);
  return t as UploadType;
}

/** Reads a request body up to the cap; more is refused (and not read further). */
export async function readCapped(stream: AsyncIterable<Buffer | string>, declared: number | null): Promise<Buffer> {
  if (declared !== null && declared > MAX_UPLOAD_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > MAX_UPLOAD_BYTES) throw tooLarge();
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

const tooLarge = () => new CounterpartError(ErrorCode.TooLarge, `Files can be at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);

/**
 * A file name safe to store and show: no paths, no control characters (C0, C1), no invisible
 * or direction-changing marks (which can make `invoice‮fdp.exe` look like a PDF), at most 200 characters.
 */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, '').trim().slice(0, 200);
  return clean || 'file';
}

/** Uploaded files on disk under random 128-bit names (nothing a client sends becomes a path). */
export class FileStore {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Checks the content against its type, then stores it; returns the new file's id. */
  async save(body: Buffer, type: UploadType): Promise<string> {
    if (body.length === 0) throw new CounterpartError(ErrorCode.BadRequest, 'The file is empty');
    if (!MAGIC[type]?.(body)) throw new CounterpartError(ErrorCode.UnsupportedType, `The file is not a valid ${type} file`);
    const id = randomBytes(16).toString('hex');
    await fs.promises.writeFile(this.pathOf(id), body, { flag: 'wx', mode: 0o600 });
    return id;
  }

  pathOf(id: string): string {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new CounterpartError(ErrorCode.NotFound, 'No such file');
    return path.join(this.dir, id);
  }

  async remove(id: string): Promise<void> {
    await fs.promises.rm(this.pathOf(id), { force: true });
  }
}
