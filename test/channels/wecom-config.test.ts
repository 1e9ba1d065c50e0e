/** Settings of the official WeChat channels: complete or absent, well-formed, and their identities usable for roles. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config.ts';

const KEY = 'a'.repeat(43);
const wecom = { WECOM_CORP_ID: 'ww0123456789abcdef', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 's3cret', WECOM_TOKEN: 'Tok123', WECOM_ENCODING_AES_KEY: KEY };

describe('official channel settings', () => {
  it('a complete WeCom app is accepted and the API root defaults to the official host', () => {
    const config = loadConfig(wecom);
    expect(config.WECOM_AGENT_ID).toBe(1000002);
    expect(config.WECOM_API_ROOT).toBe('https://qyapi.weixin.qq.com');
    expect(config.WXOA_API_ROOT).toBe('https://api.weixin.qq.com');
  });

  it('a partial set names what is missing', () => {
    const { WECOM_SECRET: _s, ...partial } = wecom;
    expect(() => loadConfig(partial)).toThrow(/WECOM_SECRET: required with/);
    expect(() => loadConfig({ WXOA_APP_ID: 'wx0011223344556677' })).toThrow(/WXOA_APP_SECRET, WXOA_TOKEN, WXOA_ENCODING_AES_KEY: required/);
  });

  it('a malformed key or token is refused with what it must look like', () => {
    expect(() => loadConfig({ ...wecom, WECOM_ENCODING_AES_KEY: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...wecom, WECOM_ENCODING_AES_KEY: 'short' })).toThrow(/43 letters and digits/);
    expect(() => loadConfig({ ...wecom, WECOM_TOKEN: 'has space' })).toThrow(/WECOM_TOKEN/);
  });

  it('wecom:, wxkf: and wxoa: identities can hold roles', () => {
    const config = loadConfig({ BOT_ADMINS: 'wecom:zhangsan', BOT_STAFF: 'wxkf:wmABC,wxoa:oXYZ' });
    expect(config.BOT_ADMINS).toEqual(['wecom:zhangsan']);
    expect(config.BOT_STAFF).toEqual(['wxkf:wmABC', 'wxoa:oXYZ']);
    expect(() => loadConfig({ BOT_STAFF: 'qq:123' })).toThrow(/wecom, wxkf, wxoa/);
  });
});

describe('official identities linked to console accounts', () => {
  it('a wecom:, wxkf: or wxoa: identity linked to a console account holds its role', async () => {
    const { startRedis } = await import('../helpers/redis.ts');
    const { Redis } = await import('ioredis');
    const { Keys } = await import('../../src/core/keys.ts');
    const { RoleDirectory, linkedRolesKey } = await import('../../src/core/roles.ts');
    const server = await startRedis();
    const redis = new Redis(server.url);
    redis.on('error', () => undefined);
    try {
      const keys = new Keys('ua:');
      await redis.hset(linkedRolesKey(keys), {
        'wecom:zhangsan': JSON.stringify({ role: 'admin', account: 'zhang' }),
        'wxkf:wmLi': JSON.stringify({ role: 'staff', account: 'li' }),
        'wxoa:oWang': JSON.stringify({ role: 'staff', account: 'wang' }),
      });
      const roles = new RoleDirectory(loadConfig({}), redis, keys);
      await roles.refresh();
      expect([...roles.of('wecom:zhangsan')].sort()).toEqual(['admin', 'staff']);
      expect([...roles.of('wxkf:wmLi')]).toEqual(['staff']);
      expect([...roles.of('wxoa:oWang')]).toEqual(['staff']);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});
