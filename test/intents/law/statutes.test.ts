import { describe, it, expect } from 'vitest';
import { findArticleRefs } from '../../../intents/law/citations.ts';
import { articleLabel, cnToInt, intToCn, parseStatute } from '../../../intents/law/statutes.ts';
import { knowledge } from './helpers.ts';

describe('Chinese numerals', () => {
  it('converts both ways for every article number in use', () => {
    for (let n = 1; n <= 300; n++) expect(cnToInt(intToCn(n))).toBe(n);
    expect(intToCn(10)).toBe('十');
    expect(intToCn(82)).toBe('八十二');
    expect(intToCn(107)).toBe('一百零七');
    expect(intToCn(110)).toBe('一百一十');
    expect(cnToInt('三十八')).toBe(38);
    expect(cnToInt('38')).toBe(38);
    expect(cnToInt('两百')).toBe(200);
    expect(cnToInt('abc')).toBeUndefined();
    expect(articleLabel(82)).toBe('第八十二条');
  });
});

describe('statute parsing', () => {
  it('reads articles with their later paragraphs and chapters, ignoring the header', () => {
    const md = [
      '# 中华人民共和国示例法',
      '',
      '第一条 这一行在头部，不算条文。',
      '<!-- INFO END -->',
      '## 第一章 总则',
      '第一条 第一款。',
      '',
      '第二款。',
      '第二条 另一条。',
      '## 第二章 附则',
      '第三条 本法自公布之日起施行。',
    ].join('\n');
    const s = parseStatute('示例法', md);
    expect(s.title).toBe('中华人民共和国示例法');
    expect([...s.articles.keys()]).toEqual([1, 2, 3]);
    expect(s.articles.get(1)?.text).toBe('第一款。\n第二款。');
    expect(s.articles.get(1)?.chapter).toBe('第一章 总则');
    expect(s.articles.get(3)?.chapter).toBe('第二章 附则');
  });

  it('loads all statute files: 1,897 articles, numbered without gaps', () => {
    const { library } = knowledge();
    expect(library.articleCount).toBe(1897);
    for (const s of library.statutes.values()) {
      const nums = [...s.articles.keys()];
      expect(nums, s.law).toEqual(nums.map((_, i) => i + 1));
    }
    expect(library.getArticle('劳动合同法', 82)?.text).toContain('二倍的工资');
    expect(library.getArticle('劳动合同法', 38)?.text).toContain('立即解除劳动合同');
    expect(library.getArticle('劳动合同法', 99)).toBeUndefined();
  });

  it('finds article references with the law named before them', () => {
    const { library } = knowledge();
    const refs = findArticleRefs('依据《劳动合同法》第三十九条、第40条和《劳动合同法实施条例》第七条，以及第八十二条', library);
    expect(refs.map((r) => [r.law, r.article])).toEqual([
      ['劳动合同法', 39],
      ['劳动合同法', 40],
      ['劳动合同法实施条例', 7],
      ['劳动合同法实施条例', 82],
    ]);
    expect(findArticleRefs('第八十二条原文', library)[0]?.law).toBeUndefined();
    expect(findArticleRefs('工伤条例第十四条', library)[0]?.law).toBe('工伤保险条例');
  });
});
