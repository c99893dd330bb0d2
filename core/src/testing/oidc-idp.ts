// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the package ships no types; the site’s check reads this file without core’s own declarations
/// <reference path="../oidc-provider.d.ts" />
/**
 * A real OpenID provider for tests of company sign-in (oidc-provider, a
 * devDependency: this file is imported by tests only, never by `index.ts`).
 * It listens on a free loopback port; an account signs in by a test naming
 * it, since the provider's own login pages are not what is tested.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface TestIdp {
  readonly issuer: string;
  /** The claims of each account by its subject; tests change them freely. */
  readonly accounts: Map<string, Record<string, unknown>>;
  /** The account the next interaction signs in. */
  signInAs(subject: string): void;
  /**
   * Follows the provider's redirects from an authorization URL, signing in
   * the chosen account, and answers the URL it sends the browser back to
   * (the client's redirect URI with `code` and `state`).
   */
  authorize(authorizationUrl: string): Promise<URL>;
  close(): Promise<void>;
}

/** The scopes and the claims each gives (`groups` is the member rule's usual claim). */
const CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name'],
  groups: ['groups'],
};

export async function startTestIdp(clients: TestIdpClient[]): Promise<TestIdp> {
  const accounts = new Map<string, Record<string, unknown>>();
  let next: string | undefined;
  // Made once the port (and so the issuer) is known.
  const made: { provider?: Provider } = {};
  const server: Server = createServer((req, res) => {
    const active = made.provider as Provider;
    const interaction = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
    if (interaction) {
      const accountId = next;
      if (!accountId) {
        res.statusCode = 500;
        res.end('no account chosen for this sign-in');
        return;
      }
      active
        .interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false })
        .catch((error: unknown) => {
          res.statusCode = 500;
          res.end(String(error));
        });
      return;
    }
    active.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  made.provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [c.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    jwks: {
      keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256', use: 'sig' }],
    },
    // The session cookie is SameSite=None by default, which a browser drops
    // without Secure: over plain http on loopback it must be Lax.
    cookies: {
      keys: [randomBytes(16).toString('hex')],
      long: { httpOnly: true, sameSite: 'lax' },
    },
    claims: CLAIMS,
    findAccount: async (_ctx, id) => {
      const claims = accounts.get(id);
      if (!claims) return undefined;
      return { accountId: id, claims: async () => ({ ...claims, sub: id }) };
    },
    features: { devInteractions: { enabled: false } },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Consent is not what is tested: the account grants what the client asks.
    loadExistingGrant: async (ctx) => {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({
        clientId: client.clientId,
        accountId: session.accountId,
      });
      grant.addOIDCScope(Object.keys(CLAIMS).join(' '));
      await grant.save();
      return grant;
    },
  });

  // The provider's cookies, by name, across the redirects of one sign-in.
  const jar = new Map<string, string>();
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  };

  return {
    issuer,
    accounts,
    signInAs(subject) {
      next = subject;
    },
    async authorize(authorizationUrl) {
      jar.clear();
      let url = new URL(authorizationUrl);
      for (let hop = 0; hop < 10; hop++) {
        if (url.origin !== issuer) return url;
        const response = await fetch(url, {
          redirect: 'manual',
          headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
        });
        keep(response);
        const location = response.headers.get('location');
        if (!location) {
          throw new Error(`the provider answered ${response.status}: ${await response.text()}`);
        }
        url = new URL(location, url);
      }
      throw new Error('too many redirects at the provider');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
