// A small paid-content NestJS app: a free landing route, two paid routes, a metered one, the post-checkout status route
// and the webhook endpoint, gated by @licenzy-gate/nest. Plain JavaScript, so Nest's decorators are applied as calls
// (`Reflect.decorate`); README.md shows the same app as TypeScript with decorator syntax.
import 'reflect-metadata';
import { Controller, Get, Header, HttpCode, Inject, Module, Post, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { LICENZY_GATE, LicenzyDecision, LicenzyModule, RequireAccess, RequireUsage, accessStatus, webhookHandler } from '@licenzy-gate/nest';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer from 0 to 65535, got "${process.env.PORT}"`);
  process.exit(1);
}

/** `@decorators… name(@params…)`, as TypeScript would apply them to a method. */
function route(controller, name, decorators, parameters = []) {
  const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, name);
  Reflect.decorate(decorators, controller.prototype, name, descriptor);
  parameters.forEach((decorate, index) => decorate(controller.prototype, name, index));
}

class HomeController {
  home() {
    return [
      'licenzy-gate NestJS demo',
      '',
      'GET /              this page (free)',
      'GET /pro/report    paid: needs an active Licenzy entitlement',
      'GET /pro/download  paid: same gate, same cache',
      'POST /api/reports  metered: 1 unit of a usage pack per report (402 when none are left)',
      'GET /api/access-status  after checkout: 200 once access is active, else 202 after waiting up to 5 s',
      '',
      'Log in (demo only): -H "Authorization: Demo <user_id>"',
      'Without it: 401. Logged in without paying: 403. Paying: 200.',
      '',
    ].join('\n');
  }
}
route(HomeController, 'home', [Get(), Header('content-type', 'text/plain; charset=utf-8')]);
Reflect.decorate([Controller()], HomeController);

// Every handler of this controller is paid: @RequireAccess() on the class.
class ProController {
  // The same JSON in every example: { report, subjectRef, source }.
  report(decision) {
    return { report: 'Quarterly numbers, for paying users only', subjectRef: decision.subjectRef, source: decision.source };
  }
  // The page a checkout returns to asks Licenzy now instead of trusting a cached "no": the route's choice, never the client's.
  download() {
    return 'quarter,revenue\nQ1,100\nQ2,120\n';
  }
}
route(ProController, 'report', [Get('report')], [LicenzyDecision()]);
route(ProController, 'download', [Get('download'), RequireAccess({ fresh: true }), Header('content-type', 'text/csv; charset=utf-8'), Header('content-disposition', 'attachment; filename="report.csv"')]);
Reflect.decorate([Controller('pro'), RequireAccess()], ProController);

class ApiController {
  constructor(gate) {
    // The page checkout returns to polls this: it waits server-side (up to 5 s) for Licenzy to process the payment.
    this.status = accessStatus({ gate, wait: 5_000 });
  }
  // Metered: each report costs one unit, charged before the handler runs; an Idempotency-Key retry is charged once.
  reports(decision) {
    return { report: 'One generated report', unitsLeft: decision.usage.remaining };
  }
  accessStatus(request, response) {
    return this.status(request, response);
  }
}
route(ApiController, 'reports', [Post('reports'), HttpCode(200), RequireUsage({ units: 1 })], [LicenzyDecision()]);
route(ApiController, 'accessStatus', [Get('access-status')], [Req(), Res()]);
Reflect.decorate([Controller('api')], ApiController);
Inject(LICENZY_GATE)(ApiController, undefined, 0);

// Licenzy's webhooks (refunds, revocations, purchases) make the gate forget the subject at once. Verified on the raw
// body Nest keeps with `rawBody: true`; mounted only with LICENZY_WEBHOOK_SECRET (npm start sets it).
class WebhookController {
  constructor(gate) {
    this.webhook = webhookHandler({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET });
  }
  receive(request, response) {
    return this.webhook(request, response);
  }
}
route(WebhookController, 'receive', [Post('licenzy')], [Req(), Res()]);
Reflect.decorate([Controller('webhooks')], WebhookController);
Inject(LICENZY_GATE)(WebhookController, undefined, 0);

// One gate for every paid route (one decision cache), from LICENZY_API_KEY and LICENZY_API_URL: a missing key fails
// here, naming the option.
let licenzy;
try {
  licenzy = LicenzyModule.forRoot({ isGlobal: true });
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
class AppModule {}
const controllers = [HomeController, ProController, ApiController, ...(process.env.LICENZY_WEBHOOK_SECRET ? [WebhookController] : [])];
Reflect.decorate([Module({ imports: [licenzy], controllers })], AppModule);

// Logs (the gate's fail-open and misconfiguration reports included) go to stderr; stdout only says where we listen.
const app = await NestFactory.create(AppModule, new ExpressAdapter(), { rawBody: true, logger: ['error', 'warn'] });
app.useLogger({ log() {}, error: (...args) => console.error(...args), warn: (...args) => console.error(...args) });

// ⚠️ DEMO ONLY — NOT AUTHENTICATION. ⚠️ This middleware trusts `Authorization: Demo <user_id>` from the client, so
// anyone can claim to be anyone. Replace it with real server-side auth (Passport, a JWT guard) that sets `request.user`
// from a verified identity; the guard reads `request.user.id`, then `request.user.sub`.
app.use((req, _res, next) => {
  const match = /^Demo ([A-Za-z0-9_.:-]{1,128})$/.exec(req.headers.authorization ?? '');
  if (match) req.user = { id: match[1] };
  next();
});

app.enableShutdownHooks();
await app.listen(port, '127.0.0.1');
console.log(`listening on http://127.0.0.1:${app.getHttpServer().address().port}`);
