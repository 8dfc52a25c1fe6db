import path from 'node:path';
import newman, { type NewmanRunSummary } from 'newman';
import { repoRoot } from '@orderflow/stack';

export interface NewmanRun {
  /** newman's own average response time per request of the run. */
  averageMs: number;
  requests: number;
  /** Failed assertions of the collection's tests. */
  failures: number;
}

export interface NewmanRunsResult {
  /** The first run after the system booted, before anything else used it. */
  first: NewmanRun;
  /** The runs right after it. */
  warm: NewmanRun[];
}

const COLLECTION = path.join(repoRoot, 'tests', 'postman', 'order.postman_collection.json');

function runCollection(gatewayUrl: string): Promise<NewmanRun> {
  return new Promise((resolve, reject) => {
    newman.run({ collection: COLLECTION, envVar: [{ key: 'baseUrl', value: gatewayUrl }], reporters: [] }, (error: Error | null, summary: NewmanRunSummary) => {
      if (error !== null) return reject(error);
      resolve({
        averageMs: summary.run.timings.responseAverage,
        requests: summary.run.stats.requests.total ?? 0,
        failures: summary.run.failures.length,
      });
    });
  });
}

/**
 * Phase 0: the seed's Postman collection through newman right after the system boots, as a user's
 * first check after a deploy, then `warmRuns` times again: newman's own average per request.
 */
export async function runNewmanPhase(gatewayUrl: string, warmRuns = 2): Promise<NewmanRunsResult> {
  const first = await runCollection(gatewayUrl);
  const warm: NewmanRun[] = [];
  for (let run = 0; run < warmRuns; run++) warm.push(await runCollection(gatewayUrl));
  return { first, warm };
}
