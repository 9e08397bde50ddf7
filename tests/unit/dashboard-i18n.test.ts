import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentState, ConversationState, MediaKind, ParticipantState, MediaPath, Role, type ConversationView, type Skill } from '../../protocol/index';
import { catalogues, langOf } from '../../dashboard/src/i18n/index';
import { channelText, partyName, reconnectingOf, reconnectingText } from '../../dashboard/src/conversations';
import { duration, metric } from '../../dashboard/src/format';
import { actionText, auditChanges, targetText } from '../../dashboard/src/admin/audit-diff';
import { skillsSummary } from '../../dashboard/src/admin/skills';
import { checkDraft, fromDraft, newDate, newInterval, preview, toDraft } from '../../dashboard/src/admin/hours-form';
import { catalogueSuite, type Samples } from '../helpers/catalogue';

const { en, zh } = catalogues;

const SAMPLES: Samples = {
  'agents.for': [{ args: ['5m'], contains: '5m' }],
  'conversations.why': [
    { args: ['Ana', true, false], contains: 'Ana' },
    { args: ['Ana', false, true], contains: 'Ana' },
    { args: ['Ana', true, true], contains: 'Ana' },
  ],
  'conversations.whyList': [{ args: [['1', '2']], contains: '2' }],
  'chart.subject': [
    { args: ['Ana', 'Bo'], contains: 'Bo' },
    { args: ['Ana', ''], contains: 'Ana' },
  ],
  withRole: [
    { args: ['Ana', Role.Agent], contains: 'Ana' },
    { args: ['Ana', Role.Shopper], contains: 'Ana' },
    { args: ['Ana', Role.Supervisor], contains: 'Ana' },
  ],
  list: [{ args: [['1', '2', '3']], contains: '3' }],
  'units.seconds': [{ args: [45], contains: '45' }],
  'units.minutes': [{ args: [3], contains: '3' }],
  'units.hoursMinutes': [{ args: [1, 5], contains: '5' }],
  'notAllowed.yourRole': [{ args: ['Supervisor'], contains: 'Supervisor' }],
  'staff.siteDefault': [{ args: ['3'], contains: '3' }, { args: [''] }],
  'staff.withLevel': [{ args: ['Technical help', 5], contains: '5' }],
  'staff.category': [{ args: ['12'], contains: '12' }],
  'invite.linkFor': [{ args: ['Nina'], contains: 'Nina' }],
  'invite.once': [{ args: ['Dec 6, 14:03'], contains: 'Dec 6, 14:03' }],
  'account.deactivateTitle': [{ args: ['Bob'], contains: 'Bob' }],
  'account.reactivateTitle': [{ args: ['Bob'], contains: 'Bob' }],
  'skills.levelOf': [{ args: ['zh'], contains: 'zh' }],
  'capacity.siteDefaultIs': [{ args: [3], contains: '3' }],
  'settings.outOfRange': [{ args: [1, 20], contains: '20' }],
  'settings.outOfRangeSeconds': [{ args: [0, 3600], contains: '3600' }],
  'settings.savedAt': [{ args: ['14:03:09'], contains: '14:03:09' }],
  'canned.count': [{ args: [12, 2000], contains: '2000' }],
  'canned.deleteTitle': [{ args: ['hello'], contains: '/hello' }],
  'audit.user': [{ args: ['7', 'Nina'], contains: 'Nina' }, { args: ['7', ''], contains: '7' }],
  'audit.cannedItem': [{ args: ['3', ''], contains: '3' }, { args: ['3', 'Returns'], contains: 'Returns' }],
  'audit.site': [{ args: ['demo-shop'], contains: 'demo-shop' }],
  'audit.cut': [{ args: [120], contains: '120' }],
  'acceptInvite.agentBody': [{ args: ['nina@counterpart.test'], contains: 'nina@counterpart.test' }],
  'kpis.fcrDetail': [{ args: [17, 20], contains: '17' }, { args: [0, 3], contains: '3' }],
  'kpis.ahtDetail': [{ args: [1], contains: '1' }, { args: [12], contains: '12' }],
  'kpis.csatDetail': [{ args: [1], contains: '1' }, { args: [40], contains: '40' }],
  'kpis.goalAtLeast': [{ args: ['85%'], contains: '85%' }],
  'kpis.goalAtMost': [{ args: ['3m'], contains: '3m' }],
  'kpis.score': [{ args: [4], contains: '4' }],
  'kpis.range': [{ args: ['Nov 17, 14:03', 'Nov 24, 14:03'], contains: 'Nov 24, 14:03' }],
  'hours.useMine': [{ args: ['Europe/Berlin'], contains: 'Europe/Berlin' }],
  'hours.opensOn': [{ args: ['Monday'], contains: 'Monday' }],
  'hours.closesOn': [{ args: ['Monday'], contains: 'Monday' }],
  'hours.removeOn': [{ args: ['Monday'], contains: 'Monday' }],
  'hours.addOn': [{ args: ['Monday'], contains: 'Monday' }],
  'hours.removeDate': [{ args: ['2026-12-24'], contains: '2026-12-24' }],
  'hours.savedAt': [{ args: ['14:03:09'], contains: '14:03:09' }],
  'hours.previewOpen': [{ args: ['10:42', '17:00'], contains: '17:00' }],
  'hours.previewToday': [{ args: ['07:10', '09:00'], contains: '09:00' }],
  'hours.previewTomorrow': [{ args: ['18:10', '09:00'], contains: '18:10' }],
  'hours.previewOn': [{ args: ['18:10', 'Monday', '09:00'], contains: 'Monday' }],
  'hours.previewNever': [{ args: ['18:10'], contains: '18:10' }],
};

