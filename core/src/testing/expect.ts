import { expect } from 'vitest';

/**
 * Fails the test, showing the answer's body, when a response's status is
 * not `status`; answers the body otherwise.
 *
 * @example
 * const created = expectStatus(await client.post('/api/organizations', body, admin), 201);
 */
export function expectStatus<T>(response: { status: number; body: T }, status: number): T {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}
