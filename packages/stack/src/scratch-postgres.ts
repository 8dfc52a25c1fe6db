import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './postgres.js';
import { removeCluster } from './postgres-data-dir.js';

/**
 * A throw-away cluster on a free port, in a new temporary folder, removed when stopped: the test
 * runner's, the bench's and the chaos runner's, so each run starts from an empty server.
 */
export async function startScratchPostgres(name: string, options: { onLog?: (line: string) => void } = {}): Promise<EmbeddedPostgresHandle> {
  const folder = await mkdtemp(path.join(tmpdir(), `orderflow-${name}-pg-`));
  // mkdtemp makes it private; as root, PostgreSQL's user must enter it (elsewhere it is kept under /var/lib).
  await chmod(folder, 0o755);
  const remove = async (dataDir: string) => {
    await removeCluster(dataDir);
    await rm(folder, { recursive: true, force: true });
  };
  const requested = path.join(folder, 'data');
  const postgres = await startEmbeddedPostgres({ dataDir: requested, onLog: options.onLog }).catch(async (error: unknown) => {
    await remove(requested);
    throw error;
  });
  return {
    ...postgres,
    async stop() {
      await postgres.stop();
      await remove(postgres.dataDir);
    },
  };
}
