import { loadConfig } from './config';
import { startServer } from './app';

const server = await startServer(loadConfig());
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    server.log.info({ sig }, 'shutting down');
    void server.close().then(() => process.exit(0));
  });
