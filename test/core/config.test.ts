import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config.ts';
import { maskPersonalNumbers, sanitizeText, stripAddress } from '../../src/core/text.ts';

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.devMode).toBe(true);
    expect(c.BOT_NAMES).toContain('小助手');
  });

  it('parses role lists as platform:userId', () => {
    const c = loadConfig({ BOT_ADMINS: 'telegram:123456, wechat:wxid_abc,web:admin1' });
    expect(c.BOT_ADMINS).toEqual(['telegram:123456', 'wechat:wxid_abc', 'web:admin1']);
  });

  it('names the variable and what is allowed when a value is wrong', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ BOT_ADMINS: 'qq:1' })).toThrow(/BOT_ADMINS.*platform:userId/s);
    expect(() => loadConfig({ TELEGRAM_MODE: 'push' })).toThrow(/TELEGRAM_MODE.*polling.*webhook/s);
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '1:abc', TELEGRAM_MODE: 'webhook' })).toThrow(/TELEGRAM_WEBHOOK_URL/);
    expect(() => loadConfig({ REDIS_OPTIONS: '{nope' })).toThrow(/REDIS_OPTIONS: must be a JSON object/);
  });

  it('takes Sentinel settings from REDIS_OPTIONS and refuses what it would not use', () => {
    const sentinel = { sentinels: [{ host: '10.0.0.5', port: 26379 }], name: 'mymaster', password: 'pw' };
    expect(loadConfig({ REDIS_OPTIONS: JSON.stringify(sentinel) }).REDIS_OPTIONS).toEqual(sentinel);
    expect(() => loadConfig({ REDIS_OPTIONS: '{"sentinels":[{"host":"a","port":26379}]}' })).toThrow(/REDIS_OPTIONS: name/);
    expect(() => loadConfig({ REDIS_OPTIONS: '{"enableOfflineQueue":true}' })).toThrow(/REDIS_OPTIONS.*enableOfflineQueue/s);
    expect(() => loadConfig({ REDIS_OPTIONS: '{"sentinels":[{"host":"a","port":"x"}],"name":"m"}' })).toThrow(/REDIS_OPTIONS\.sentinels\.0\.port/);
  });

  it('requires a well-formed encryption key in production, and refuses a malformed one anywhere', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/DATA_ENCRYPTION_KEY: required/);
    expect(() => loadConfig({ DATA_ENCRYPTION_KEY: 'short' })).toThrow(/DATA_ENCRYPTION_KEY: must be 32 bytes/);
    expect(loadConfig({ NODE_ENV: 'production', DATA_ENCRYPTION_KEY: 'ab'.repeat(32) }).devMode).toBe(false);
  });

  it('refuses web identities with roles on a public host without a token', () => {
    expect(() => loadConfig({ BOT_ADMINS: 'web:boss', HOST: '0.0.0.0' })).toThrow(/WEB_API_TOKEN/);
    expect(loadConfig({ BOT_ADMINS: 'web:boss', HOST: '0.0.0.0', WEB_API_TOKEN: 'long-enough-token' }).BOT_ADMINS).toEqual(['web:boss']);
  });
});

describe('text hygiene', () => {
  it('removes control and zero-width characters and converts full-width digits', () => {
    expect(sanitizeText('\u200B１３８\u0000００１３８０００ ')).toBe('13800138000');
    expect(sanitizeText('怎么办？（急）')).toBe('怎么办？（急）');
  });

  it('strips the bot’s name or @mention from the start', () => {
    expect(stripAddress('@小助手 拖欠工资怎么办', ['小助手'])).toBe('拖欠工资怎么办');
    expect(stripAddress('小助手，拖欠工资怎么办', ['小助手'])).toBe('拖欠工资怎么办');
    expect(stripAddress('@union_bot 菜单', ['小助手'])).toBe('菜单');
  });

  it('masks ID numbers, bank cards and phones in logs', () => {
    const out = maskPersonalNumbers('身份证11010519491231002X 卡6222021234567890123 电话13812345678');
    expect(out).not.toMatch(/19491231|2123456789|1234567/);
    expect(out).toContain('138****5678');
  });
});
