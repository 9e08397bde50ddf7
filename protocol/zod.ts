import { z } from 'zod';

/** Building blocks for the protocol's schemas (not exported by the protocol itself). */
export const id = z.string().min(1).max(128);
export const ms = z.number().finite().nonnegative();

/**
 * What no text a person typed should carry: C0 controls but tab and line breaks, DEL and C1
 * controls, the bidirectional embeddings, overrides and isolates (they reorder what is shown
 * after them: "Eve\u202Egnp.exe"), the byte-order mark, and lone surrogates. Refused, not
 * stripped: the sender is told, and what is stored is what was sent.
 */
const UNSHOWABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Something a reader can see: not only spaces and zero-width characters. */
const VISIBLE = /[^\s\u200B-\u200D\u2060\u180E]/;
const LINE_BREAK = /[\r\n\t\u2028\u2029]/;

const showable = (s: z.ZodString) => s.refine((v) => !UNSHOWABLE.test(v), 'contains control or text-direction characters');

/** One line a person typed (a name, a title): trimmed, 1…max characters, something visible, no line breaks. */
export const line = (max: number) =>
  showable(z.string().trim().min(1).max(max))
    .refine((v) => !LINE_BREAK.test(v), 'must be one line')
    .refine((v) => VISIBLE.test(v), 'must contain something visible');

/** Text a person typed (a message, a note): trimmed, 1…max characters, something visible; line breaks kept. */
export const prose = (max: number) => showable(z.string().trim().min(1).max(max)).refine((v) => VISIBLE.test(v), 'must contain something visible');

/** Text that may be left empty (a transfer note, a rating's comment): trimmed, 0…max characters. */
export const optionalProse = (max: number) => showable(z.string().trim().max(max));
