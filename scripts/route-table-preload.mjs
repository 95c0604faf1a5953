// Preloaded into the demo app by `npm start` (node --import): prints the app's route table (the adapter's listRoutes)
// once the app listens, so it follows the banner with the rest of the app's held output. Demo tooling only: it finds
// the app by wrapping Express's server creation, Koa's listen and Fastify's initialization channel.
import { subscribe } from 'node:diagnostics_channel';
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { formatRouteTable } = require('@licenzy-gate/testing');

function print(adapter, app) {
  setImmediate(() => {
    try {
      const rows = require(adapter).listRoutes(app);
      process.stdout.write(`\nRoutes of the demo app (listRoutes from ${adapter}; 'unknown' is never gated):\n${formatRouteTable(rows).replace(/^/gm, '  ')}\n`);
    } catch (error) {
      process.stderr.write(`route table: ${error.message}\n`);
    }
  });
}

// Express: the app is the request listener it passes to http.createServer.
const createServer = http.createServer;
http.createServer = function createServerWithRouteTable(...args) {
  const server = createServer.apply(this, args);
  const app = args.find((arg) => typeof arg === 'function');
  if (typeof app?.handle === 'function' && typeof app.set === 'function') server.once('listening', () => print('@licenzy-gate/express', app));
  return server;
};

// Koa: listen() is the one place that has the app.
try {
  const Koa = require('koa');
  const listen = Koa.prototype.listen;
  Koa.prototype.listen = function listenWithRouteTable(...args) {
    const server = listen.apply(this, args);
    server.once('listening', () => print('@licenzy-gate/koa', this));
    return server;
  };
} catch {
  // No Koa here.
}

// Fastify: every instance is published on creation; record its routes from the start, print once it listens.
subscribe('fastify.initialization', ({ fastify }) => {
  const { recordRoutes } = require('@licenzy-gate/fastify');
  recordRoutes(fastify);
  fastify.addHook('onListen', (done) => {
    print('@licenzy-gate/fastify', fastify);
    done();
  });
});
