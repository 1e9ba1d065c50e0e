/** The JSON limits checked before parsing (src/channels/http/json.ts), keys with and without escapes. */
import { describe, expect, it } from 'vitest';
import { JsonLimitError, parseLimitedJson, SMALL_JSON_BYTES } from '../../../src/channels/http/json.ts';

const refused = (text: string): number | 'parsed' => {
  try {
    parseLimitedJson(text);
    return 'parsed';
  } catch (err) {
    expect(err).toBeInstanceOf(JsonLimitError);
    return (err as JsonLimitError).statusCode;
  }
};

describe('parseLimitedJson', () => {
  it('parses an ordinary web message', () => {
    expect(parseLimitedJson('{"userId":"h1","chatType":"private","text":"加班费怎么算"}')).toEqual({ userId: 'h1', chatType: 'private', text: '加班费怎么算' });
  });

  it('refuses __proto__ as a key, written plainly or with escapes', () => {
    expect(refused('{"__proto__":{"admin":true}}')).toBe(400);
    expect(refused('{"a":{"__pro\\u0074o__":{"admin":true}}}')).toBe(400);
  });

  it('allows long strings only under the file-data key, whether or not its name is escaped', () => {
    const long = 'A'.repeat(SMALL_JSON_BYTES + 10);
    expect(refused(`{"text":"${long}"}`)).toBe(413);
    expect(refused(`{"attachments":[{"dataBase64":"${long}"}]}`)).toBe('parsed');
    expect(refused(`{"attachments":[{"data\\u0042ase64":"${long}"}]}`)).toBe('parsed');
  });

  it('answers a key with a malformed escape with a 400, never an unexpected error', () => {
    expect(refused('{"a\\x":1}')).toBe(400);
    expect(refused('{"a\\')).toBe(400);
  });
});