catalogueSuite('dashboard', { en, zh }, SAMPLES, { minKeys: 90, same: ['brand'] });

describe('dashboard texts for protocol values', () => {
  it('has a text for every agent state, conversation state, channel and role, in both languages', () => {
    for (const c of [en, zh]) {
      for (const s of [...Object.values(AgentState), ...Object.values(ConversationState)]) expect(c.state[s], s).toBeTruthy();
      for (const k of Object.values(MediaKind)) expect(c.channel[k], k).toBeTruthy();
      for (const r of Object.values(Role)) expect(c.role[r], r).toBeTruthy();
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

describe('dashboard texts put together', () => {
  const participant = (name: string, role: Role, state = ParticipantState.Connected, media: MediaPath | null = null) => ({
    party: { role, id: `${role}-${name || 'x'}` },
    name,
    state,
    media,
  });
  const conversation = (over: Partial<ConversationView>): ConversationView =>
    ({ state: ConversationState.Active, channel: MediaKind.Video, media: null, participants: [], ...over }) as unknown as ConversationView;

  it('writes durations and measurements in the language’s units', () => {
    expect(duration(45_000, en.units)).toBe('45s');
    expect(duration(3 * 60_000, en.units)).toBe('3m');
    expect(duration(65 * 60_000, en.units)).toBe('1h 5m');
    expect(duration(65 * 60_000, zh.units)).toBe('1 小时 5 分钟');
    expect(metric(120, en.units.ms)).toBe('120 ms');
    expect(metric(120, zh.units.ms)).toBe('120 毫秒');
    expect(metric(null, zh.units.ms)).toBe('—');
  });

  it('names the channel asked for and the one running now', () => {
    expect(channelText(en, conversation({}))).toEqual({ asked: 'Video', now: 'Chat' });
    expect(channelText(zh, conversation({}))).toEqual({ asked: '视频', now: '文字' });
    const media = { kind: MediaKind.Voice, endedAt: null } as ConversationView['media'];
    expect(channelText(zh, conversation({ channel: MediaKind.Chat, media }))).toEqual({ asked: '文字', now: '语音' });
  });

  it('says who is reconnecting and why, with the role, in both languages', () => {
    const c = conversation({
      participants: [
        participant('Ana', Role.Agent, ParticipantState.Reconnecting, MediaPath.Reconnecting),
        participant('', Role.Shopper, ParticipantState.Connected, MediaPath.Reconnecting),
      ] as ConversationView['participants'],
    });
    const list = reconnectingOf(c);
    expect(reconnectingText(en, list)).toBe('Ana (agent): connection lost, media reconnecting; Shopper: media reconnecting');
    expect(reconnectingText(zh, list)).toBe('Ana（客服）：连接中断，音视频正在重连；顾客：音视频正在重连');
    expect(partyName(en, c, { role: Role.Agent, id: 'agent-Ana' })).toBe('Ana (agent)');
    expect(partyName(zh, c, { role: Role.Shopper, id: 'nobody' })).toBe('顾客');
  });
});

describe('the audit log and staff list in words', () => {
  const entry = (action: string, target: string, before: unknown, after: unknown) =>
    ({ id: 1, at: '2025-01-01T00:00:00Z', actor: { id: 4, name: 'Ada' }, action, target, targetName: null, before, after }) as const;

  it('lists only the fields that changed, values as text, in both languages', () => {
    expect(auditChanges(en, { active: true }, { active: false })).toEqual([{ field: 'active', label: 'Active', before: 'Active', after: 'Deactivated' }]);
    expect(auditChanges(zh, { maxChats: null }, { maxChats: 2 })).toEqual([{ field: 'maxChats', label: '同时接待', before: '站点默认', after: '2' }]);
    expect(auditChanges(en, null, { shortcut: 'hi', body: '<b>x</b>' }).map((c) => [c.label, c.before, c.after])).toEqual([
      ['Shortcut', null, 'hi'],
      ['Text', null, '<b>x</b>'],
    ]);
    expect(auditChanges(en, { wrapUpMs: 0, maxChats: 3 }, { wrapUpMs: 45000, maxChats: 3 }).map((c) => c.field)).toEqual(['wrapUpMs']);
    expect(auditChanges(en, { weekly: { mon: [] } }, { weekly: { mon: [{ from: '09:00', to: '17:00' }] } })[0]!.after).toBe('{"mon":[{"from":"09:00","to":"17:00"}]}');
    expect(auditChanges(en, { body: 'x'.repeat(300) }, null)[0]!.before).toMatch(/… \(60 more characters\)$/);
  });

  it('matches skills by kind and value, topics in the editor’s order', () => {
    const before = [
      { kind: 'issue', value: 'technical', level: 3 },
      { kind: 'issue', value: 'pre_sale', level: 3 },
      { kind: 'category', value: '*', level: 3 },
    ];
    const after = [
      { kind: 'issue', value: 'technical', level: 5 },
      { kind: 'category', value: '*', level: 3 },
      { kind: 'language', value: 'zh', level: 4 },
    ];
    expect(auditChanges(en, before, after).map((c) => [c.label, c.before, c.after])).toEqual([
      ['Topic: Before buying', '3', null],
      ['Topic: Technical help', '3', '5'],
      ['Language: zh', null, '4'],
    ]);
  });

  it('names the action and the target', () => {
    expect(actionText(en, entry('staff.update', 'user:2', { active: true }, { active: false }))).toBe('Deactivated');
    expect(actionText(zh, entry('staff.update', 'user:2', { name: 'a', role: 'agent' }, { name: 'b', role: 'admin' }))).toBe('修改账号');
    expect(actionText(en, entry('something.new', 'x', null, null))).toBe('something.new');
    expect(actionText(zh, entry('staff.reinvite', 'user:2', null, { email: 'ivy@counterpart.test' }))).toBe('重新生成邀请链接');
    const none = { targetName: null };
    expect(targetText(en, { target: 'user:7', ...none }, new Map([[7, 'Nina']]))).toBe('Nina (#7)');
    // The server's name for it now wins over a name an older entry told.
    expect(targetText(en, { target: 'user:7', targetName: 'Nina Weber' }, new Map([[7, 'Nina']]))).toBe('Nina Weber (#7)');
    expect(targetText(zh, { target: 'user:7', ...none }, new Map())).toBe('账号 #7');
    expect(targetText(en, { target: 'canned:3', ...none }, new Map())).toBe('Canned response #3');
    expect(targetText(en, { target: 'canned:3', targetName: 'Returns' }, new Map())).toBe('Canned response “Returns” (#3)');
    expect(targetText(zh, { target: 'routing', ...none }, new Map())).toBe('分配设置');
  });

  it('sums up an agent’s skills', () => {
    const all = ['pre_sale', 'order', 'after_sales', 'technical'].map((value) => ({ kind: 'issue' as const, value, level: 3 }));
    expect(skillsSummary(en, [...all, { kind: 'language', value: 'en', level: 3 }, { kind: 'category', value: '*', level: 3 }] as Skill[])).toBe(
      'All topics 3 · en 3 · all categories 3',
    );
    expect(skillsSummary(zh, [{ kind: 'issue', value: 'technical', level: 5 }, { kind: 'category', value: '12', level: 2 }] as Skill[])).toBe('技术支持 5 级 · 类目 12 2 级');
    expect(skillsSummary(en, [])).toBe('No skills: offered nothing');
  });
});

describe('the business hours form', () => {
  const week = { mon: [{ from: '09:00', to: '17:00' }], tue: [], wed: [], thu: [], fri: [], sat: [{ from: '22:00', to: '24:00' }], sun: [{ from: '00:00', to: '02:00' }] };
  const hours = { timezone: 'Europe/Berlin', weekly: week, closedDates: ['2026-12-28'] };

  it('reads stored hours into a draft and back (24:00 as a 00:00 closing time), open always as null', () => {
    const d = toDraft(hours, 'UTC');
    expect(d.mode).toBe('hours');
    expect(d.days.sat.map((r) => [r.from, r.to])).toEqual([['22:00', '00:00']]);
    expect(fromDraft(d)).toEqual(hours);
    const fresh = toDraft(null, 'Asia/Shanghai');
    expect([fresh.mode, fresh.timezone, fresh.days.fri.length, fresh.days.sat.length]).toEqual(['always', 'Asia/Shanghai', 1, 0]);
    expect(fromDraft(fresh)).toBeNull();
    fresh.mode = 'hours';
    expect(fromDraft(fresh)?.weekly.mon).toEqual([{ from: '09:00', to: '17:00' }]);
  });

  it('marks what the server would refuse: a zone, an interval out of order or overlapping, an empty date', () => {
    const d = toDraft(hours, 'UTC');
    d.timezone = 'Mars/Olympus';
    const late = newInterval('18:00', '08:00');
    const overlap = newInterval('16:00', '19:00');
    const empty = newInterval('10:00', '');
    d.days.tue.push(late);
    d.days.mon.push(overlap);
    d.days.wed.push(empty);
    d.closed.push(newDate(''));
    const c = checkDraft(d);
    expect(c.timezone).toBe(false);
    expect([c.intervals.get(late.key), c.intervals.get(overlap.key), c.intervals.get(empty.key)]).toEqual(['order', 'overlap', 'noTime']);
    expect([...c.dates.values()]).toEqual([true, false]);
    expect(fromDraft(d)).toBeUndefined();
    d.mode = 'always';
    expect(fromDraft(d)).toBeNull();
  });

  it('previews open now or the next opening by the site’s wall clock', () => {
    // Monday 2026-12-21 10:00 in Berlin (UTC+1).
    expect(preview(hours, Date.parse('2026-12-21T09:00:00Z'))).toEqual({ open: true, now: '10:00', until: '17:00' });
    expect(preview(hours, Date.parse('2026-12-21T06:00:00Z'))).toMatchObject({ open: false, now: '07:00', next: { inDays: 0, time: '09:00' } });
    expect(preview(hours, Date.parse('2026-12-21T17:00:00Z'))).toMatchObject({ open: false, next: { inDays: 5, weekday: 'sat', time: '22:00' } });
    // Saturday night runs on through 24:00; Monday 2026-12-28 is closed, so the next is 2027-01-02's Saturday.
    expect(preview(hours, Date.parse('2026-12-26T22:30:00Z'))).toEqual({ open: true, now: '23:30', until: '24:00' });
    expect(preview(hours, Date.parse('2026-12-27T02:00:00Z'))).toMatchObject({ open: false, next: { inDays: 6, date: '2027-01-02', time: '22:00' } });
    const none = { timezone: 'UTC', weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] }, closedDates: [] };
    expect(preview(none, 0)).toEqual({ open: false, now: '00:00', next: null });
  });
});

/**
 * The words a Svelte component writes itself: text between tags and the attributes people see
 * or hear (title, aria-label, placeholder, alt), once scripts, styles and `{…}` expressions are gone.
 */
function literalTexts(source: string): string[] {
  let markup = source.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<!--[\s\S]*?-->/g, '');
  let out = '';
  let depth = 0;
  for (const ch of markup) {
    if (ch === '{') depth++;
    else if (ch === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  markup = out;
  const attrs = [...markup.matchAll(/\s(?:title|aria-label|aria-description|placeholder|alt)="([^"]*)"/g)].map((m) => m[1]!);
  const text = markup.replace(/<[^>]*>/g, '\n').split('\n');
  return [...attrs, ...text].map((s) => s.trim()).filter((s) => /[A-Za-z]{2}|\p{Script=Han}/u.test(s));
}

describe('dashboard components', () => {
  const dir = join(__dirname, '../../dashboard/src');
  // Pages in folders too (admin/).
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.svelte'));

  it('the scan finds words written in markup and passes over expressions', () => {
    const sample = `<script>const x = 'Hi';</script><p class="a {b}">Hello {t.x}</p><span title="Running now">{t.y}</span><i aria-label={t.z}>→</i>`;
    expect(literalTexts(sample)).toEqual(['Running now', 'Hello']);
  });

  it('write no words of their own: every text comes from the catalogue', () => {
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(literalTexts(readFileSync(join(dir, f), 'utf8')), f).toEqual([]);
  });
});
