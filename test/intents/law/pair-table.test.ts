import { describe, expect, it } from 'vitest';
import { PairTable } from '../../../intents/law/pair-table.ts';

const code = (s: string): [number, number] => [s.charCodeAt(0), s.charCodeAt(1)];

describe('PairTable (bigram lookup without building strings)', () => {
  it('finds every stored pair and nothing else, through collisions and a nearly full table', () => {
    const words = ['加班', '工资', '补偿', '辞退', '试用', '用期', '班费', '工伤', '年假', '仲裁', '裁员', '社保'];
    const table = new PairTable<string>(words.length);
    for (const w of words) table.set(...code(w), w);
    for (const w of words) expect(table.get(...code(w))).toBe(w);
    for (const w of ['工作', '赔偿', '员工', '补助']) expect(table.get(...code(w))).toBeUndefined();
  });

  it('keeps the first value of a pair stored twice, and refuses more pairs than it was sized for', () => {
    const table = new PairTable<number>(2);
    table.set(...code('工资'), 1);
    table.set(...code('工资'), 2);
    expect(table.get(...code('工资'))).toBe(1);
    expect(() => {
      for (let c = 0x4e00; c < 0x4e00 + 100; c++) table.set(c, 0x4e00, c);
    }).toThrow(RangeError);
  });

  it('tells apart pairs of the same characters in the other order', () => {
    const table = new PairTable<string>(4);
    table.set(...code('工资'), 'a');
    expect(table.get(...code('资工'))).toBeUndefined();
  });
});
