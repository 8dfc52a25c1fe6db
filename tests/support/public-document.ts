import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@orderflow/stack';
import addFormats from 'ajv-formats';

/** The public API document as the repository ships it (`npm run openapi` writes it from the gateway's GET /docs). */
export const PUBLIC_DOCUMENT_FILE = path.join(repoRoot, 'docs', 'openapi.json');

export interface PublicOperation {
  method: 'GET' | 'POST' | 'PUT';
  /** The OpenAPI path, `{id}` for a parameter. */
  path: string;
  /** The tag that names the service behind it. */
  service: 'auth' | 'billing' | 'order' | 'notification';
  /** Whether the operation needs a session. */
  isProtected: boolean;
}

/** Every public operation of the shipped document: the one table the tests' route tables derive from. */
export function readPublicOperations(): PublicOperation[] {
  const document = JSON.parse(readFileSync(PUBLIC_DOCUMENT_FILE, 'utf8')) as {
    paths: Record<string, Record<string, { tags: string[]; security: unknown[] }>>;
  };
  return Object.entries(document.paths).flatMap(([operationPath, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase() as PublicOperation['method'],
      path: operationPath,
      service: operation.tags[0] as PublicOperation['service'],
      isProtected: operation.security.length > 0,
    })),
  );
}

/** The formats the document's schemas use (date-time, email), checked as the services' own Ajv checks them. */
export function withFormats<T>(ajv: T): T {
  // openapi-backend brings an Ajv of its own, of another type than ajv-formats's: one instance all the same.
  addFormats.default(ajv as never);
  return ajv;
}
