/** A fetch-based client for tests that drive a real Tandem process. */
export function httpClient(baseUrl: string) {
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers['authorization'] = `Bearer ${token}`;
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return {
    get: (path: string, token?: string) => call('GET', path, undefined, token),
    post: (path: string, body?: unknown, token?: string) => call('POST', path, body, token),
    async pledgeAndConfirm(challengeId: string, email: string): Promise<void> {
      const pledged = await call('POST', `/api/challenges/${challengeId}/pledges`, { email });
      if (pledged.status !== 202)
        throw new Error(`pledge ${email}: ${pledged.status} ${JSON.stringify(pledged.body)}`);
      const box = await call('GET', `/api/dev/mailbox?to=${encodeURIComponent(email)}`);
      const token = box.body.messages.find(
        (m: { purpose: string }) => m.purpose === 'pledge-confirmation',
      )?.token;
      const confirmed = await call('POST', '/api/pledges/confirm', { token });
      if (confirmed.status !== 200)
        throw new Error(`confirm ${email}: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
    },
  };
}
