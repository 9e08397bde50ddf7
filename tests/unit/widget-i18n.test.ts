import { describe, expect, it } from 'vitest';
import { EndedBy, EndReason, ErrorCode, MediaEndReason } from '../../protocol/index';
import { catalogues, endText, errorText, formatSize, formatTime, launcherText, mediaEndText, pickLanguage, type Catalogue } from '../../widget/src/i18n/index';

const { en, zh } = catalogues;

/**
 * Arguments to try for every parameterised text, and what the result must contain. A new function
 * in the catalogue without an entry here fails the walk below: add its samples.
 */
const SAMPLES: Record<string, { args: unknown[]; contains?: string }[]> = {
  'wait.position': [{ args: [1] }, { args: [2], contains: '2' }, { args: [17], contains: '17' }],
  'call.connecting': [{ args: ['Anna'], contains: 'Anna' }],
  'call.inVideo': [{ args: ['Anna'], contains: 'Anna' }],
  'call.inVoice': [{ args: ['Anna'], contains: 'Anna' }],
  'call.agentReconnecting': [{ args: ['Anna'], contains: 'Anna' }],
  'chatting.status': [{ args: ['Anna'], contains: 'Anna' }],
  'chatting.proposalVideo': [{ args: ['Anna'], contains: 'Anna' }],
  'chatting.proposalVoice': [{ args: ['Anna'], contains: 'Anna' }],
  'chat.typing': [{ args: ['Anna'], contains: 'Anna' }],
  'chat.uploading': [{ args: ['photo.jpg'], contains: 'photo.jpg' }],
  'chat.download': [{ args: ['invoice.pdf'], contains: 'invoice.pdf' }],
};

type Leaf = { path: string; value: unknown };

function leaves(node: unknown, path = ''): Leaf[] {
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [{ path, value: node }];
}

const at = (c: Catalogue, path: string): unknown => path.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], c);

/** Every text a leaf can produce: the string itself, or the function's result for each sample. */
function texts(leaf: Leaf): { text: string; contains?: string }[] {
  if (typeof leaf.value === 'string') return [{ text: leaf.value }];
  if (typeof leaf.value !== 'function') throw new Error(`${leaf.path} is neither a string nor a function`);
  const samples = SAMPLES[leaf.path];
  if (!samples) throw new Error(`${leaf.path} is a function without samples in SAMPLES`);
  return samples.map((s) => ({ text: (leaf.value as (...a: unknown[]) => unknown)(...s.args) as string, contains: s.contains }));
}

const HAN = /\p{Script=Han}/u;

