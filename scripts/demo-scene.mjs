// The single-instance demo's scene (npm start): one list of steps, printed as curl lines and played by the self-check.
// Every step is replayable: each section starts by putting its subject back where the scene expects it, through the
// emulator's control API, so running the printed lines again (and again) gives the answers they announce.

/** How long after "user_buyer pays" the emulator grants the entitlement (Licenzy processing Stripe's webhook), in ms. */
export const BUYER_DELAY_MS = 1500;

/** The subjects the printed lines use. */
export const DEMO_SUBJECTS = { paid: 'user_paid', free: 'user_free', credits: 'user_credits', buyer: 'user_buyer' };

/** The start-up self-check's own subjects: it never spends or changes what the printed lines rely on. */
export const CHECK_SUBJECTS = { paid: 'selfcheck_paid', free: 'selfcheck_free', credits: 'selfcheck_credits', buyer: 'selfcheck_buyer' };

/**
 * The scene's starting state for one set of subjects: a paying user, and a spent usage pack the metered section tops up.
 * The free user and the buyer have no entitlement.
 */
export function seedScene(mock, subjects) {
  mock.grant(subjects.paid);
  mock.grant(subjects.credits, { kind: 'usage_pack', usageRemaining: 0 });
}

const json = { 'content-type': 'application/json' };

/** The scene's sections, each a title and steps: `expect` lists the answers of consecutive runs of the same line. */
export function sceneSections() {
  const report = (user) => ({ target: 'app', method: 'GET', path: () => '/pro/report', user });
  return [
    {
      title: () => 'Try these:',
      steps: [
        { expect: [200], label: 'paying user', request: report('paid') },
        { expect: [401], label: 'not logged in', request: report(undefined) },
        { expect: [403], label: 'logged in, has not paid', request: report('free') },
        { expect: [200], label: 'free route', request: { target: 'app', method: 'GET', path: () => '/' } },
      ],
    },
    {
      title: (s) => `Metered route (${s.credits}'s usage pack starts empty; the top-up puts 2 units in it, each report takes 1):`,
      steps: [
        {
          expect: [200],
          label: 'adds 2 units to the pack (the console\'s "Add units"); answers once the app has the webhook',
          request: { target: 'mock', method: 'POST', path: (s) => `/_mock/subjects/${s.credits}/topup?wait=webhooks`, body: '{"units":2}' },
        },
        {
          expect: [200, 200, 402],
          label: 'when run 3 times: 2 units, then usage_exhausted',
          request: { target: 'app', method: 'POST', path: () => '/api/reports', user: 'credits' },
        },
      ],
    },
    {
      title: (s) => `After checkout (${s.buyer} pays; Licenzy processes Stripe's webhook ${BUYER_DELAY_MS / 1000} s later):`,
      steps: [
        {
          expect: [200],
          label: 'start over: the buyer has not paid yet (revoke; answers once the app has the webhook)',
          request: { target: 'mock', method: 'POST', path: (s) => `/_mock/subjects/${s.buyer}/revoke?wait=webhooks`, body: '{}' },
        },
        { expect: [403], label: 'before Licenzy has processed the payment', request: report('buyer') },
        {
          expect: [200],
          label: `pays now (granted ${BUYER_DELAY_MS / 1000} s later); the status route waits server-side, 200 {"allowed":true} once processed`,
          background: { delayMs: BUYER_DELAY_MS, request: { target: 'mock', method: 'POST', path: (s) => `/_mock/subjects/${s.buyer}/grant`, body: '{}' } },
          request: { target: 'app', method: 'GET', path: () => '/api/access-status', user: 'buyer' },
        },
        { expect: [200], label: 'from then on', request: report('buyer') },
      ],
    },
  ];
}

const quote = (text) => (/^[\w:/.@-]+$/.test(text) ? text : `'${text}'`);

function curlOf(request, { urls, subjects, quiet = false }) {
  const url = `${urls[request.target]}${request.path(subjects)}`;
  const parts = ['curl', quiet ? '-s -o /dev/null' : '-i'];
  if (request.method !== 'GET') parts.push(`-X ${request.method}`);
  parts.push(quote(url));
  if (request.user !== undefined) parts.push(`-H 'Authorization: Demo ${subjects[request.user]}'`);
  if (request.body !== undefined) parts.push(`-H 'content-type: application/json' -d '${request.body}'`);
  return parts.join(' ');
}

/**
 * The shell line a step prints (a background step runs its payment in a subshell while the main curl waits).
 * @example
 * renderStep(step, { urls: { app, mock }, subjects: DEMO_SUBJECTS }); // "curl -i http://127.0.0.1:3000/pro/report -H '…'"
 */
export function renderStep(step, context) {
  const main = curlOf(step.request, context);
  if (step.background === undefined) return main;
  return `(sleep ${step.background.delayMs / 1000}; ${curlOf(step.background.request, { ...context, quiet: true })}) & ${main}`;
}

async function send(request, { urls, subjects }) {
  const headers = { ...(request.body === undefined ? {} : json) };
  if (request.user !== undefined) headers.authorization = `Demo ${subjects[request.user]}`;
  const response = await fetch(`${urls[request.target]}${request.path(subjects)}`, { method: request.method, headers, body: request.body });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Plays a step as its printed line would (one run per expected answer); resolves with the statuses and seconds taken.
 * @example
 * const { statuses } = await playStep(step, { urls: { app, mock }, subjects: CHECK_SUBJECTS });
 */
export async function playStep(step, context) {
  const started = performance.now();
  const statuses = [];
  for (let run = 0; run < step.expect.length; run++) {
    const background =
      step.background === undefined
        ? undefined
        : new Promise((resolve) => setTimeout(resolve, step.background.delayMs)).then(() => send(step.background.request, context));
    statuses.push(await send(step.request, context));
    await background;
  }
  return { statuses, seconds: (performance.now() - started) / 1000 };
}
