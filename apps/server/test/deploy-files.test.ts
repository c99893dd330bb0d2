import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '@tandem/core';
import { repoRoot } from './process.js';

/**
 * The container files (Dockerfile, .dockerignore, compose.yaml) and
 * docs/deploy.md, checked against the code without a container daemon
 * (none runs where the tests run; ADR 0046): what the image copies exists,
 * its entrypoint is the `tandem` command, it runs as no root, its health
 * check and the compose services name real paths, commands and settings,
 * and every setting, metric and endpoint deploy.md names is one the code
 * has.
 */

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/** The Dockerfile as instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** The commands `tandem` dispatches on (the `case '…':` of its switch). */
const cliCommands = (): Set<string> =>
  new Set([...read('apps/server/src/cli.ts').matchAll(/case '([a-z-]+)':/g)].map((m) => m[1]!));

/** The environment variables the configuration schema knows. */
const configVariables = (): Set<string> =>
  new Set(
    [...read('core/src/config.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]+): Type\./gm)].map((m) => m[1]!),
  );

/** The TypeScript sources of the server command and the site, where a few more variables are read. */
const variablesReadElsewhere = (): string => {
  let text = '';
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'paraglide' && entry.name !== 'node_modules') walk(path);
      } else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) text += read(path);
    }
  };
  walk('apps/server/src');
  walk('apps/web/src');
  return text;
};

describe('Dockerfile', () => {
  const steps = instructions(read('Dockerfile'));
  const stages = steps.filter((s) => s.op === 'FROM');
  const finalStage = steps.slice(steps.lastIndexOf(stages.at(-1)!));

  it('builds in one stage and runs in another, from a Node that satisfies the engines', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const image = steps.find((s) => s.op === 'ARG' && s.args.startsWith('NODE_IMAGE='))?.args;
    const major = Number(/node:(\d+)/.exec(image ?? '')?.[1]);
    const engines = JSON.parse(read('package.json')).engines.node as string;
    expect(major).toBeGreaterThanOrEqual(Number(/>=(\d+)/.exec(engines)?.[1]));
    const runs = steps.filter((s) => s.op === 'RUN').map((s) => s.args);
    expect(runs.some((r) => r.includes('npm ci'))).toBe(true);
    expect(runs.some((r) => r.includes('npm run build'))).toBe(true);
    expect(runs.some((r) => r.includes('--omit=dev'))).toBe(true);
    expect(JSON.parse(read('package.json')).scripts.build).toBeTruthy();
    // The build installs with the npm the repository pins.
    const packageManager = JSON.parse(read('package.json')).packageManager as string;
    expect(packageManager).toMatch(/^npm@\d+\.\d+\.\d+$/);
    expect(runs).toContainEqual(expect.stringContaining(`npm install -g ${packageManager}`));
    // The runtime stage installs nothing and builds nothing: it copies the built stage.
    expect(finalStage.filter((s) => s.op === 'RUN').map((s) => s.args)).not.toContainEqual(
      expect.stringMatching(/npm (ci|install|run)/),
    );
    expect(finalStage.some((s) => s.op === 'COPY' && s.args.includes('--from=build'))).toBe(true);
  });

  it('copies only what exists and .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const must of ['**/node_modules', '**/dist', '.git']) expect(ignored).toContain(must);
    const copies = steps.filter((s) => s.op === 'COPY' && !s.args.includes('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = copy.args.split(/\s+/).filter((a) => !a.startsWith('--'));
      sources.pop(); // the destination
      for (const source of sources) {
        expect(existsSync(join(repoRoot, source)), source).toBe(true);
        expect(ignored, source).not.toContain(source);
      }
    }
    // What the runtime needs is not kept out of the build context.
    for (const needed of ['package-lock.json', 'apps/server/bin', 'apps/web/static'])
      expect(ignored.some((pattern) => needed.startsWith(pattern))).toBe(false);
  });

  it('runs `tandem` as its entrypoint, as a user who is not root', () => {
    const workdir = finalStage.filter((s) => s.op === 'WORKDIR').at(-1)?.args;
    expect(workdir).toBe('/app');
    const entrypoint = JSON.parse(finalStage.find((s) => s.op === 'ENTRYPOINT')!.args) as string[];
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint[1]).toBe('/app/apps/server/bin/tandem.js');
    expect(existsSync(join(repoRoot, entrypoint[1]!.replace(/^\/app\//, '')))).toBe(true);
    expect(JSON.parse(read('apps/server/package.json')).bin.tandem).toBe('bin/tandem.js');
    const cmd = JSON.parse(finalStage.find((s) => s.op === 'CMD')!.args) as string[];
    expect(cliCommands()).toContain(cmd[0]);
    const user = finalStage.filter((s) => s.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    // HOST=0.0.0.0: the default (127.0.0.1) would be unreachable from outside the container.
    const env = finalStage
      .filter((s) => s.op === 'ENV')
      .map((s) => s.args)
      .join(' ');
    expect(env).toMatch(/HOST=0\.0\.0\.0/);
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '3000' }).port).toBe(3000);
  });

  it('checks health on the readiness endpoint the server has', () => {
    const check = finalStage.find((s) => s.op === 'HEALTHCHECK')?.args ?? '';
    const path = /\/ops\/[a-z]+/.exec(check)?.[0];
    expect(path).toBe('/ops/ready');
    expect(read('core/src/ops/index.ts')).toContain(`'${path}'`);
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
  };
  const services = compose.services;
  const tandemServices = Object.entries(services).filter(
    ([, s]) => s['image'] === 'tandem:local' || s['build'] !== undefined,
  );
  const commandOf = (service: Record<string, unknown>) => (service['command'] as string[])[0];

  it('runs PostgreSQL, Redis, a migration, two servers, two workers and a balancer', () => {
    expect(services['postgres']).toBeDefined();
    expect(services['redis']).toBeDefined();
    const commands = tandemServices.map(([, s]) => commandOf(s));
    expect(commands.filter((c) => c === 'serve')).toHaveLength(2);
    expect(commands.filter((c) => c === 'worker')).toHaveLength(2);
    expect(commands.filter((c) => c === 'migrate')).toHaveLength(1);
    for (const command of commands) expect(cliCommands()).toContain(command);
    // Queues never evicted, and kept across a restart.
    const redis = (services['redis']!['command'] as string[]).join(' ');
    expect(redis).toContain('--maxmemory-policy noeviction');
    expect(redis).toContain('--appendonly yes');
  });

  it('starts servers and workers only after the migration succeeded', () => {
    for (const [name, service] of tandemServices) {
      if (commandOf(service) === 'migrate') continue;
      const dependsOn = service['depends_on'] as Record<string, { condition: string }>;
      expect(dependsOn['migrate']?.condition, name).toBe('service_completed_successfully');
    }
  });

  it('gives every Tandem service settings the configuration accepts', () => {
    const known = configVariables();
    for (const [name, service] of tandemServices) {
      const environment = service['environment'] as Record<string, string>;
      // `${NAME:?…}` must be set by whoever runs it; `${NAME:-x}` defaults to x.
      const resolved: Record<string, string> = {};
      for (const [key, value] of Object.entries(environment)) {
        expect(known, `${name}: ${key}`).toContain(key);
        resolved[key] = String(value)
          .replace(/\$\{TANDEM_SECRET_KEY:\?[^}]*\}/, Buffer.alloc(32, 7).toString('base64'))
          .replace(/\$\{[A-Z_]+:\?[^}]*\}/, 'a-value-long-enough-for-a-token')
          .replace(/\$\{[A-Z_]+:-([^}]*)\}/, '$1');
      }
      const config = loadConfig(resolved);
      expect(config.databaseUrl, name).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      expect(config.redisUrl, name).toBe('redis://redis:6379');
      // Hash-tagged, so the same settings run on a Redis Cluster (ADR 0046).
      expect(config.redisPrefix, name).toMatch(/^\{[^}]+\}/);
    }
  });

  it('turns the image health check off where nothing listens', () => {
    for (const [name, service] of tandemServices) {
      const listens = commandOf(service) === 'serve';
      expect(Boolean((service['healthcheck'] as { disable?: boolean })?.disable), name).toBe(
        !listens,
      );
    }
  });

  it('balances over both servers on the port the image listens on', () => {
    const balancer = (services['balancer']!['command'] as string[]).join(' ');
    const servers = tandemServices.filter(([, s]) => commandOf(s) === 'serve').map(([n]) => n);
    const port = /PORT=(\d+)/.exec(read('Dockerfile'))?.[1];
    for (const server of servers) expect(balancer).toContain(`${server}:${port}`);
  });
});