describe('widget string catalogue', () => {
  it('has the same keys in both languages, each a string or a function in both', () => {
    const enLeaves = leaves(en);
    expect(leaves(zh).map((l) => l.path).sort()).toEqual(enLeaves.map((l) => l.path).sort());
    expect(enLeaves.length).toBeGreaterThan(50);
    for (const { path, value } of enLeaves) expect(typeof at(zh, path), path).toBe(typeof value);
  });

  it('has a sample for every function and no sample for a key that is gone', () => {
    const fns = leaves(en).filter((l) => typeof l.value === 'function').map((l) => l.path).sort();
    expect(Object.keys(SAMPLES).sort()).toEqual(fns);
  });

  for (const [name, c] of Object.entries(catalogues)) {
    it(`${name}: every text is non-empty, trimmed and carries its values`, () => {
      for (const leaf of leaves(c)) {
        for (const { text, contains } of texts(leaf)) {
          expect(typeof text, leaf.path).toBe('string');
          expect(text.trim().length, leaf.path).toBeGreaterThan(0);
          expect(text, leaf.path).toBe(text.trim());
          expect(text, leaf.path).not.toMatch(/undefined|NaN|\[object /);
          if (contains) expect(text, leaf.path).toContain(contains);
        }
      }
    });
  }

  it('zh is Chinese wherever English has words', () => {
    for (const leaf of leaves(en)) {
      const zhLeaf = { path: leaf.path, value: at(zh, leaf.path) };
      const pairs = texts(leaf).map((e, i) => [e.text, texts(zhLeaf)[i]!.text] as const);
      for (const [e, z] of pairs) {
        if (/[A-Za-z]{2}/.test(e)) expect(z, `${leaf.path}: "${z}"`).toMatch(HAN);
        expect(z, leaf.path).not.toBe(e);
      }
    }
  });

  it('has a text for every error code, end reason and media end reason, in both languages', () => {
    for (const c of [en, zh]) {
      for (const code of Object.values(ErrorCode)) expect(c.errors[code], code).toBeTruthy();
      for (const reason of Object.values(EndReason)) expect(c.ended[reason], reason).toBeTruthy();
      for (const reason of Object.values(MediaEndReason)) expect(c.mediaEnded[reason], reason).toBeTruthy();
    }
  });

  it('the launcher strings are the loader module’s, not copies', () => {
    expect(en.launcher).toBe(launcherText.en);
    expect(zh.launcher).toBe(launcherText.zh);
  });
});

describe('pickLanguage', () => {
  const nav = (...navigatorLanguages: string[]) => ({ navigatorLanguages });

  it('follows the site setting first', () => {
    expect(pickLanguage({ siteLang: 'zh', htmlLang: 'en', ...nav('en-US') })).toBe('zh');
    expect(pickLanguage({ siteLang: 'en', htmlLang: 'zh-CN', ...nav('zh-CN') })).toBe('en');
  });

  it('then <html lang>, then the browser’s languages in order', () => {
    expect(pickLanguage({ siteLang: null, htmlLang: 'zh-CN', ...nav('en-US') })).toBe('zh');
    expect(pickLanguage({ siteLang: null, htmlLang: 'en-GB', ...nav('zh-CN') })).toBe('en');
    expect(pickLanguage({ siteLang: '', htmlLang: '', ...nav('zh-TW', 'en') })).toBe('zh');
    expect(pickLanguage({ siteLang: null, htmlLang: null, ...nav('en-US', 'zh-CN') })).toBe('en');
  });

  it('passes over languages it does not have', () => {
    expect(pickLanguage({ siteLang: 'fr', htmlLang: 'zh', ...nav('en') })).toBe('zh');
    expect(pickLanguage({ siteLang: 'de', htmlLang: 'de-AT', ...nav('fr-FR', 'zh-CN', 'en') })).toBe('zh');
    expect(pickLanguage({ siteLang: 'de', htmlLang: 'de', ...nav('fr', 'en-GB', 'zh') })).toBe('en');
  });

  it('reads every zh* as Chinese, in any case or separator, and nothing else', () => {
    for (const tag of ['zh', 'zh-CN', 'zh-TW', 'zh-Hant-HK', 'zh_CN', 'ZH-cn', ' zh-Hans ']) expect(pickLanguage({ siteLang: tag }), tag).toBe('zh');
    // Zhuang ("zha") and words that merely start with the letters are not Chinese.
    for (const tag of ['zha', 'zhuang', 'ja', 'ko-KR']) expect(pickLanguage({ siteLang: tag, ...nav('zh') }), tag).toBe('zh');
    for (const tag of ['zha', 'zhuang', 'ja', 'ko-KR']) expect(pickLanguage({ siteLang: tag }), tag).toBe('en');
  });

  it('speaks English when nothing is known', () => {
    expect(pickLanguage({})).toBe('en');
    expect(pickLanguage({ siteLang: null, htmlLang: null, navigatorLanguages: [] })).toBe('en');
    expect(pickLanguage({ siteLang: 'fr', htmlLang: 'fr', ...nav('fr-FR') })).toBe('en');
  });
});

describe('texts chosen from the protocol', () => {
  it('names a known error code, and says something generic for any other string', () => {
    expect(errorText(zh, ErrorCode.QueueFull)).toBe(zh.errors[ErrorCode.QueueFull]);
    expect(errorText(en, ErrorCode.RateLimited)).toBe(en.errors[ErrorCode.RateLimited]);
    for (const code of ['no_such_code', '__proto__', 'toString', 'constructor', '', null, undefined]) expect(errorText(en, code), String(code)).toBe(en.errorGeneric);
  });

  it('says who hung up, and otherwise why it ended', () => {
    expect(endText(en, { reason: EndReason.Hangup, endedBy: EndedBy.Shopper })).toBe(en.endedByYou);
    expect(endText(zh, { reason: EndReason.Hangup, endedBy: EndedBy.Agent })).toBe(zh.endedByAgent);
    expect(endText(en, { reason: EndReason.Hangup, endedBy: EndedBy.System })).toBe(en.ended[EndReason.Hangup]);
    expect(endText(en, { reason: EndReason.QueueTimeout, endedBy: EndedBy.System })).toBe(en.ended[EndReason.QueueTimeout]);
    expect(endText(zh, { reason: EndReason.Disconnected, endedBy: EndedBy.Shopper })).toBe(zh.ended[EndReason.Disconnected]);
    expect(endText(en, { reason: null, endedBy: null })).toBe(en.endedDefault);
    expect(endText(en, { reason: 'exploded' as EndReason, endedBy: null })).toBe(en.endedDefault);
  });

  it('says why a call inside the conversation ended', () => {
    for (const r of Object.values(MediaEndReason)) expect(mediaEndText(zh, r)).toBe(zh.mediaEnded[r]);
    expect(mediaEndText(en, null)).toBe(en.mediaEnded[MediaEndReason.Stopped]);
  });
});

describe('formats', () => {
  const local = (h: number, m: number) => new Date(2024, 0, 15, h, m).toISOString();

  it('writes a message time as hours and minutes of the chosen language', () => {
    expect(formatTime('zh', local(9, 5))).toBe('09:05');
    expect(formatTime('zh', local(21, 30))).toBe('21:30');
    expect(formatTime('en', local(21, 30))).toMatch(/^0?9:30\s?PM$/i);
    expect(formatTime('en', 'not a date')).toBe('');
  });

  it('writes file sizes in kB or MB', () => {
    expect(formatSize('en', 10)).toBe('1 kB');
    expect(formatSize('en', 2048)).toBe('2 kB');
    expect(formatSize('en', 1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(formatSize('en', 5 * 1024 * 1024)).toBe('5 MB');
    expect(formatSize('zh', 5 * 1024 * 1024)).toMatch(/^5\s?MB$/);
  });
});
