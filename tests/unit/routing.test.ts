import { describe, expect, it } from 'vitest';
import { Presence } from '../../protocol/index';
import { pickAgent, type Agent } from '../../server/src/conversations/agents';

const agent = (id: number, idleSince: number, over: Partial<Agent> = {}): Agent => ({
  id,
  name: `A${id}`,
  email: `a${id}@x.test`,
  presence: Presence.Available,
  connected: true,
  idleSince,
  stateSince: '',
  published: null,
  ...over,
});
const everyoneFree = () => true;

describe('pickAgent', () => {
  it('offers the longest idle available agent', () => {
    expect(pickAgent([agent(1, 300), agent(2, 100), agent(3, 200)], everyoneFree, new Map(), 0)?.id).toBe(2);
  });

  it('skips away and disconnected agents, and those who are not free (ringing or busy)', () => {
    const agents = [agent(1, 1, { presence: Presence.Away }), agent(2, 2, { connected: false }), agent(3, 3), agent(4, 4), agent(5, 5)];
    const busy = new Set([3, 4]);
    const free = (a: Agent) => !busy.has(a.id);
    expect(pickAgent(agents, free, new Map(), 0)?.id).toBe(5);
    expect(pickAgent(agents.slice(0, 4), free, new Map(), 0)).toBeNull();
    // Whether an agent is free is asked of every candidate that could be offered it.
    const asked: number[] = [];
    pickAgent(agents, (a) => (asked.push(a.id), true), new Map(), 0);
    expect(asked.sort()).toEqual([3, 4, 5]);
  });

  it('offers a request again to an agent who refused it only after the retry time', () => {
    const agents = [agent(1, 1), agent(2, 2)];
    const refusedUntil = new Map([[1, 1000]]);
    expect(pickAgent(agents, everyoneFree, refusedUntil, 999)?.id).toBe(2);
    expect(pickAgent([agents[0]!], everyoneFree, refusedUntil, 999)).toBeNull();
    expect(pickAgent([agents[0]!], everyoneFree, refusedUntil, 1000)?.id).toBe(1);
  });
});
