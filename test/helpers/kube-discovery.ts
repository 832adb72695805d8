import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The discovery documents of a Kubernetes API server (core v1 and apps/v1), and nothing else: enough for the
 * real kubectl's `--dry-run=client` to map kinds and print what it would send, with no cluster. Any other
 * request (a create, a get) is answered 404 and recorded, so a test sees that nothing was sent.
 */
export interface KubeDiscovery {
  /** `http://127.0.0.1:PORT`, for kubectl's `--server`. */
  url: string;
  /** Every request that was not discovery, as `METHOD path`. */
  others: string[];
  stop(): Promise<void>;
}

const resource = (name: string, kind: string) => ({
  name,
  singularName: kind.toLowerCase(),
  namespaced: true,
  kind,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
});

const DOCUMENTS: Record<string, unknown> = {
  '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [
      {
        name: 'apps',
        versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
      },
      {
        name: 'batch',
        versions: [{ groupVersion: 'batch/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'batch/v1', version: 'v1' },
      },
    ],
  },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      resource('pods', 'Pod'),
      resource('services', 'Service'),
      resource('configmaps', 'ConfigMap'),
    ],
  },
  '/apis/apps/v1': {
    kind: 'APIResourceList',
    groupVersion: 'apps/v1',
    resources: [resource('deployments', 'Deployment')],
  },
  '/apis/batch/v1': {
    kind: 'APIResourceList',
    groupVersion: 'batch/v1',
    resources: [resource('cronjobs', 'CronJob'), resource('jobs', 'Job')],
  },
};

export async function startKubeDiscovery(): Promise<KubeDiscovery> {
  const others: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] as string;
    const doc = DOCUMENTS[path];
    req.resume();
    if (req.method === 'GET' && doc) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(doc));
      return;
    }
    others.push(`${req.method} ${req.url}`);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    others,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
