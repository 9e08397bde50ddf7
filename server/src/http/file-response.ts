import type { Context } from 'koa';
import fs from 'node:fs';
import type { FileStore } from '../conversations/files';

/** Sends a stored upload: images inline, the rest as attachments; never sniffed, never scripted. */
export function sendStoredFile(ctx: Context, files: FileStore, f: { id: string; name: string; type: string }): void {
  const image = f.type.startsWith('image/');
  ctx.set('Content-Type', f.type);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
  ctx.set('Cache-Control', 'private, max-age=3600');
  ctx.set('Content-Disposition', `${image ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(f.name)}`);
  ctx.body = fs.createReadStream(files.pathOf(f.id));
}
