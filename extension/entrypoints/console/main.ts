import { mount } from 'svelte';
import App from './App.svelte';
import { AgentConsole } from './agent.svelte';
import { serveOverlays } from './bridge.svelte';

const agent = new AgentConsole();
serveOverlays(agent);
// Closing the console window is leaving: end the call cleanly instead of waiting for a timeout.
addEventListener('pagehide', () => agent.hangup());
mount(App, { target: document.getElementById('app')!, props: { agent } });
