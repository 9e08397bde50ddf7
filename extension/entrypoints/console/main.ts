import { mount } from 'svelte';
import App from './App.svelte';
import { AgentConsole } from './agent.svelte';
import { serveOverlays } from './bridge.svelte';

const agent = new AgentConsole();
serveOverlays(agent);
// Closing the console mid-conversation asks first. If the agent goes anyway, the conversation waits
// for the reconnect grace: reopening the console (no password) takes it up again.
addEventListener('beforeunload', (ev) => {
  if (!agent.live.length) return;
  ev.preventDefault();
  ev.returnValue = agent.t.conversation.confirmClose;
});
document.documentElement.lang = agent.lang === 'zh' ? 'zh-CN' : 'en';
void agent.restore();
mount(App, { target: document.getElementById('app')!, props: { agent } });