describe('docs/deploy.md', () => {
  const text = read('docs/deploy.md');

  it('names only settings the code reads', () => {
    const known = configVariables();
    const elsewhere = variablesReadElsewhere();
    const named = new Set(
      [
        ...text.matchAll(
          /`((?:TANDEM|DATABASE|REDIS|SMTP|MAIL)_[A-Z0-9_]+|PORT|HOST)(?:=[^`]*)?`/g,
        ),
      ].map((m) => m[1]!),
    );
    expect(named.size).toBeGreaterThan(10);
    for (const name of named) {
      expect(known.has(name) || elsewhere.includes(`'${name}'`), name).toBe(true);
    }
  });

  it('names only metrics the server exports and endpoints it has', () => {
    const metrics = new Set(
      [...read('core/src/ops/metrics.ts').matchAll(/: '(tandem_[a-z_]+)'/g)].map((m) => m[1]!),
    );
    expect(metrics.size).toBeGreaterThan(5);
    // Names of that shape that are no metric: the session cookie.
    const others = new Map([['tandem_session', read('core/src/http/session-cookie.ts')]]);
    const named = [...text.matchAll(/`(tandem_[a-z_]+)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(3);
    for (const name of named) {
      if (others.has(name)) expect(others.get(name)).toContain(`'${name}'`);
      else expect(metrics, name).toContain(name);
    }
    const ops = read('core/src/ops/index.ts') + read('core/src/http/app.ts');
    const paths = [...text.matchAll(/`(?:GET |POST )?(\/(?:ops|api)\/[a-z/]+)`/g)].map(
      (m) => m[1]!,
    );
    expect(paths.length).toBeGreaterThan(2);
    for (const path of paths) {
      if (path.startsWith('/api/challenges')) continue; // parameterised routes, named by their shape
      expect(ops, path).toContain(`'${path}'`);
    }
  });

  it('names only `tandem` commands that exist', () => {
    const commands = cliCommands();
    const named = [...text.matchAll(/`(?:npx )?tandem ([a-z-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(3);
    for (const name of named) expect(commands, name).toContain(name);
  });
});
