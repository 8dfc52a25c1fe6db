import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import newman from 'newman';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import responseValidator from 'openapi-response-validator';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { repoRoot, type RunningSystem } from '@orderflow/stack';
import { bootTestSystem } from '../support/system.js';
import { withFormats } from '../support/public-document.js';

interface Exchange {
  name: string;
  method: string;
  path: string;
  query: Record<string, string>;
  requestHeaders: Record<string, string>;
  requestBody: string | undefined;
  status: number;
  contentType: string;
  responseBody: string;
}

/** Every request newman sent and the answer it got, as they crossed the wire. */
async function runCollection(baseUrl: string): Promise<Exchange[]> {
  const exchanges: Exchange[] = [];
  await new Promise<void>((resolve, reject) => {
    newman
      .run({ collection: path.join(repoRoot, 'tests', 'postman', 'order.postman_collection.json'), envVar: [{ key: 'baseUrl', value: baseUrl }], reporters: [] }, (error) => (error ? reject(error) : resolve()))
      .on('request', (error, args) => {
        if (error !== null) return reject(error);
        const url = new URL(args.request.url.toString());
        exchanges.push({
          name: args.item.name,
          method: args.request.method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          requestHeaders: Object.fromEntries(args.request.headers.all().map((header: { key: string; value: string }) => [header.key.toLowerCase(), header.value])),
          requestBody: args.request.body?.raw,
          status: args.response.code,
          contentType: args.response.headers.get('content-type') ?? '',
          responseBody: args.response.stream?.toString('utf8') ?? '',
        });
      });
  });
  return exchanges;
}

describe('contract: the Postman collection against the public API document', () => {
  let system: RunningSystem;
  let document: Document;
  before(async () => {
    system = await bootTestSystem();
    document = (await (await fetch(`${system.gatewayUrl}/docs`)).json()) as Document;
  });
  after(() => system.stop());

  test('when newman runs the collection through the gateway, then each request is a documented operation and each response matches its schema', async () => {
    const api = new OpenAPIBackend({ definition: structuredClone(document), strict: true, validate: true, quick: false, customizeAjv: withFormats });
    await api.init();

    const exchanges = await runCollection(system.gatewayUrl);

    const failures: string[] = [];
    for (const exchange of exchanges) {
      const label = `${exchange.name} (${exchange.method} ${exchange.path} → ${exchange.status})`;
      const request = { method: exchange.method, path: exchange.path, query: exchange.query, headers: exchange.requestHeaders, body: exchange.requestBody === undefined ? undefined : JSON.parse(exchange.requestBody) };
      const operation = api.matchOperation(request);
      if (operation === undefined) {
        failures.push(`${label}: no operation of the document`);
        continue;
      }
      const requestErrors = api.validateRequest(request, operation).errors ?? [];
      for (const error of requestErrors) failures.push(`${label}: request ${error.instancePath} ${error.message}`);
      const validator = new responseValidator.default({ responses: operation.responses as never, components: document.components as never, customFormats: RESPONSE_FORMATS });
      const responseError = validator.validateResponse(exchange.status, JSON.parse(exchange.responseBody));
      if (responseError !== undefined) failures.push(`${label}: ${responseError.message} ${JSON.stringify(responseError.errors)}`);
      const documented = mediaTypesOf(operation.responses as Record<string, { content?: Record<string, unknown> }>, exchange.status);
      if (!documented.some((type) => exchange.contentType.startsWith(type))) failures.push(`${label}: content-type ${exchange.contentType}, documented ${documented.join(', ')}`);
    }

    assert.equal(exchanges.length, 13);
    assert.ok(exchanges.some((exchange) => exchange.status >= 400), 'the collection meets a problem too');
    assert.deepEqual(failures, []);
  });
});

/** openapi-response-validator takes formats one function each: the same ones as the services' Ajv. */
const RESPONSE_FORMATS = Object.fromEntries(
  (['date-time', 'email'] as const).map((name) => {
    const format = fullFormats[name] as { validate: (value: string) => boolean };
    return [name, (value: string) => format.validate(value)];
  }),
);

/** The media types documented for a status, by its exact entry, else its range (4XX). */
function mediaTypesOf(responses: Record<string, { content?: Record<string, unknown> }>, status: number): string[] {
  const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
  return Object.keys(response?.content ?? {});
}
