import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startEmbeddedPostgres } from './postgres.js';
import { isPortFree } from './free-port.js';
import { exitOnStartupError, StartupError } from './startup-error.js';
import { startSystem, SERVICES, type ServiceName } from './system.js';
import { readStartConfig } from './start-config.js';

/**
 * `npm start`: the whole system on one machine. With DATABASE_URL (or AUTH_DATABASE_URL and the
 * like) it uses that PostgreSQL; otherwise it runs an embedded one whose data lives in .data/ (as
 * root, under /var/lib/orderflow when the postgres user cannot enter the checkout).
 */
const failToStart = exitOnStartupError('npm start');
const config = await Promise.resolve().then(() => readStartConfig()).catch(failToStart);
/** The embedded server's first choice; a checkout beside another gets a free port instead, and keeps it. */
const DEFAULT_EMBEDDED_PG_PORT = 54329;
const gatewayPort = config.PORT;
const servicePortBase = config.SERVICE_PORT_BASE ?? gatewayPort + 1;
const databaseUrlOf = (service: ServiceName) => config[`${service.toUpperCase() as Uppercase<ServiceName>}_DATABASE_URL`];

// Checked first, so a second checkout started beside a running one says what to change.
for (const port of [gatewayPort, ...SERVICES.map((_, index) => servicePortBase + index)]) {
  if (!(await isPortFree(port))) {
    failToStart(new StartupError(`port ${port} on 127.0.0.1 is taken (another npm start?); set PORT to move the gateway, the services take the four ports after it (or SERVICE_PORT_BASE).`));
  }
}

let adminUrl = config.DATABASE_URL;
let stopPostgres = async () => {};
if (adminUrl === undefined && !SERVICES.every((service) => databaseUrlOf(service) !== undefined)) {
  console.log('Starting embedded PostgreSQL');
  const postgres = await startEmbeddedPostgres({
    dataDir: config.EMBEDDED_PG_DATA_DIR,
    port: config.EMBEDDED_PG_PORT,
    preferredPort: DEFAULT_EMBEDDED_PG_PORT,
  }).catch(failToStart);
  const shownDataDir = path.relative(process.cwd(), postgres.dataDir);
  console.log(`Embedded PostgreSQL is up on 127.0.0.1:${postgres.port} (data in ${shownDataDir.startsWith('..') || shownDataDir === '' ? postgres.dataDir : shownDataDir})`);
  adminUrl = postgres.adminUrl;
  stopPostgres = postgres.stop;
}

const databaseUrls: Partial<Record<ServiceName, string>> = {};
for (const service of SERVICES) {
  const url = databaseUrlOf(service);
  if (url !== undefined) databaseUrls[service] = url;
}

const system = await startSystem({
  adminUrl,
  databaseUrls,
  gatewayPort,
  // Beside the service ports (8081–8084 by default), never on the gateway's public one.
  gatewayMetricsPort: servicePortBase + SERVICES.length,
  servicePortBase,
  internalToken: config.INTERNAL_TOKEN ?? randomBytes(24).toString('base64url'),
  logLevel: config.LOG_LEVEL,
  logs: 'prefixed',
  // Processes on one machine talk over Unix sockets (TRANSPORT=tcp for loopback TCP, as in Kubernetes).
  transport: config.TRANSPORT,
}).catch(async (error: unknown) => {
  await stopPostgres();
  return failToStart(error);
});

const services = system.processes.filter((p) => p.service !== 'gateway');
console.log(`
orderflow is up: ${system.gatewayUrl}
  storefront: open ${system.gatewayUrl}/ in a browser
  try:   curl -i -X POST ${system.gatewayUrl}/register -H 'content-type: application/json' \\
           -d '{"login":"ada","password":"correct horse","email":"ada@example.com"}'
  public API (OpenAPI): ${system.gatewayUrl}/docs; each service's own, internal routes too: ${services.map((p) => `${p.url}/docs (${p.service})`).join(', ')}
  Prometheus metrics: ${system.processes.map((p) => `${p.metricsUrl}/metrics (${p.service})`).join(', ')}
  Traces: ${config.OTEL_EXPORTER_OTLP_ENDPOINT ? `sent to ${config.OTEL_EXPORTER_OTLP_ENDPOINT}` : 'off; set OTEL_EXPORTER_OTLP_ENDPOINT to an OTLP/HTTP collector to send them'}
  Ctrl+C stops everything.
`);

let isStopping = false;
const shutdown = async () => {
  if (isStopping) return;
  isStopping = true;
  console.log('Stopping…');
  await system.stop();
  await stopPostgres();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
