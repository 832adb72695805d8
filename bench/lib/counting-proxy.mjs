// A counting HTTP proxy in front of a registry on 127.0.0.1: how many blob uploads (POST …/blobs/uploads/) and
// manifest writes (PUT …/manifests/) pass through, for benches that count what a push sends.
import { createServer, request } from 'node:http';

export async function startCounter(port) {
  const counts = { uploads: 0, manifests: 0, requests: 0 };
  const server = createServer((req, res) => {
    counts.requests++;
    if (req.method === 'POST' && req.url.includes('/blobs/uploads/')) counts.uploads++;
    if (req.method === 'PUT' && req.url.includes('/manifests/')) counts.manifests++;
    const up = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${server.address().port}`,
    counts,
    reset: () => Object.assign(counts, { uploads: 0, manifests: 0, requests: 0 }),
    stop: () => server.close(),
  };
}
