// `npm run pack:check`: what users install, checked as they get it. Packs the workspaces, lints each package
// (publint, @arethetypeswrong/cli), inspects the tarballs, then installs the tarballs — not the workspace links —
// into a fresh app per framework (ESM and CommonJS, strict TypeScript) and gates a request end to end.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usedFiles } from './lib/package-files.mjs';
import { installLine, packLocal } from './pack-local.mjs';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'licenzy-pack-'));
const problems = [];
const notes = [];
const fail = (message) => {
  problems.push(message);
  console.error(`pack-check: ${message}`);
};

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', cwd: root, ...options });
  return { status: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

try {
  // 1. Only the published packages are packed (the examples are not workspaces).
  const published = readdirSync(join(root, 'packages'))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => pkg.private !== true);
  // Packed as `npm run pack:local` packs them (the README's "use it in your app" section).
  const packs = join(work, 'packs');
  const packed = packLocal(packs);
  const names = packed.map((p) => p.name).sort();
  const expected = published.map(({ pkg }) => pkg.name).sort();
  if (JSON.stringify(names) !== JSON.stringify(expected)) fail(`npm pack --workspaces packed ${names.join(', ')}; expected ${expected.join(', ')}`);
  const tarball = (name) => join(packs, packed.find((p) => p.name === name).filename);

  // 2. Each tarball: LICENSE, README, registry metadata, source maps that carry their sources.
  for (const entry of packed) {
    const files = entry.files.map((f) => f.path);
    for (const required of ['LICENSE', 'README.md', 'package.json']) {
      if (!files.includes(required)) fail(`${entry.name}: tarball lacks ${required}`);
    }
    const pkg = published.find(({ pkg }) => pkg.name === entry.name).pkg;
    for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'license']) {
      if (pkg[field] === undefined) fail(`${entry.name}: package.json lacks ${field}`);
    }
    const dir = join(work, `unpacked-${entry.name.replace('/', '-')}`);
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', tarball(entry.name), '-C', dir]);
    // Lean: every file is loaded by an entry point, describes one (types), is the map of loaded code, or is
    // README/LICENSE/CHANGELOG/package.json. Nothing shipped that no process or type checker ever reads.
    const used = usedFiles(join(dir, 'package'));
    const stray = files.filter((file) => !used.has(file));
    if (stray.length > 0) fail(`${entry.name}: tarball ships files no entry point loads or describes: ${stray.join(', ')}`);
    for (const required of ['CHANGELOG.md']) if (!files.includes(required)) fail(`${entry.name}: tarball lacks ${required}`);
    console.log(`pack-check: ${entry.name}: ${(entry.size / 1024).toFixed(1)} kB packed, ${(entry.unpackedSize / 1024).toFixed(1)} kB unpacked, ${files.length} files`);
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const parsed = JSON.parse(readFileSync(join(dir, 'package', map), 'utf8'));
      if (!Array.isArray(parsed.sourcesContent) || parsed.sourcesContent.some((c) => typeof c !== 'string')) {
        fail(`${entry.name}: ${map} points at sources the tarball does not ship`);
        break;
      }
    }
    if (!files.includes('README.md')) continue;
    const readme = readFileSync(join(dir, 'package', 'README.md'), 'utf8');
    const relative = [...readme.matchAll(/\]\((?!https?:|#|mailto:)([^)]+)\)/g)].map((m) => m[1]);
    if (relative.length > 0) fail(`${entry.name}: README links that break on the registry page: ${relative.join(', ')}`);
  }

  // 3. publint and arethetypeswrong on every published package.
  for (const { dir, pkg } of published) {
    const lint = run(process.execPath, [bin('publint'), '--strict', join(root, 'packages', dir)]);
    if (lint.status !== 0) fail(`${pkg.name}: publint\n${lint.stdout}${lint.stderr}`);
    const types = run(process.execPath, [bin('attw'), '--pack', join(root, 'packages', dir), '--format', 'ascii']);
    if (types.status !== 0) fail(`${pkg.name}: @arethetypeswrong/cli\n${types.stdout}${types.stderr}`);
  }
  console.log(`pack-check: ${packed.length} tarballs; publint and attw ran on each`);

  // 4. A fresh app per framework, from the tarballs and the registry, as a user would install them.
  const apps = [
    { framework: 'express', deps: ['express@5', '@types/express@5'], adapter: '@licenzy-gate/express' },
    { framework: 'koa', deps: ['koa@3', '@koa/router@15', '@types/koa@3', '@types/koa__router@12'], adapter: '@licenzy-gate/koa' },
    { framework: 'fastify', deps: ['fastify@5'], adapter: '@licenzy-gate/fastify' },
  ];
  for (const app of apps) {
    const before = problems.length;
    const dir = join(work, `app-${app.framework}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${app.framework}`, private: true, type: 'module' }));
    // Exactly the README's lines: the adapter with its core and the framework, then the local Licenzy for tests.
    const [npm, ...adapterArgs] = installLine(packs, app.framework, app.deps[0]);
    const install = run(npm, [...adapterArgs, '--no-audit', '--no-fund', '--loglevel=warn'], { cwd: dir });
    const devInstall = install.status === 0
      ? run('npm', ['install', '--save-dev', '--no-audit', '--no-fund', '--loglevel=warn', tarball('@licenzy-gate/mock'), tarball('@licenzy-gate/testing'), ...app.deps.slice(1), 'typescript@~5.9', '@types/node@^20.19'], { cwd: dir })
      : install;
    if (install.status !== 0 || devInstall.status !== 0) {
      fail(`${app.framework}: npm install of the tarballs as the README says failed\n${install.stderr}${devInstall.stderr}`);
      continue;
    }
    // What a user of this framework sees at install time on this Node (e.g. fastify 5's cookie@2 on Node 20).
    const engineLines = `${install.stderr}\n${devInstall.stderr}`.split('\n').filter((l) => l.includes('EBADENGINE')).map((l) => l.replace(/^npm warn EBADENGINE\s*/, '').trim());
    for (let i = 0; i < engineLines.length; i++) {
      const pkgLine = engineLines[i];
      if (!pkgLine.startsWith('package:')) continue;
      const required = engineLines[i + 1]?.startsWith('required:') ? ` ${engineLines[i + 1]}` : '';
      notes.push(`${app.framework}: npm warns EBADENGINE on Node ${process.versions.node} for ${pkgLine.replace('package: ', '').replace(/[',]/g, '')}${required.replace(/,$/, '')}`);
    }
    writeFileSync(join(dir, 'app.mjs'), consumerScript(app, 'esm'));
    writeFileSync(join(dir, 'app.cjs'), consumerScript(app, 'cjs'));
    writeFileSync(join(dir, 'app.ts'), typedConsumer(app));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['app.ts'] }));
    for (const file of ['app.mjs', 'app.cjs']) {
      const result = run(process.execPath, [file], { cwd: dir, timeout: 30_000 });
      const last = result.stdout.trim().split('\n').at(-1) ?? '';
      if (result.status !== 0 || last !== '{"paid":200,"free":403,"anonymous":401}') fail(`${app.framework} ${file}: expected 200/403/401, got ${last}\n${result.stderr}`);
    }
    const tsc = run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir });
    if (tsc.status !== 0) fail(`${app.framework}: strict TypeScript consumer failed\n${tsc.stdout}`);
    console.log(`pack-check: ${app.framework} app from tarballs: ESM, CommonJS and strict TypeScript ${problems.length === before ? 'ok' : 'FAILED (see above)'}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

for (const note of new Set(notes)) console.log(`pack-check: note: ${note}`);
if (problems.length > 0) {
  console.error(`pack-check: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('pack-check: all good');

/** A tiny app per framework: a paid route behind the adapter, against the mock Licenzy, three requests. */
function consumerScript(app, kind) {
  const load = (name) => (kind === 'esm' ? `await import('${name}')` : `require('${name}')`);
  const body = `
  const { createMockLicenzy } = ${load('@licenzy-gate/mock')};
  const adapter = ${load(app.adapter)};
  const mock = await createMockLicenzy();
  mock.grant('paid');
  const gate = adapter.createAccessGate({ apiKey: mock.testKey, baseUrl: mock.url, logger: { warn() {}, error() {} } });
  const who = (headers) => (headers['x-user'] ? { id: headers['x-user'] } : undefined);
  let url; let close;
  ${appBody(app, load)}
  const status = async (user) => (await fetch(url + '/pro', { headers: user ? { 'x-user': user } : {} })).status;
  const result = { paid: await status('paid'), free: await status('free'), anonymous: await status(undefined) };
  await close();
  await mock.close();
  console.log(JSON.stringify(result));`;
  return kind === 'esm' ? body : `(async () => {${body}\n})().catch((error) => { console.error(error); process.exit(1); });\n`;
}

function appBody(app, load) {
  if (app.framework === 'express') {
    return `const express = (${load('express')}).default ?? ${load('express')};
  const server = express();
  server.use((req, _res, next) => { const user = who(req.headers); if (user) req.user = user; next(); });
  server.get('/pro', adapter.requireAccess({ gate }), (req, res) => res.json({ for: req.licenzy.subjectRef }));
  const listening = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => listening.once('listening', resolve));
  url = 'http://127.0.0.1:' + listening.address().port;
  close = () => new Promise((resolve) => listening.close(resolve));`;
  }
  if (app.framework === 'koa') {
    return `const KoaModule = ${load('koa')}; const Koa = KoaModule.default ?? KoaModule;
  const RouterModule = ${load('@koa/router')}; const Router = RouterModule.default ?? RouterModule.Router ?? RouterModule;
  const server = new Koa();
  server.use(async (ctx, next) => { const user = who(ctx.headers); if (user) ctx.state.user = user; await next(); });
  const router = new Router();
  router.get('/pro', adapter.requireAccess({ gate }), (ctx) => { ctx.body = { for: ctx.state.licenzy.subjectRef }; });
  server.use(router.routes());
  const listening = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => listening.once('listening', resolve));
  url = 'http://127.0.0.1:' + listening.address().port;
  close = () => new Promise((resolve) => listening.close(resolve));`;
  }
  return `const FastifyModule = ${load('fastify')}; const Fastify = FastifyModule.default ?? FastifyModule;
  const server = Fastify();
  server.addHook('onRequest', async (request) => { const user = who(request.headers); if (user) request.user = user; });
  await server.register(adapter.licenzyGate, { gate });
  server.get('/pro', { preHandler: server.requireAccess() }, async (request) => ({ for: request.licenzy.subjectRef }));
  const injected = await server.inject({ method: 'GET', url: '/pro', headers: { 'x-user': 'paid' } });
  if (injected.statusCode !== 200) throw new Error('inject answered ' + injected.statusCode);
  await server.listen({ port: 0, host: '127.0.0.1' });
  url = 'http://127.0.0.1:' + server.server.address().port;
  close = () => server.close();`;
}

/** The README's typed usage, compiled with strict NodeNext against the installed tarballs. */
function typedConsumer(app) {
  if (app.framework === 'express') {
    return `import express from 'express';
import { createAccessGate, requireAccess, type RequestDecision } from '@licenzy-gate/express';
const gate = createAccessGate({ apiKey: 'lz_test_example_typecheck', baseUrl: 'https://licenzy.example' });
const app = express();
app.get('/pro/:id', requireAccess({ gate }), (req, res) => {
  const decision: RequestDecision | undefined = req.licenzy;
  res.json({ id: req.params.id, subject: decision?.subjectRef });
});
`;
  }
  if (app.framework === 'koa') {
    return `import Koa from 'koa';
import Router from '@koa/router';
import { createAccessGate, requireAccess } from '@licenzy-gate/koa';
const gate = createAccessGate({ apiKey: 'lz_test_example_typecheck', baseUrl: 'https://licenzy.example' });
const app = new Koa();
const router = new Router();
router.get('/pro', requireAccess({ gate }), (ctx) => { ctx.body = { subject: ctx.state.licenzy?.subjectRef }; });
app.use(router.routes());
`;
  }
  return `import Fastify from 'fastify';
import { createAccessGate, licenzyGate } from '@licenzy-gate/fastify';
const gate = createAccessGate({ apiKey: 'lz_test_example_typecheck', baseUrl: 'https://licenzy.example' });
const app = Fastify();
await app.register(licenzyGate, { gate });
app.get('/pro', { preHandler: app.requireAccess() }, async (request) => ({ subject: request.licenzy?.subjectRef }));
`;
}
