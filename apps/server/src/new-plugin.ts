import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PLUGIN_ID_PATTERN } from '@tandem/core';

/** `my-plugin` → `myPlugin`: the name the manifest is exported under. */
export const exportName = (id: string): string =>
  id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const packageJson = (id: string) => `${JSON.stringify(
  {
    name: `@tandem/plugin-${id}`,
    version: '0.1.0',
    description: `Tandem action type: ${id}`,
    type: 'module',
    license: 'MIT',
    exports: {
      '.': {
        'tandem-source': './src/index.ts',
        types: './dist/index.d.ts',
        default: './dist/index.js',
      },
    },
    files: ['dist'],
    scripts: { build: 'tsc -p tsconfig.build.json' },
    dependencies: { '@tandem/core': '0.1.0' },
  },
  null,
  2,
)}
`;

const tsconfig = `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts"]
}
`;

const routes = (
  id: string,
) => `import { access, errorResponses, Type, type PluginRouter } from '@tandem/core';

const About = Type.Object({ challengeId: Type.String(), title: Type.String() });

/**
 * The plugin's HTTP routes. \`challengeRoute\` mounts under
 * \`/api/challenges/:id\`, loads the challenge as the caller may see it and
 * answers 404 for a challenge of another action type before the handler
 * runs; \`organizationRoute\` does the same for \`/api/organizations/:slug\`
 * and a role. Each route says who may call it (\`x-tandem-access\`).
 */
export function ${exportName(id)}Routes(router: PluginRouter): void {
  router.challengeRoute({
    method: 'GET',
    path: '/${id}',
    schema: {
      'x-tandem-access': access.audience(),
      tags: ['${id}'],
      summary: 'What this action type says about one of its challenges',
      response: { 200: About, ...errorResponses(401, 403, 404) },
    },
    async handler(_request, _reply, challenge) {
      return { challengeId: challenge.id, title: challenge.title };
    },
  });
}
`;

const manifest = (id: string) => `import { Type } from '@sinclair/typebox';
import { defineActionType } from '@tandem/core';
import { ${exportName(id)}Routes } from './routes.js';

/**
 * ${id}: what people pledge and report. Start here: rename the unit, shape
 * the details, and put the emission factors in one data file, each declared
 * in \`factors\` with its source, dataset id and release (\`versionDate\`),
 * and cited by \`impact\` (docs/plugins.md, ADR 0045).
 */
export const ${exportName(id)} = defineActionType({
  id: '${id}',
  version: '0.1.0',
  coreRange: '^0.1.0',
  title: { fr: '${id}', en: '${id}' },
  unit: 'action',
  pledgeSchema: Type.Object({}, { additionalProperties: false }),
  contributionSchema: Type.Object(
    { count: Type.Integer({ minimum: 1, maximum: 100 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.count,
  impact: () => ({ co2eKg: 0, source: 'no factor yet' }),
  limits: { maxQuantityPerContribution: 100 },
  // What the plugin uses of the platform; its routes, jobs and event
  // handlers receive these and nothing else ('tables', 'organizations',
  // 'contributions', 'mail', 'jobs'… see docs/plugins.md, "Capabilities").
  capabilities: ['challenges'],
  routes: ${exportName(id)}Routes,
  // What this plugin's own tables hold about a person, for \`GET /api/me/export\`
  // and \`DELETE /api/me\`. 'none' while it has no tables; with migrations,
  // give \`{ export, erase }\` hooks instead (docs/plugins.md, "Personal data").
  personalData: 'none',
});
`;

