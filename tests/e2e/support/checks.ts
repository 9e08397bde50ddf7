import { expect } from 'vitest';
import type { AgentSide } from './agent';
import type { ShopperPage } from './shopper';
import { videoProgress } from './util';

/** The call is up: both sides show "in call", and each side's remote video really plays. */
export async function expectConnected(agent: AgentSide, shopper: ShopperPage): Promise<void> {
  await Promise.all([agent.waitInCall(), shopper.waitState('in-call')]);
  const [agentSees, shopperSees] = await Promise.all([videoProgress(await agent.remoteVideo()), videoProgress(await shopper.remoteVideo())]);
  expect(agentSees.width).toBeGreaterThan(0);
  expect(agentSees.after).toBeGreaterThan(agentSees.before);
  expect(shopperSees.width).toBeGreaterThan(0);
  expect(shopperSees.after).toBeGreaterThan(shopperSees.before);
}
