import { loadConfig } from './config';
import { startServer } from './app';

/** Whatever happens, the process is gone this long after SIGTERM (a supervisor restarts it). */
const EXIT_DEADLINE_MS = 5000;

const server = await startServer(loadConfig());
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    server.log.info({ sig }, 'shutting down');
    setTimeout(() => process.exit(1), EXIT_DEADLINE_MS).unref();
    void server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
