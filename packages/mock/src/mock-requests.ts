// How the emulator answers one HTTP request: the control API apart, then log, plan, latency and any scripted fault.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleControl, isControlPath, type ControlTarget } from './mock-control.js';
import { decisionOf, type EventHub, type MockCallEvent } from './mock-events.js';
import { defaultFaultBody, mutateAnswer, oversizedBody, type FaultQueue, type MockFault } from './mock-faults.js';
import { drip, MAX_BODY_BYTES, readBody, send, wait } from './mock-http.js';
import { parseLoggedBody, redactHeaders, type MockRequestLogEntry, type RequestLog } from './mock-log.js';
import type { ResolvedMockOptions } from './mock-options.js';
import { modeOfCall, planCall, type CallPlan, type IncomingCall, type RouteContext } from './mock-routes.js';

/** The emulator's parts a request reaches; `control()` is read per request, since the API object comes last. */
export interface RequestParts {
  config: ResolvedMockOptions;
  faults: FaultQueue;
  log: RequestLog;
  hub: EventHub;
  context: RouteContext;
  closing: AbortSignal;
  latency(): number;
  control(): ControlTarget;
}

type ReplyFn = (status: number, body: unknown, headers?: Record<string, string>, contentType?: string) => void;

/**
 * The emulator's request listener (as an async function; the caller turns a rejection into a 500 and a violation).
 * @example
 * const handle = createRequestHandler(parts);
 * createServer((req, res) => void handle(req, res).catch(onBug));
 */
export function createRequestHandler(parts: RequestParts): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { config, faults, log, hub, closing } = parts;
  return async function handleMockRequest(req, res) {
    const at = config.now();
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    // The control API and console are the mock's own, not Licenzy's: never logged, counted or faulted.
    if (isControlPath(path)) return handleControl(req, res, path, { target: parts.control(), hub, bindHost: config.host });
    const bodyText = await readBody(req, MAX_BODY_BYTES);
    if (bodyText === 'aborted' || closing.aborted) return;

    const call: IncomingCall = {
      method: req.method ?? 'GET',
      path,
      query: new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1)),
      headers: req.headers,
      bodyText: bodyText === 'too_large' ? '' : bodyText,
    };
    const entry: MockRequestLogEntry = {
      method: call.method,
      path,
      headers: redactHeaders(req.headers),
      body: bodyText === 'too_large' ? `<over ${MAX_BODY_BYTES} bytes, not kept>` : parseLoggedBody(bodyText),
      mode: modeOfCall(call, config.keys),
      status: undefined,
      at,
    };
    log.record(entry);
    let faultType: string | undefined = undefined;
    const reply: ReplyFn = (status, body, headers, contentType) => {
      entry.status = status;
      send(res, status, body, headers, contentType);
      publishCall(hub, entry, status, body, faultType);
    };

    if (bodyText === 'too_large') {
      log.violation(`${call.method} ${path}: body larger than ${MAX_BODY_BYTES} bytes`);
      // The unread rest of the body would be parsed as the next request, so this connection must end.
      return reply(413, { error: 'payload_too_large' }, { connection: 'close' });
    }
    // Plan (and record violations) and take the fault at arrival, so FIFO order follows arrival order.
    const plan = planCall(call, parts.context);
    const fault = faults.take(path);
    if (!(await wait(parts.latency(), closing))) return;
    if (!fault) {
      const answer = plan.answer();
      return reply(answer.status, answer.body, answer.headers);
    }
    faultType = fault.type;
    await applyFault(fault, { plan, req, res, entry, reply, hub, closing });
  };
}

/** Tells the console about an answered call. */
function publishCall(hub: EventHub, entry: MockRequestLogEntry, status: number, body: unknown, faultType: string | undefined): void {
  const request = entry.body !== null && typeof entry.body === 'object' ? (entry.body as Record<string, unknown>) : {};
  const pathSubject = /^\/v1\/(?:customer\/access|entitlements)\/([^/]+)$/.exec(entry.path)?.[1];
  let subjectRef = typeof request.subject_ref === 'string' ? request.subject_ref : null;
  if (subjectRef === null && pathSubject !== undefined) {
    try {
      subjectRef = decodeURIComponent(pathSubject);
    } catch {
      subjectRef = pathSubject;
    }
  }
  let answer: unknown = body;
  if (typeof body === 'string') {
    try {
      answer = JSON.parse(body) as unknown;
    } catch {
      answer = undefined;
    }
  }
  const event: MockCallEvent = {
    seq: hub.nextSeq(),
    at: new Date(entry.at).toISOString(),
    method: entry.method,
    path: entry.path,
    subject_ref: subjectRef,
    mode: entry.mode ?? null,
    status,
    decision: decisionOf(entry.path, status, answer, faultType),
    fault: faultType ?? null,
  };
  hub.publish('call', event);
}

interface FaultScene {
  plan: CallPlan;
  req: IncomingMessage;
  res: ServerResponse;
  entry: MockRequestLogEntry;
  reply: ReplyFn;
  hub: EventHub;
  closing: AbortSignal;
}

/** Answers a call the way its scripted fault says. */
async function applyFault(fault: MockFault, scene: FaultScene): Promise<void> {
  const { plan, reply } = scene;
  switch (fault.type) {
    case 'status':
      return reply(fault.status, JSON.stringify(fault.body ?? defaultFaultBody(fault.status)), fault.headers);
    case 'delay': {
      if (!(await wait(fault.ms, scene.closing))) return;
      const answer = plan.answer();
      return reply(answer.status, answer.body, answer.headers);
    }
    case 'hang':
      return; // close() or the client ends it.
    case 'reset':
      scene.req.socket.resetAndDestroy();
      return;
    case 'raw':
      return reply(fault.status ?? 200, fault.body, undefined, fault.contentType ?? 'application/json');
    case 'drip': {
      const answer = fault.body === undefined ? plan.answer() : { status: 200, body: fault.body };
      scene.entry.status = answer.status;
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      publishCall(scene.hub, scene.entry, answer.status, undefined, 'drip');
      return drip(scene.res, answer.status, text, { chunkBytes: fault.chunkBytes ?? 1, intervalMs: fault.intervalMs, signal: scene.closing });
    }
    case 'oversized':
      return reply(200, oversizedBody(plan.subjectRef ?? 'x', fault.bytes));
    case 'subject':
    case 'allowed': {
      const answer = plan.answer();
      const ok = answer.status >= 200 && answer.status < 300;
      return reply(answer.status, ok ? mutateAnswer(fault, answer.body) : answer.body, answer.headers);
    }
    case 'redirect':
      return reply(fault.status ?? 302, undefined, { location: fault.location });
  }
}
