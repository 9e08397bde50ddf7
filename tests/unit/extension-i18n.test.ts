import { describe, expect, it } from 'vitest';
import { AgentState, EndReason, RingEndReason } from '../../protocol/index';
import { catalogues, langOf } from '../../extension/lib/i18n/index';
import { catalogueSuite, type Samples } from '../helpers/catalogue';

const { en, zh } = catalogues;

const SAMPLES: Samples = {
  'offer.about': [{ args: ['Oak Board', '49.00'], contains: 'Oak Board' }],
  'conversation.chatWith': [{ args: ['Anna'], contains: 'Anna' }],
  'conversation.connecting': [{ args: ['Anna'], contains: 'Anna' }],
  'conversation.inCall': [{ args: ['Anna'], contains: 'Anna' }],
  'conversation.shopperReconnecting': [{ args: ['Anna'], contains: 'Anna' }],
  'conversation.shopperProposes': [{ args: ['video'] }, { args: ['voice'] }],
  'chat.typing': [{ args: ['Anna'], contains: 'Anna' }],
  'chat.uploading': [{ args: ['photo.png'], contains: 'photo.png' }],
  'chat.open': [{ args: ['invoice.pdf'], contains: 'invoice.pdf' }],
  'wrapUp.title': [{ args: [25], contains: '25' }],
  'offer.vip': [{ args: [2], contains: '2' }],
  'offer.language': [{ args: ['en'] }, { args: ['zh'] }],
  'ticket.title': [{ args: [42], contains: '42' }],
  'ticket.useLatest': [{ args: ['1010'], contains: '1010' }],
  'ticket.statusChanged': [{ args: ['Resolved'], contains: 'Resolved' }],
  'ticket.transferredNote': [{ args: ['Needs an exchange'], contains: 'Needs an exchange' }, { args: [''] }],
  'offer.transferredBy': [{ args: ['Alice'], contains: 'Alice' }],
  'history.rating': [{ args: [4], contains: '4' }],
  'offer.secondsLeft': [{ args: [17], contains: '17' }],
  'conversation.about': [{ args: ['Lucas', 'The shopper left.'], contains: 'Lucas' }],
  'tabs.unread': [{ args: [1], contains: '1' }, { args: [3], contains: '3' }],
  'tabs.callElsewhere': [{ args: ['Anna'], contains: 'Anna' }],
  'overlay.others': [{ args: [1], contains: '1' }, { args: [2], contains: '2' }],
};

catalogueSuite('console and overlay', { en, zh }, SAMPLES, { minKeys: 60, same: ['signIn.title'] });

describe('console and overlay texts for protocol values', () => {
  it('has a text for every agent state, offer end and conversation end, in both languages', () => {
    for (const c of [en, zh]) {
      for (const s of Object.values(AgentState)) expect(c.state[s], s).toBeTruthy();
      for (const r of Object.values(RingEndReason)) expect(c.offer.ended[r], r).toBeTruthy();
      for (const r of Object.values(EndReason)) expect(c.conversation.ended[r], r).toBeTruthy();
    }
  });
});

describe('langOf', () => {
  it('takes the first tag it has a catalogue for', () => {
    expect(langOf(['zh-CN', 'en'])).toBe('zh');
    expect(langOf(['en-US', 'zh-CN'])).toBe('en');
    expect(langOf(['fr-FR', 'zh-TW'])).toBe('zh');
    expect(langOf(['de', null, undefined, 'ZH_cn'])).toBe('zh');
    expect(langOf(['fr', 'de'])).toBe('en');
    expect(langOf([])).toBe('en');
    expect(langOf(['zha'])).toBe('en');
  });
});
