import { z } from 'zod';

/** Building blocks for the protocol's schemas (not exported by the protocol itself). */
export const id = z.string().min(1).max(128);
export const ms = z.number().finite().nonnegative();
