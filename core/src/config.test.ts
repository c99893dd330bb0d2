import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { TandemError } from './errors.js';

const failure = (env: Record<string, string>): TandemError => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof TandemError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to refuse this environment');
};

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.devMailbox).toBe(false);
    expect(config.publicUrl).toBe('http://127.0.0.1:3000');
    expect(config.rateLimits).toEqual({ perIpPerMinute: 1000, perEmailPerHour: 10 });
  });

  it('reads the variables it knows and converts numbers', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://u@db/tandem',
      TANDEM_DEV_MAILBOX: '1',
      TANDEM_RATE_LIMIT_PER_IP: '0',
      TANDEM_ADMIN_TOKEN: 'a-token-long-enough',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u@db/tandem',
      devMailbox: true,
      adminToken: 'a-token-long-enough',
      publicUrl: 'http://localhost:8080',
      rateLimits: { perIpPerMinute: 0, perEmailPerHour: 10 },
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it.each([
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ TANDEM_ADMIN_TOKEN: 'short' }, 'TANDEM_ADMIN_TOKEN'],
    [{ TANDEM_DEV_MAILBOX: 'yes' }, 'TANDEM_DEV_MAILBOX'],
    [{ TANDEM_RATE_LIMIT_PER_IP: '-1' }, 'TANDEM_RATE_LIMIT_PER_IP'],
  ])('refuses %j with a sentence naming %s', (env, name) => {
    const error = failure(env);
    expect(error.code).toBe('TANDEM_CONFIG_INVALID');
    expect(error.message).toContain(name);
  });

  it('parses TANDEM_PUBLIC_URL once: its origin, or none when it is unset', () => {
    expect(loadConfig({}).publicOrigin).toBeUndefined();
    const config = loadConfig({ TANDEM_PUBLIC_URL: 'https://Tandem.Example.org:443/app/' });
    expect(config.publicOrigin).toBe('https://tandem.example.org');
    expect(config.publicUrl).toBe('https://Tandem.Example.org:443/app');
    expect(loadConfig({ TANDEM_PUBLIC_URL: 'http://localhost:5173' }).publicOrigin).toBe(
      'http://localhost:5173',
    );
  });

  it.each(['http://', 'https://user:secret@tandem.example.org', 'https://exa mple.org', 'ftp://x'])(
    'refuses TANDEM_PUBLIC_URL %j at start-up',
    (value) => {
      const error = failure({ TANDEM_PUBLIC_URL: value });
      expect(error.code).toBe('TANDEM_CONFIG_INVALID');
      expect(error.message).toContain('TANDEM_PUBLIC_URL');
    },
  );

  it('reads TANDEM_CONTRIBUTION_EDIT_DAYS, 3 by default', () => {
    expect(loadConfig({}).contributionEditDays).toBe(3);
    expect(loadConfig({ TANDEM_CONTRIBUTION_EDIT_DAYS: '0' }).contributionEditDays).toBe(0);
    expect(failure({ TANDEM_CONTRIBUTION_EDIT_DAYS: '-1' }).message).toContain(
      'TANDEM_CONTRIBUTION_EDIT_DAYS',
    );
  });

  it('reads TANDEM_REDIS_PREFIX, `tandem` by default, and takes a Cluster hash tag', () => {
    expect(loadConfig({}).redisPrefix).toBe('tandem');
    expect(loadConfig({ TANDEM_REDIS_PREFIX: '{tandem}' }).redisPrefix).toBe('{tandem}');
    expect(loadConfig({ TANDEM_REDIS_PREFIX: 'staging:{t1}' }).redisPrefix).toBe('staging:{t1}');
  });

  it.each(['has space', 'glob*', 'x'.repeat(65), 'new\nline'])(
    'refuses TANDEM_REDIS_PREFIX %j at start-up',
    (value) => {
      const error = failure({ TANDEM_REDIS_PREFIX: value });
      expect(error.code).toBe('TANDEM_CONFIG_INVALID');
      expect(error.message).toContain('TANDEM_REDIS_PREFIX');
    },
  );

  it('reads TANDEM_JOB_CONCURRENCY, unset by default (each queue keeps its own)', () => {
    expect(loadConfig({}).jobConcurrency).toBeUndefined();
    expect(loadConfig({ TANDEM_JOB_CONCURRENCY: '8' }).jobConcurrency).toBe(8);
    for (const value of ['0', '257', 'many']) {
      expect(failure({ TANDEM_JOB_CONCURRENCY: value }).message).toContain(
        'TANDEM_JOB_CONCURRENCY',
      );
    }
  });
});
