import { Problem, serviceUnavailable, type ServiceApp } from '@orderflow/kit';
import { composePublicDocument, PublicDocumentError, type PublicDocument, type ServiceDocument } from '../public-document.js';
import type { UpstreamName } from './public-routes.js';

/**
 * GET /docs: the public OpenAPI document, composed from the services' own documents on first use and
 * kept for the life of the process (a new build of a service comes with a restart of the system).
 */
export function registerDocsRoutes(app: ServiceApp, fetchDocuments: () => Promise<Record<UpstreamName, ServiceDocument>>): void {
  let composed: PublicDocument | undefined;
  app.get('/docs', async (request, reply) => {
    if (composed === undefined) {
      let documents: Record<UpstreamName, ServiceDocument>;
      try {
        documents = await fetchDocuments();
      } catch (error) {
        throw serviceUnavailable('docs.unavailable', 'The API document cannot be put together right now; try again shortly.', error);
      }
      try {
        composed = composePublicDocument(documents);
      } catch (error) {
        if (!(error instanceof PublicDocumentError)) throw error;
        request.log.error({ err: error }, 'public API document incomplete');
        throw new Problem({ status: 500, code: 'docs.incomplete', title: 'Internal error', detail: error.message });
      }
    }
    return reply.header('cache-control', 'no-cache').send(composed);
  });
}
