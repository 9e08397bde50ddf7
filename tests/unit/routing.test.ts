import { describe, expect, it } from 'vitest';
import { Presence } from '../../protocol/index';
import type { Agent } from '../../server/src/calls/agents';
import { pickAgent } from '../../server/src/calls/routing';

const agent = (id: number, idleSince: number, over: Partial<Agent> = {}): Agent => ({
  id,
  name: `A${id}`,
  email: `a${id}@x.test`,
  presence: Presence.Available,
  ringingCallId: null,
  activeCallId: null,
  idleSince,
  stateSince: '',
  ...over,
});

describe('pickAgent', () => {
  it('rings the longest idle available agent', () => {
    expect(pickAgent([agent(1, 300), agent(2, 100), agent(3, 200)], new Map(), 0)?.id).toBe(2);
  });

  it('skips away, offline, ringing and busy agents', () => {
    const agents = [
      agent(1, 1, { presence: Presence.Away }),
      agent(2, 2, { presence: Presence.Offline }),
      agent(3, 3, { ringingCallId: 'c' }),
      agent(4, 4, { activeCallId: 'c' }),
      agent(5, 5),
    ];
    expect(pickAgent(agents, new Map(), 0)?.id).toBe(5);
    expect(pickAgent(agents.slice(0, 4), new Map(), 0)).toBeNull();
  });

  it('offers a request again to an agent who declined it only after the retry time', () => {
    const agents = [agent(1, 1), agent(2, 2)];
    const tried = new Map([[1, 1000]]);
    expect(pickAgent(agents, tried, 999)?.id).toBe(2);
    expect(pickAgent([agents[0]!], tried, 999)).toBeNull();
    expect(pickAgent([agents[0]!], tried, 1000)?.id).toBe(1);
  });
});
