import { describe, expect, it } from 'vitest';
import { findCitations } from '../../../intents/law/citations.ts';
import { knowledge } from './helpers.ts';

const { library } = knowledge();
const read = (text: string) => findCitations(text, library).map((g) => [g.law ?? g.unknownLaw ?? null, g.articles]);

describe('the one citation parser', () => {
  it.each([
    ['《劳动合同法》第九十八、九十九条', [['劳动合同法', [98, 99]]]],
    ['《劳动合同法》第九十八条、第九十九条', [['劳动合同法', [98, 99]]]],
    ['劳动合同法九十九条', [['劳动合同法', [99]]]],
    ['劳动合同法的 99条', [['劳动合同法', [99]]]],
    ['《劳动合同法》第９９条', [['劳动合同法', [99]]]],
    ['劳动合同法第九十九條', [['劳动合同法', [99]]]],
    ['《劳动合同法》第玖拾玖条', [['劳动合同法', [99]]]],
    ['《劳动合同法》第99-102条', [['劳动合同法', [99, 100, 101, 102]]]],
    ['《劳动合同法》第九十九条至第一百零二条', [['劳动合同法', [99, 100, 101, 102]]]],
    ['《劳动合同法》第98条第二款', [['劳动合同法', [98]]]],
    ['《中华人民共和国劳动合同法》第98条', [['劳动合同法', [98]]]],
    ['工伤条例第十四条', [['工伤保险条例', [14]]]],
    ['Article 99', [[null, [99]]]],
    ['Art. 98-99', [[null, [98, 99]]]],
    ['第1-1000条', [[null, [1, 1000]]]],
    ['民法典第一千条', [['民法典', [1000]]]],
    ['劳动合同法第十条和民法典第一千条', [['劳动合同法', [10]], ['民法典', [1000]]]],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it('carries a law over to later references and ignores counts that are no references', () => {
    expect(read('依据《劳动合同法》第三十九条、第40条和《劳动合同法实施条例》第七条，以及第八十二条')).toEqual([
      ['劳动合同法', [39, 40]],
      ['劳动合同法实施条例', [7]],
      ['劳动合同法实施条例', [82]],
    ]);
    expect(read('有三条路可走，2026-11-02 我干了3条线')).toEqual([]);
    expect(read('的2、第3条')).toEqual([[null, [3]]]);
  });
});
