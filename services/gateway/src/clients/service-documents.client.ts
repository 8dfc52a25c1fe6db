import { request, type Dispatcher } from 'undici';
import type { UpstreamName } from '../routes/public-routes.js';
import type { ServiceDocument } from '../public-document.js';
import type { Upstream } from '../upstreams.js';

/** Each service's own OpenAPI document, from its `/docs/json` (one replica each: they run one build). */
export async function fetchServiceDocuments(upstreams: Record<UpstreamName, Upstream>, agent: Dispatcher): Promise<Record<UpstreamName, ServiceDocument>> {
  const entries = await Promise.all(
    Object.entries(upstreams).map(async ([name, upstream]) => {
      const baseUrl = upstream.pick();
      if (baseUrl === undefined) throw new Error(`no replica of ${name}`);
      const response = await request(`${baseUrl}/docs/json`, { method: 'GET', dispatcher: agent });
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new Error(`${name} answered ${response.statusCode} for /docs/json`);
      }
      return [name, (await response.body.json()) as ServiceDocument] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<UpstreamName, ServiceDocument>;
}