const test = (id: string) => `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  describeActionTypeContract,
  expectStatus,
  openChallenge,
  startTestPlatform,
  unique,
  type TestPlatform,
} from '@tandem/core/testing';
import { ${exportName(id)} } from './index.js';

// What every action type owes: figures finite and ≥ 0, declared factors,
// limits per person and day, wrong fields named (docs/plugins.md, "Test kit").
describeActionTypeContract(${exportName(id)});

describe('${id}', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ plugins: [${exportName(id)}] });
  });
  afterAll(() => platform?.stop());

  it('counts what participants report toward the goal', async () => {
    const client = createTestClient(platform.app);
    const { challengeId } = await openChallenge(client, platform.adminToken, {
      title: 'Challenge',
      actionType: '${id}',
      goal: { quantity: 3 },
    });

    const session = await client.signIn(\`someone-\${unique()}@example.org\`);
    // A report needs a live pledge first.
    expectStatus(
      await client.post(\`/api/challenges/\${challengeId}/pledges\`, {}, { token: session }),
      201,
    );
    const reported = expectStatus(
      await client.post(
        \`/api/challenges/\${challengeId}/contributions\`,
        { details: { count: 3 } },
        { token: session },
      ),
      201,
    );
    expect(reported.quantity).toBe(3);
    await platform.settle();
    const after = await client.get(\`/api/challenges/\${challengeId}\`);
    expect(after.body.progress).toMatchObject({ participants: 1, quantity: 3 });
    expect(after.body.status).toBe('succeeded');
  });

  it('answers its own route for its challenges only', async () => {
    const client = createTestClient(platform.app);
    const admin = { token: platform.adminToken };
    const slug = \`route-\${Date.now().toString(36)}\`;
    await client.post('/api/organizations', { slug, name: 'Org', kind: 'association' }, admin);
    const campaign = await client.post(\`/api/organizations/\${slug}/campaigns\`, { title: 'Campaign' }, admin);
    const mine = await client.post(
      \`/api/campaigns/\${campaign.body.id}/challenges\`,
      { title: 'Mine', actionType: '${id}', goal: { participants: 1 } },
      admin,
    );
    await client.post(\`/api/challenges/\${mine.body.id}/open\`, undefined, admin);
    const about = await client.get(\`/api/challenges/\${mine.body.id}/${id}\`);
    expect(about.status).toBe(200);
    expect(about.body).toEqual({ challengeId: mine.body.id, title: 'Mine' });

    const other = await client.post(
      \`/api/campaigns/\${campaign.body.id}/challenges\`,
      { title: 'Other', actionType: 'pledge-only', goal: { participants: 1 } },
      admin,
    );
    await client.post(\`/api/challenges/\${other.body.id}/open\`, undefined, admin);
    expect((await client.get(\`/api/challenges/\${other.body.id}/${id}\`)).status).toBe(404);
  });

  it('refuses details its schema does not know', async () => {
    expect(() =>
      ${exportName(id)}.measure({ details: { count: 1, extra: true }, settings: {}, pledge: null, occurredAt: new Date() }),
    ).toThrow(expect.objectContaining({ code: 'TANDEM_REQUEST_UNKNOWN_FIELD' }));
  });
});
`;

const readme = (id: string) => `# @tandem/plugin-${id}

An action type for Tandem. Participants report a count of actions; the
challenge's goal can be a number of participants and/or a quantity.

## Register it

In \`apps/server/src/tandem.config.ts\`:

\`\`\`ts
import { ${exportName(id)} } from '@tandem/plugin-${id}';
export const plugins: Plugin[] = [${exportName(id)}];
\`\`\`

then \`npm install\` (to link the package) and restart Tandem.

## Details

- pledge: \`{}\`
- contribution: \`{ "count": 2 }\` (1 to 100)

## Personal data

People can export and erase what Tandem holds about them. Core covers its
own tables (pledges and their details, contributions, mails). When this
plugin gets tables of its own (\`migrations\`), replace \`personalData: 'none'\`
with hooks: \`export({ subject, sql })\` returns what the tables hold about
\`subject.participantId\` as JSON, \`erase({ subject, sql })\` deletes or
anonymises it in the erasure's transaction without changing any count.
Tandem refuses to load a plugin with migrations that declares neither.

## Test it

\`npx vitest run plugins/${id}\` runs the real engine on a fresh PostgreSQL database.
`;

/**
 * `tandem new-plugin <id>`: writes `plugins/<id>/` — a manifest, a route, a test that
 * runs the real engine, a README — which builds, registers and passes its
 * tests as generated. See docs/plugins.md for what to change next.
 */
export async function scaffoldPlugin(root: string, id: string): Promise<string> {
  if (!PLUGIN_ID_PATTERN.test(id) || id.length < 2 || id.length > 40) {
    throw new Error(
      `"${id}" is not a plugin id: use kebab-case, 2 to 40 characters (e.g. "bike-to-school").`,
    );
  }
  const dir = join(root, 'plugins', id);
  if (existsSync(dir)) throw new Error(`${dir} already exists.`);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'package.json'), packageJson(id));
  await writeFile(join(dir, 'tsconfig.build.json'), tsconfig);
  await writeFile(join(dir, 'src', 'index.ts'), manifest(id));
  await writeFile(join(dir, 'src', 'routes.ts'), routes(id));
  await writeFile(join(dir, 'src', 'index.test.ts'), test(id));
  await writeFile(join(dir, 'README.md'), readme(id));
  return dir;
}
