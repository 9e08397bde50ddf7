/** Assertions shared by the API tests (vitest only: the benches import ./server without it). */
import { expect } from 'vitest';
import { ErrorBody, type ErrorCode } from '../../protocol/index';
import type { HttpResult } from './server';

/** A refusal as every API route gives it: this status, `{ error: { code, message } }`, as JSON. */
export function expectError(res: HttpResult, status: number, code: ErrorCode): void {
  expect({ status: res.status, body: res.json }).toMatchObject({ status, body: { error: { code } } });
  expect(ErrorBody.safeParse(res.json).success).toBe(true);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}
