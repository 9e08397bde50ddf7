import { describe, expect, it } from 'vitest';
import { EndedBy, EndReason, ErrorCode, IssueType, MediaEndReason, TicketStatus } from '../../protocol/index';
import { catalogueSuite, type Samples } from '../helpers/catalogue';
import { catalogues, closedText, endText, errorText, formatDateTime, formatSize, formatTime, launcherText, mediaEndText, pickLanguage } from '../../widget/src/i18n/index';

const { en, zh } = catalogues;

/**
 * Arguments to try for every parameterised text, and what the result must contain. A new function
 * in the catalogue without an entry here fails the walk below: add its samples.
 */
const SAMPLES: Samples = {
  'wait.estimate': [{ args: [1, null] }, { args: [2, 30_000], contains: '2' }, { args: [17, 600_000], contains: '17' }, { args: [3, 600_000], contains: '10' }],
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
  'feedback.ticketLink': [{ args: [42], contains: '42' }],
  'offline.closedToday': [{ args: ['17:00'], contains: '17:00' }],
  'offline.closedTomorrow': [{ args: ['9:00 AM'], contains: '9:00 AM' }],
  'offline.closedOn': [{ args: ['Monday', '9:00 AM'], contains: 'Monday' }, { args: ['星期一', '09:00'], contains: '09:00' }],
  'offline.tooManyFiles': [{ args: [5], contains: '5' }],
  'offline.removeFile': [{ args: ['photo.jpg'], contains: 'photo.jpg' }],
  'offline.uploading': [{ args: ['photo.jpg'], contains: 'photo.jpg' }],
  'offline.sentDetail': [{ args: ['mia@example.test'], contains: 'mia@example.test' }],
  'offline.added': [{ args: ['notes.txt'], contains: 'notes.txt' }],
  'offline.fileFailed': [{ args: ['notes.txt', 'Too large'], contains: 'notes.txt' }],
  'rating.star': [{ args: [1], contains: '1' }, { args: [4], contains: '4' }],
  'ticket.title': [{ args: [1337], contains: '1337' }],
  'ticket.statusChanged': [{ args: ['Resolved'], contains: 'Resolved' }],
  'ticket.files': [{ args: [3, 20], contains: '20' }, { args: [0, 20], contains: '0' }],
  'ticket.uploading': [{ args: ['receipt.txt'], contains: 'receipt.txt' }],
};

catalogueSuite('widget', { en, zh }, SAMPLES, { minKeys: 50 });

describe('widget string catalogue', () => {
  it('has a text for every error code, end reason and media end reason, in both languages', () => {
    for (const c of [en, zh]) {
      for (const code of Object.values(ErrorCode)) expect(c.errors[code], code).toBeTruthy();
      for (const reason of Object.values(EndReason)) expect(c.ended[reason], reason).toBeTruthy();
      for (const reason of Object.values(MediaEndReason)) expect(c.mediaEnded[reason], reason).toBeTruthy();
    }
  });

  it('the ticket page has words for every ticket status and issue type, and a word for each of the five scores', () => {
    for (const c of [en, zh]) {
      for (const s of Object.values(TicketStatus)) expect(c.ticket.status[s], s).toBeTruthy();
      for (const type of Object.values(IssueType)) expect(c.start.topics[type], type).toBeTruthy();
      expect(Object.keys(c.rating.scores)).toEqual(['1', '2', '3', '4', '5']);
      expect(new Set(Object.values(c.rating.scores)).size).toBe(5);
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

  it('writes a ticket’s dates with the day and the time, in the chosen language', () => {
    const at = local(21, 30);
    expect(formatDateTime('en', at)).toMatch(/Jan 15, 2024.*9:30\s?PM/);
    expect(formatDateTime('zh', at)).toMatch(/2024年1月15日.*21:30/);
    expect(formatDateTime('zh', 'not a date')).toBe('');
  });

  it('says when the shop opens again: today, tomorrow, a weekday this week, else the date — with the time', () => {
    const now = new Date(2026, 0, 15, 18, 30); // a Thursday evening, local time
    const when = (d: number, h: number) => new Date(2026, 0, 15 + d, h, 0).toISOString();
    expect(closedText(en, 'en', when(0, 20), now)).toMatch(/^We are closed right now\. We open again today at 8:00\s?PM\.$/);
    expect(closedText(en, 'en', when(1, 9), now)).toMatch(/tomorrow at 9:00\s?AM\.$/);
    expect(closedText(en, 'en', when(4, 9), now)).toMatch(/on Monday at 9:00\s?AM\.$/);
    expect(closedText(en, 'en', when(9, 9), now)).toMatch(/on Saturday, January 24 at 9:00\s?AM\.$/);
    expect(closedText(zh, 'zh', when(1, 9), now)).toBe('我们现在休息中，明天 09:00 恢复营业。');
    expect(closedText(zh, 'zh', when(4, 9), now)).toBe('我们现在休息中，星期一 09:00 恢复营业。');
    expect(closedText(en, 'en', null, now)).toBe(en.offline.closed);
    expect(closedText(zh, 'zh', 'not a date', now)).toBe(zh.offline.closed);
  });

  it('writes file sizes in kB or MB', () => {
    expect(formatSize('en', 10)).toBe('1 kB');
    expect(formatSize('en', 2048)).toBe('2 kB');
    expect(formatSize('en', 1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(formatSize('en', 5 * 1024 * 1024)).toBe('5 MB');
    expect(formatSize('zh', 5 * 1024 * 1024)).toMatch(/^5\s?MB$/);
  });
});
