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
});
