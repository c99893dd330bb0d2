/* eslint-disable @typescript-eslint/no-explicit-any -- tests read answers field by field; `any` keeps them legible, and each assertion checks the shape it needs. */
import type { App } from '../http/types.js';

export interface TestResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

type Body = Record<string, unknown> | unknown[] | undefined;

export interface TestClient {
  get<T = any>(url: string, options?: { token?: string }): Promise<TestResponse<T>>;
  post<T = any>(
    url: string,
    body?: Body,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<TestResponse<T>>;
  patch<T = any>(url: string, body?: Body, options?: { token?: string }): Promise<TestResponse<T>>;
  put<T = any>(url: string, body?: Body, options?: { token?: string }): Promise<TestResponse<T>>;
  delete<T = any>(url: string, options?: { token?: string }): Promise<TestResponse<T>>;
  /** Signs in through the magic link and the dev mailbox; returns the session token. */
  signIn(email: string): Promise<string>;
  /** The newest token mailed to `email` for `purpose`. */
  mailedToken(email: string, purpose: string): Promise<string>;
  /** Pledges anonymously and confirms through the mailed token; returns the pledge id. */
  pledgeAndConfirm(
    challengeId: string,
    email: string,
    body?: Record<string, unknown>,
  ): Promise<string>;
}

/** A small HTTP client over `app.inject()`, for tests that read like API calls. */
export function createTestClient(app: App): TestClient {
  const send = async (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: Body,
    options: { token?: string; headers?: Record<string, string> } = {},
  ): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    const response = await app.inject({
      method,
      url,
      headers,
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    let parsed: unknown = response.body;
    if (String(response.headers['content-type'] ?? '').includes('json') && response.body !== '') {
      parsed = JSON.parse(response.body);
    }
    return { status: response.statusCode, body: parsed, headers: response.headers };
  };

  const client: TestClient = {
    get: (url, options) => send('GET', url, undefined, options),
    post: (url, body, options) => send('POST', url, body, options),
    patch: (url, body, options) => send('PATCH', url, body, options),
    put: (url, body, options) => send('PUT', url, body, options),
    delete: (url, options) => send('DELETE', url, undefined, options),
    async mailedToken(email, purpose) {
      const box = await send('GET', `/api/dev/mailbox?to=${encodeURIComponent(email)}`);
      const message = (
        box.body as { messages: { purpose: string; token?: string }[] }
      ).messages.find((m) => m.purpose === purpose);
      if (!message?.token) throw new Error(`no ${purpose} mail with a token for ${email}`);
      return message.token;
    },
    async signIn(email) {
      const asked = await send('POST', '/api/auth/magic-link', { email });
      if (asked.status !== 202)
        throw new Error(`magic link failed: ${asked.status} ${JSON.stringify(asked.body)}`);
      const token = await client.mailedToken(email, 'sign-in');
      const session = await send('POST', '/api/auth/session', { token });
      if (session.status !== 200) throw new Error(`session failed: ${session.status}`);
      return (session.body as { sessionToken: string }).sessionToken;
    },
    async pledgeAndConfirm(challengeId, email, body = {}) {
      const pledged = await send('POST', `/api/challenges/${challengeId}/pledges`, {
        email,
        ...body,
      });
      if (pledged.status !== 202)
        throw new Error(`pledge failed: ${pledged.status} ${JSON.stringify(pledged.body)}`);
      const token = await client.mailedToken(email, 'pledge-confirmation');
      const confirmed = await send('POST', '/api/pledges/confirm', { token });
      if (confirmed.status !== 200)
        throw new Error(`confirm failed: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
      return (confirmed.body as { id: string }).id;
    },
  };
  return client;
}
