/**
 * One error type for the whole system. Every failure a client can see is a Problem with a stable
 * `code`; the shared error handler renders it as RFC 9457 problem details.
 */
export interface ProblemInit {
  status: number;
  code: string;
  title: string;
  detail?: string;
  /** Extra members of the problem document, such as `errors` for validation. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class Problem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title, { cause: init.cause });
    this.name = 'Problem';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.extensions = init.extensions ?? {};
    this.headers = init.headers ?? {};
  }
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  request_id?: string;
  [extension: string]: unknown;
}

export function problemType(code: string): string {
  return `urn:orderflow:problem:${code}`;
}

export function toProblemDocument(problem: Problem, instance?: string, requestId?: string): ProblemDocument {
  const document: ProblemDocument = {
    ...problem.extensions,
    type: problemType(problem.code),
    title: problem.title,
    status: problem.status,
    code: problem.code,
  };
  if (problem.detail !== undefined) document.detail = problem.detail;
  if (instance !== undefined) document.instance = instance;
  if (requestId !== undefined) document.request_id = requestId;
  return document;
}

export const badRequest = (code: string, detail: string, extensions?: Record<string, unknown>): Problem =>
  new Problem({ status: 400, code, title: 'Bad request', detail, extensions });

export const unauthorized = (detail = 'Log in to continue: no valid session was presented.'): Problem =>
  new Problem({ status: 401, code: 'auth.unauthenticated', title: 'Unauthenticated', detail });

export const notFound = (code: string, detail: string): Problem =>
  new Problem({ status: 404, code, title: 'Not found', detail });

export const conflict = (code: string, detail: string, extensions?: Record<string, unknown>): Problem =>
  new Problem({ status: 409, code, title: 'Conflict', detail, extensions });

export const unprocessable = (code: string, detail: string): Problem =>
  new Problem({ status: 422, code, title: 'Unprocessable content', detail });

export const serviceUnavailable = (code: string, detail: string, cause?: unknown): Problem =>
  new Problem({ status: 503, code, title: 'Service unavailable', detail, headers: { 'retry-after': '1' }, cause });

/** The problem document as a JSON schema, for the OpenAPI document's error responses. */
export const ProblemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    request_id: { type: 'string' },
  },
  additionalProperties: true,
} as const;

/**
 * A route's own error responses as its schema declares them: each status with the codes it can carry,
 * so the OpenAPI documents say which problems a client must handle. The codes every route can meet
 * (`request.invalid`, `request.malformed_json`, the edge's) are documented once, by the edge.
 */
export function problemResponses(codesByStatus: Record<number, readonly string[]>): Record<number, unknown> {
  return Object.fromEntries(
    Object.entries(codesByStatus).map(([status, codes]) => [status, { ...ProblemSchema, description: codes.map((code) => `\`${code}\``).join(', ') }]),
  );
}
