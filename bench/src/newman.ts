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

const COLLECTION = path.join(repoRoot, 'tests', 'postman', 'order.postman_collection.json');

/** The seed's Postman collection once through newman against the gateway. */
export function runCollection(gatewayUrl: string): Promise<NewmanRun> {
  return new Promise((resolve, reject) => {
    newman.run({ collection: COLLECTION, envVar: [{ key: 'baseUrl', value: gatewayUrl }], reporters: [] }, (error: Error | null, summary: NewmanRunSummary) => {
      if (error !== null) return reject(error);
      resolve({ averageMs: summary.run.timings.responseAverage, requests: summary.run.stats.requests.total ?? 0, failures: summary.run.failures.length });
    });
  });
}
