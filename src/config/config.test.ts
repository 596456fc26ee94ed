import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('gives documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.migrateOnStart).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', HOST: '' }).port).toBe(3000);
  });

  it('reads every setting', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/spool',
      SPOOL_SECRET_KEY: 'a'.repeat(64),
      SPOOL_DATA_DIR: '/var/lib/spool',
      SPOOL_MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/spool',
      dataDir: '/var/lib/spool',
      migrateOnStart: false,
      logLevel: 'debug',
    });
  });

  it('lists every problem at once, naming the setting and its value', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        SPOOL_MIGRATE_ON_START: 'maybe',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT="eighty"/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL="mysql:\/\/x": must be a postgres/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL="loud"/);
    expect(problems.join('\n')).toMatch(/SPOOL_MIGRATE_ON_START="maybe": must be true or false/);
    expect((error as Error).message).toMatch(/^Spool cannot start; fix these settings:/);
  });

  it('requires a shared secret key with an external database, and PUBLIC_URL with SMTP', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/spool' })).toThrow(
      /SPOOL_SECRET_KEY="": is required with DATABASE_URL/,
    );
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail:25' })).toThrow(
      /PUBLIC_URL="": is required with SMTP_URL/,
    );
    expect(loadConfig({ SPOOL_SECRET_KEY: 'b'.repeat(64) }).secretKey).toEqual(Buffer.alloc(32, 0xbb));
  });

  it('rejects ports out of range', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT="70000": must be between 0 and 65535/);
  });
});
