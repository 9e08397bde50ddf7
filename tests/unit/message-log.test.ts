/**
 * The client's chat bookkeeping: whatever order and however often messages arrive, each seq is
 * shown exactly once, in order; messages past a gap wait for it; the outbox settles by clientId.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGES_PER_CONVERSATION, Role, type Party } from '../../protocol/index';
import { MessageLog, Outbox, newClientId } from '../../client/message-log';
import { msg, seqs } from './client-fixtures';

const shopper: Party = { role: Role.Shopper, id: 's1' };
const agent: Party = { role: Role.Agent, id: '7' };


describe('MessageLog', () => {
  it('shows messages in seq order and drops what it already holds', () => {
    const log = new MessageLog();
    expect(seqs(log.accept([msg(1), msg(2)]))).toEqual([1, 2]);
    expect(log.accept([msg(2), msg(1)])).toEqual([]);
    expect(seqs(log.accept([msg(3), msg(3)]))).toEqual([3]);
    expect(seqs(log.messages)).toEqual([1, 2, 3]);
    expect(log.lastSeq).toBe(3);
  });

  it('holds messages past a gap until the gap is filled, then shows them in order', () => {
    const log = new MessageLog();
    log.accept([msg(1)]);
    expect(log.accept([msg(4), msg(3)])).toEqual([]);
    expect(log.hasGap).toBe(true);
    expect(log.lastSeq).toBe(1);
    expect(seqs(log.accept([msg(2)]))).toEqual([2, 3, 4]);
    expect(log.hasGap).toBe(false);
  });

  it('a sync batch in any order fills the gap at once', () => {
    const log = new MessageLog();
    log.accept([msg(5)]);
    expect(seqs(log.accept([msg(3), msg(1), msg(4), msg(2)]))).toEqual([1, 2, 3, 4, 5]);
  });

  it('starts after the seq a reloaded page already held', () => {
    const log = new MessageLog(10);
    expect(log.accept([msg(9), msg(10)])).toEqual([]);
    expect(seqs(log.accept([msg(11)]))).toEqual([11]);
    expect(log.hasGap).toBe(false);
  });

  it('bounds what it holds past a gap, and the message that fills the gap always fits', () => {
    const log = new MessageLog();
    const many = Array.from({ length: MAX_MESSAGES_PER_CONVERSATION + 10 }, (_, i) => msg(i + 2));
    log.accept(many);
    // Past the window messages are dropped here: the resume that fills the gap brings them again.
    expect(seqs(log.accept([msg(1)]))).toEqual(Array.from({ length: MAX_MESSAGES_PER_CONVERSATION }, (_, i) => i + 1));
    expect(log.hasGap).toBe(false);
    expect(seqs(log.accept(many))).toEqual(Array.from({ length: 11 }, (_, i) => MAX_MESSAGES_PER_CONVERSATION + 1 + i));
    expect(log.lastSeq).toBe(MAX_MESSAGES_PER_CONVERSATION + 11);
    expect(log.messages.length).toBe(MAX_MESSAGES_PER_CONVERSATION);
    expect(log.messages[0]!.seq).toBe(12);
  });

  it('property: any interleaving, duplication and reordering shows each seq exactly once, in order', () => {
    const scenario = fc.integer({ min: 0, max: 60 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        already: fc.integer({ min: 0, max: n }),
        order: fc.shuffledSubarray(
          Array.from({ length: n }, (_, i) => i + 1),
          { minLength: n, maxLength: n },
        ),
        dups: fc.array(fc.integer({ min: 1, max: Math.max(1, n) }), { maxLength: 40 }),
        mix: fc.array(fc.nat(), { maxLength: 100 }),
        cuts: fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 100 }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ n, already, order, dups, mix, cuts }) => {
        // Every seq at least once, some again, in a random order, in batches of random size.
        const delivered = [...order, ...dups.filter((d) => d <= n)];
        for (let i = delivered.length - 1; i > 0; i--) {
          const j = (mix[i % Math.max(1, mix.length)] ?? 0) % (i + 1);
          [delivered[i], delivered[j]] = [delivered[j]!, delivered[i]!];
        }
        const log = new MessageLog(already);
        const shown: number[] = [];
        let at = 0;
        for (let b = 0; at < delivered.length; b++) {
          const size = cuts[b % Math.max(1, cuts.length)] ?? 1;
          const out = seqs(log.accept(delivered.slice(at, at + size).map((s) => msg(s))));
          at += size;
          shown.push(...out);
          // At every step: a contiguous run from `already + 1`, and a gap exactly when something waits.
          expect(shown).toEqual(Array.from({ length: shown.length }, (_, i) => already + i + 1));
          expect(log.lastSeq).toBe(already + shown.length);
          const waiting = delivered.slice(0, at).some((s) => s > log.lastSeq);
          expect(log.hasGap).toBe(waiting);
        }
        expect(shown).toEqual(Array.from({ length: n - already }, (_, i) => already + i + 1));
        expect(seqs(log.messages)).toEqual(shown);
        expect(log.hasGap).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Outbox', () => {
  it('keeps sent messages until the server returns them with their clientId from this party', () => {
    const box = new Outbox();
    const a = box.add('hello');
    const b = box.add('are you there?');
    expect(box.list.map((p) => p.text)).toEqual(['hello', 'are you there?']);
    // Someone else's message with the same clientId does not settle ours.
    expect(box.settle([msg(1, { sender: agent, clientId: a.clientId })], shopper)).toBe(false);
    expect(box.settle([msg(1, { sender: null, clientId: a.clientId })], shopper)).toBe(false);
    expect(box.settle([msg(1, { sender: shopper, clientId: a.clientId })], shopper)).toBe(true);
    expect(box.list).toEqual([b]);
    expect(box.settle([msg(2, { sender: shopper, clientId: a.clientId })], shopper)).toBe(false);
    expect(box.settle([msg(3, { sender: shopper, clientId: b.clientId })], shopper)).toBe(true);
    expect(box.list).toEqual([]);
  });

  it('hands out a new list on change (listeners can compare by identity)', () => {
    const box = new Outbox();
    const before = box.list;
    box.add('x');
    expect(box.list).not.toBe(before);
  });

  it('makes clientIds the protocol accepts, each different', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newClientId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
  });
});
