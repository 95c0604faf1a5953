// The mock Licenzy in its own process, so its event loop never competes with the code being measured.
import { createMockLicenzy } from '@licenzy-gate/testing';
import { childConfig, serveParent } from '../lib/child.mjs';

const { latency = 0 } = childConfig();
// A benchmark should not spend the mock's time keeping a request log nobody reads; counts stay exact.
const mock = await createMockLicenzy({ latency, maxLoggedRequests: 0 });

serveParent(
  {
    setLatency: (ms) => mock.setLatency(ms),
    grant: (subjects) => {
      for (const subject of subjects) mock.grant(subject);
    },
    counters: () => ({ checks: mock.count('POST /v1/access/check'), connections: mock.connections }),
  },
  { url: mock.url, apiKey: mock.testKey },
);
process.on('SIGTERM', () => void mock.close().then(() => process.exit(0)));
