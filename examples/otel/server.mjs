// An Express app gated by licenzy-gate, with its OpenTelemetry metrics on a Prometheus endpoint or the console (demo only).
import { createServer } from 'node:http';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createAccessGate, requireAccess } from '@licenzy-gate/express';
import { LicenzyGateInstrumentation } from '@licenzy-gate/otel';
import { createMockLicenzy } from '@licenzy-gate/mock';
import express from 'express';

function portFrom(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be an integer from 0 to 65535, got ${JSON.stringify(process.env[name])}`);
    process.exit(2);
  }
  return value;
}

// 1. OpenTelemetry before the gate: a meter provider with one reader, and the instrumentation registered on it.
const exporter = process.env.METRICS_EXPORTER ?? 'prometheus';
let reader;
if (exporter === 'prometheus') {
  // Served below on our own loopback server (the exporter's built-in one listens on every interface).
  reader = new PrometheusExporter({ preventServerStart: true });
} else if (exporter === 'console') {
  reader = new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: Number(process.env.METRICS_INTERVAL_MS ?? 10_000) });
} else {
  console.error(`METRICS_EXPORTER must be prometheus or console, got ${JSON.stringify(exporter)}`);
  process.exit(2);
}
const meterProvider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(meterProvider);
registerInstrumentations({ instrumentations: [new LicenzyGateInstrumentation()] });

// 2. Licenzy: yours when LICENZY_API_URL/LICENZY_API_KEY are set, else a mock in this process with one paying user.
let mock;
if (process.env.LICENZY_API_URL === undefined) {
  mock = await createMockLicenzy();
  mock.grant('user_paid');
}
const gate = createAccessGate(mock === undefined ? {} : { apiKey: mock.testKey, baseUrl: mock.url });

// 3. The app. DEMO ONLY: the "login" believes `Authorization: Demo <user_id>`; use real authentication instead.
const app = express();
app.disable('x-powered-by');
app.use((req, _res, next) => {
  const match = /^Demo ([A-Za-z0-9_.:-]{1,128})$/.exec(req.get('authorization') ?? '');
  if (match) req.user = { id: match[1] };
  next();
});
app.get('/', (_req, res) => void res.type('text/plain').send('GET /pro/report with  Authorization: Demo user_paid  (200) or  Demo user_free  (403)\n'));
app.get('/pro/report', requireAccess({ gate }), (req, res) => void res.json({ report: 'for paying users', checked: req.licenzy.source }));

const server = app.listen(portFrom('PORT', 3000), '127.0.0.1', (error) => {
  if (error) {
    console.error(`could not listen: ${error.message}`);
    process.exit(1);
  }
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

let metricsServer;
if (exporter === 'prometheus') {
  metricsServer = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') reader.getMetricsRequestHandler(req, res);
    else res.writeHead(404).end();
  });
  metricsServer.listen(portFrom('METRICS_PORT', 9464), '127.0.0.1', () => {
    console.log(`metrics on http://127.0.0.1:${metricsServer.address().port}/metrics`);
  });
}

async function shutdown() {
  server.close();
  server.closeIdleConnections();
  metricsServer?.close();
  await meterProvider.shutdown().catch(() => undefined);
  await mock?.close();
  process.exit(0);
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
