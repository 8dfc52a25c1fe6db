import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/** Compiled to tests/dist/deploy/, so the repository is three folders up. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function parseObjects(text: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`${source}: ${document.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = document.toJS();
    if (value === null) continue;
    if (!isKubeObject(value)) throw new Error(`${source}: a document without apiVersion, kind and metadata.name`);
    objects.push(value);
  }
  return objects;
}

function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<KubeObject>;
  return typeof candidate.apiVersion === 'string' && typeof candidate.kind === 'string' && typeof candidate.metadata?.name === 'string';
}

export function readRepoFile(relativePath: string): string {
  return readFileSync(path.join(REPO_ROOT, relativePath), 'utf8');
}

export function readYaml(relativePath: string): unknown {
  return parse(readRepoFile(relativePath));
}

export function readObjects(relativePath: string): KubeObject[] {
  return parseObjects(readRepoFile(relativePath), relativePath);
}

/**
 * The objects a kustomization lists under `resources`, read straight from the files (generators,
 * components and patches left out), so that the edge's routes can be checked even where kubectl is missing.
 */
export function readKustomizationResources(relativeDir: string): KubeObject[] {
  const kustomization = readYaml(path.join(relativeDir, 'kustomization.yaml')) as { resources?: string[] };
  const resources = kustomization.resources ?? [];
  return resources.flatMap((resource) => {
    const relativePath = path.join(relativeDir, resource);
    return statSync(path.join(REPO_ROOT, relativePath)).isDirectory() ? readKustomizationResources(relativePath) : readObjects(relativePath);
  });
}

export function isKubectlInstalled(): boolean {
  const result = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/** `kubectl kustomize` of a kustomization folder (an overlay, or the base). */
export function renderKustomization(relativeDir: string): KubeObject[] {
  const output = execFileSync('kubectl', ['kustomize', relativeDir], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return parseObjects(output, `kubectl kustomize ${relativeDir}`);
}

interface ValidatingModel {
  validate(): void;
}

/**
 * Validates against the Kubernetes OpenAPI schemas as packaged by kubernetes-models (types, required
 * fields, enums; unknown fields are not reported) and Gateway API's CRD schemas. Envoy Gateway ships
 * no such package, so its SecurityPolicy is checked field by field.
 */
export async function validateAgainstSchema(object: KubeObject): Promise<void> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  if (group === 'gateway.envoyproxy.io') {
    validateSecurityPolicy(object);
    return;
  }
  const specifier =
    group === 'gateway.networking.k8s.io'
      ? `@kubernetes-models/gateway-api/${object.apiVersion}`
      : `kubernetes-models/${group === '' ? version : object.apiVersion}`;
  const models = (await import(specifier)) as Record<string, (new (data: unknown) => ValidatingModel) | undefined>;
  const Model = models[object.kind];
  if (Model === undefined) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Model(withUnwrappedSecretData(object)).validate();
}

/**
 * kustomize folds long base64 Secret values over several lines; the API server's decoder (Go's base64)
 * skips the line breaks, the schema's "byte" format does not.
 */
function withUnwrappedSecretData(object: KubeObject): KubeObject {
  const data = object.kind === 'Secret' ? (object.data as Record<string, string> | undefined) : undefined;
  if (data === undefined) return object;
  return { ...object, data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, value.replace(/[\r\n]/g, '')])) };
}

/** Field names of Envoy Gateway's v1alpha1 API (api/v1alpha1/securitypolicy_types.go, ext_auth_types.go). */
const SECURITY_POLICY_FIELDS = {
  spec: ['targetRef', 'targetRefs', 'targetSelectors', 'apiKeyAuth', 'cors', 'basicAuth', 'jwt', 'oidc', 'extAuth', 'authorization'],
  extAuth: ['grpc', 'http', 'headersToExtAuth', 'bodyToExtAuth', 'timeout', 'failOpen', 'recomputeRoute'],
  http: ['backendRef', 'backendRefs', 'backendSettings', 'path', 'headersToBackend'],
};

function assertKnownFields(value: Record<string, unknown>, allowed: string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new Error(`${where}: unknown field(s) ${unknown.join(', ')}`);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

interface SecurityPolicySpec {
  targetRefs?: { group?: string; kind?: string; name?: string }[];
  extAuth?: { http?: Record<string, unknown>; grpc?: unknown; headersToExtAuth?: unknown } & Record<string, unknown>;
}

function validateSecurityPolicy(object: KubeObject): void {
  const where = `${object.kind} ${object.metadata.name}`;
  if (object.apiVersion !== 'gateway.envoyproxy.io/v1alpha1' || object.kind !== 'SecurityPolicy') throw new Error(`${where}: unexpected ${object.apiVersion}`);
  const spec = object.spec as (SecurityPolicySpec & Record<string, unknown>) | undefined;
  if (spec === undefined) throw new Error(`${where}: no spec`);
  assertKnownFields(spec, SECURITY_POLICY_FIELDS.spec, `${where} spec`);
  const targets = spec.targetRefs ?? [];
  if (targets.length === 0) throw new Error(`${where}: no targetRefs`);
  for (const target of targets) {
    if (target.group !== 'gateway.networking.k8s.io' || !['Gateway', 'HTTPRoute'].includes(target.kind ?? '') || !target.name) {
      throw new Error(`${where}: a targetRef needs group gateway.networking.k8s.io, kind Gateway or HTTPRoute and a name`);
    }
  }
  const extAuth = spec.extAuth;
  if (extAuth === undefined) return;
  assertKnownFields(extAuth, SECURITY_POLICY_FIELDS.extAuth, `${where} extAuth`);
  if ((extAuth.http === undefined) === (extAuth.grpc === undefined)) throw new Error(`${where}: extAuth needs exactly one of http or grpc`);
  if (extAuth.headersToExtAuth !== undefined && !isStringArray(extAuth.headersToExtAuth)) throw new Error(`${where}: headersToExtAuth must be strings`);
  const http = extAuth.http;
  if (http === undefined) return;
  assertKnownFields(http, SECURITY_POLICY_FIELDS.http, `${where} extAuth.http`);
  const backends = (http.backendRefs ?? (http.backendRef === undefined ? [] : [http.backendRef])) as { name?: unknown; port?: unknown }[];
  if (backends.length === 0 || !backends.every((b) => typeof b.name === 'string' && Number.isInteger(b.port))) {
    throw new Error(`${where}: extAuth.http needs backendRefs with a name and an integer port`);
  }
  if (http.path !== undefined && (typeof http.path !== 'string' || !http.path.startsWith('/'))) throw new Error(`${where}: extAuth.http.path must start with /`);
  if (http.headersToBackend !== undefined && !isStringArray(http.headersToBackend)) throw new Error(`${where}: headersToBackend must be strings`);
}
