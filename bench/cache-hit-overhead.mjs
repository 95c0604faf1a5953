// Benchmark 1: the same app with the paid route bare, behind an empty middleware and behind requireAccess() (subject
// cached), per framework: the server CPU per request of each, and the bytes each allocates per request.
import { allocationRuns, pairedRatios } from './lib/ab.mjs';
import { canPin, pinLoadGenerator, startChild } from './lib/child.mjs';
import { gateFrameBytes } from './lib/gate-frame-bytes.mjs';
import { runLoad } from './lib/load.mjs';
import { creationOrder, slicedRuns } from './lib/sliced.mjs';
import { fmt, median, nestedMedianInterval, percentile, verdict } from './lib/stats.mjs';

// The headline (issue 25): gated/empty middleware, i.e. the empty middleware's server CPU per request ÷ the gated
// server's: what the gate adds over any middleware in its place.
const TARGET = 0.99;
// The variants, each an app of its own (its own port, router and middleware) and all of them in ONE server process:
// `control` is a second empty-middleware app, so empty vs control (an A/A comparison of the headline's own kind) shows
// how far two apps of the same code differ, i.e. the smallest gate cost these figures can resolve; `bare` (no
// middleware on the route) against empty shows what the framework charges for any middleware there.
const VARIANTS = ['bare', 'noop', 'control', 'gated'];
const APP = { bare: 'bare', noop: 'noop', control: 'noop', gated: 'gated' };
// Server processes, each hosting every variant (created in an order of its own, creationOrder), pooled per round. Two
// processes of the same code differ by several percent for as long as they live (code and heap placement, JIT timing:
// two Express processes with the same empty middleware measured 102 and 116 µs per request in one run); apps that
// share a process share that luck, so comparing them leaves it out.
const PROCESSES = 4;
// The apps of a process are loaded in slices of SLICE_MS, one app at a time, alternating (bench/lib/sliced.mjs): on a
// shared machine one slice's CPU per request ranged 32–270 µs (Fastify, empty middleware, 25 ms slices), changing from
// one slice to the next, so two apps are only comparable when measured a few milliseconds apart. CYCLES_PER_VISIT
// cycles (each app once) per visit of a process, ROUNDS rounds over every process.
const SLICE_MS = 25;
const CYCLES_PER_VISIT = 30;
const ROUNDS = 12;
// Allocation windows (bytes per request, counted in each server process): the variants compared on it.
const ALLOCATION_VARIANTS = ['noop', 'control', 'gated'];
const LABELS = { bare: 'bare', noop: 'empty middleware', control: 'empty middleware (A/A control)', gated: 'gated' };

/** The section's closing notes: what the gate costs on a hit, and why the servers are settled and pooled. */
const NOTES = [
  '**What the gate costs on a hit (issue 25), counted rather than timed.** On a quiet machine gated/empty measured 0.947 (Express), 0.951 (Koa) and 0.988 (Fastify) in this benchmark when the empty middleware ran in one process against three gated ones. Timings on a shared 2-core machine cannot resolve 1%, so the cost was located with counts that do not move with machine load: instructions per request on the server\'s main thread under valgrind\'s callgrind (`node bench/experiments/callgrind.mjs <framework> noop,gated,noop2 10000 3000`: 10,000 warm-up requests, settling, then 3,000 counted hits; JIT code named from V8\'s `--perf-basic-prof` map by `bench/experiments/cg-names.py`), bytes allocated per request in the server process (`bench/experiments/counts.mjs`, `alloc-window.mjs`), and where they are allocated (V8\'s sampling heap profiler, `bench/experiments/alloc-sites.mjs`). What they found, and what changed:',
  '',
  '- **Express: an assignment to `req`.** Express gives every request a hidden class of its own (`Object.setPrototypeOf(req, app.request)`; `%HaveSameMap` of two requests is false, of two plain `http` requests true), so every property access on `req` misses V8\'s inline caches and goes to the runtime: the empty-middleware server makes 87 `Runtime_LoadIC_Miss` and 24 `Runtime_StoreIC_Miss` calls per request, about half its instructions (617,681 per request). The gate added one `Runtime_StoreIC_Miss` per request (the `req.licenzy = decision` assignment, which looked the accessor up along the prototype chain: ~3,700 instructions) and one `Runtime_JSReceiverGetPrototypeOf` (~70). The decision now goes straight into the accessor\'s `WeakMap` (`packages/express/src/decision-property.ts`): no property access on the request at all; the store miss is gone. That `WeakMap` write, few instructions as it is, then measured about 1% of an Express request in CPU time (a new key per request: the table grows, and its entries die in every scavenge): `bench/experiments/same-process.mjs express noop,control,gated,admit,locals 6 8 0.5` put the gate with the WeakMap at 0.987 of empty, the same guard without storing at 0.995 and with the decision kept in `res.locals` at 0.999 (A/A 0.998), and the sampled profile put 1.12 µs in an empty middleware doing only `weakMap.set(req, …)`. The decision is now kept in the response\'s `res.locals` (a dictionary Express creates per request) under two private symbols, the request it belongs to and the decision; the WeakMap is only the fallback (a frozen or `null` `res.locals`). What remains is the subject resolver\'s read of `req.user` (one `Runtime_LoadIC_Miss`, ~2,200 instructions): any middleware that reads the request pays that in Express. After: 619,079 instructions per request gated against 618,821 empty (+0.04%; the A/A pair differed by 0.7%).',
  '- **Every adapter: an outcome object per hit.** The guard answered a hit with a new `{ allowed: true, decision }` (33 B per request allocated in `licenzyRequireAccess`, sampled). `guard.admit()` answers a cached grant with the cached decision itself; the Express, Koa and Fastify adapters use it, so the hit path allocates nothing.',
  '- **Fastify: a request decorator.** `decorateRequest(\'licenzy\', null)` adds a field that Fastify\'s `Request` constructor sets in a loop over the decorators; with a second decorator (the app\'s `user` is the first) that keyed store turns megamorphic: 2 `KeyedStoreIC_Megamorphic` calls per request (~500 instructions, ~0.5%), the framework\'s charge for any request decorator. The gate\'s own code on a hit: 345 instructions (`peek` and the preHandler) against the empty preHandler\'s 59. Gated 105,099 against empty 105,063 instructions per request (+0.03%). Loading undici and making the Licenzy call changes nothing measurable: an empty-middleware server after one `fetch()` 102,966, a gated server with an in-process stub client 103,202, empty 103,088.',
  '- **Koa: nothing of the gate\'s beyond its code.** The gate\'s own instructions on a hit: ~380 (`decide`, the middleware and the cache\'s `Map` lookup); `ctx.state.licenzy = decision` stays on the inline caches (no runtime IC miss: the runtime call counts of the gated and empty servers are equal). Gated 152,768 against empty 149,570 instructions per request (+2.1%), with the A/A pair at −1.5% (147,390): the rest of the difference is Node\'s http and stream code compiled differently in that process (`OutgoingMessage`\'s stores polymorphic there, `clearBuffer` and `processTicksAndRejections` inlined differently), the same kind and size as between the two empty-middleware processes.',
  '- **The clock\'s timer: bytes, not instructions.** The gate\'s clock takes a new reading in an unref\'d timer while it is in use. Under load it is in use all the time, so with a 1 ms period the timer fired in nearly every event-loop iteration (~700–1,500 iterations a second, one per ~30 requests: `bench/experiments/counts.mjs`). A firing costs ~12,600 instructions in Node\'s timer code (callgrind: 95 firings in 2,000 Koa requests, `node::Environment::RunTimers` inclusive) and allocates ~430 B whatever its callback does (`node --expose-gc bench/experiments/timer-alloc.cjs clock`: 432 B and 33 µs of CPU per firing in an idle process; 404 B with a callback that reads no clock). That was the gate\'s excess in bytes per request: allocation windows on apps of one process (`bench/experiments/alloc-apps.mjs <framework> noop,control,gated,gated@clock1ms 3 4 1`, the last a build of core with the old 1 ms period) put Koa at +8.7 B per request with the 1 ms period and +1.4 B with 10 ms (A/A +1.2 B), Fastify at +11.7 B and +8.5 B. The period is now 10 ms (`COARSE_CLOCK_PERIOD`), and every cached answer is judged at the reading plus that lag, so an old reading never serves a decision past its TTL (it may be refreshed up to 20 ms early instead). In CPU time the same-process comparison could not tell the periods apart (Koa, 6 processes × 8 rounds: 0.979 with 10 ms, 0.977 with 1 ms, A/A 1.017). The `WeakMap` behind `req.licenzy` cost a write barrier (~230 instructions per request) and no extra scavenges, but ~1% in CPU time (see Express above; replaced). Diagnostics-channel checks are one property read inside `peek` (163–179 instructions with the cache lookup).',
  '- **Fastify: 8 bytes for `request.licenzy`.** What Fastify still allocates beyond the empty preHandler is the `licenzy` request decorator itself: Fastify\'s `Request` gets one more field (8 B) per request. An empty preHandler on a request with that decorator measured +8.2 B per request, the gate +8.5 B, in the same processes (`alloc-apps.mjs fastify noop,control,noop-decorated,gated 3 4 1`; A/A −0.1 B). Fastify documents decorators as the way to put per-request state on the request; a prototype getter would need a per-request store somewhere else, which costs more: the `WeakMap` of Express above, or a symbol on `request.raw` (tried: Node 20\'s `IncomingMessage` sometimes keeps a spare in-object field after V8\'s slack tracking and sometimes not, and a write past it allocates a property array: the plugin keeping its decision there measured +28 B per request beyond the empty preHandler, an empty preHandler writing one symbol there +14 B (`alloc-apps.mjs fastify noop,raw-slot,gated 3 4 1`), against the decorator\'s 8 B). Kept; the allocation row reports it.',
  '- **The harness: which app the framework\'s shared code saw last.** Koa\'s `ctx`, `request` and `response` are objects of per-app prototypes, so with four apps in a process the framework\'s shared code (`respond`, `set body`, `set status`, the router) runs with polymorphic inline caches, which check maps in the order they were first seen. Settling used to send each process\'s first requests to the apps in one fixed order (bare, empty, control, gated): the gated app came last in every process and paid the most map checks in every framework function. Counted with callgrind on apps of one Koa process (`bench/experiments/callgrind-apps.mjs koa <order> 3000 2000 2`): with the gated app first it ran 144,615 instructions per request against 143,819 (control) and 143,936 (empty, then last); with it last, 1,300–1,600 more than the empty apps. Each process now sends its first requests in its own rotated order (the order it created its apps in), so every variant is as often last as first.',
  '- **What is left is cache lines, not instructions.** Instructions say the gate costs ~1% of a Fastify or Koa request; CPU time here said 1.6–2.6%. The difference is where its code and data are when a request needs them: nowhere near. A request runs through far more code and data than a 32 KiB L1 cache holds (callgrind\'s cache simulation: 4,100 L1 instruction misses and 1,750 L1 data misses per Fastify request, 6,400 and 2,500 per Koa request), so every line the gate\'s hit path reads has been evicted again by the next request. Counted against `floor`, an empty middleware doing a plain `Map.get` of a frozen decision (which adds no miss at all: 58 instructions), `peek()` alone added 44–49 instruction-line and 28–37 data-line misses per Fastify request (Koa: 57–61 and 41–55) for 600–900 instructions, and the whole gate 48–58 and 35–58 (`CG_FLAGS=\'--cache-sim=yes --branch-sim=yes\' node bench/experiments/callgrind-apps.mjs <framework> noop,floor,peek,gated 3000 2000 2`, then `EVENT=D1mr python3 bench/experiments/cg-names.py` per function). At 12–15 cycles for an L1 miss served by L2 that is 1,500–2,000 cycles, 0.5–0.7 µs per request: what this benchmark measured on that machine (Fastify 21.6 against 22.3 µs, Koa 37.8 against 38.3 µs), of which the instructions are a third. So the hit path now reads fewer lines: each decision\'s stamp and served-until time side by side in one float64 pair (the expiry test reads one line, not two typed arrays), the LRU\'s fields a hit reads declared first (next to the object\'s header), and only the three channels a traced hit is published on (`start`, `end`, `error`) instead of the TracingChannel\'s five. Old and new core as apps of one Koa process (`callgrind-apps.mjs koa floor,gated@old,gated`, `bench/experiments/builds/old` built from the commit before): `peek()`\'s own data-line misses 21 → 15 per request, instruction-line misses 16 → 15, instructions 170 → 157. What remains is the code itself (~1 KB of optimised machine code per function on the path, a miss per 64 B) and one object per step of the lookup (the cache, its LRU, the `Map` and its table, the stamps, the values, the clock\'s reading, the hit counter, the channels): a plain `Map.get` is the floor, and a gate that checks expiry, keeps recency, counts and traces its hits reads 15 more lines than that.',
  '- **How much a leaner hit path could still save.** To bound what any rewrite of the hit path could gain, the experiment variant `lean` (`bench/children/app.mjs`) does the least a hit with the gate\'s features can: one `Map` lookup of an entry holding the decision with its stamp and expiry in whole ms, a clock reading in a module variable, a hit counter and the three trace channels asked; no recency list, no guard, no adapter, no request property. Counted per function with callgrind\'s cache simulation on apps of one process (`CG_FLAGS=\'--cache-sim=yes --branch-sim=yes\' FLAGS=early node bench/experiments/callgrind-apps.mjs <framework> noop,control,floor,lean,gated 3000 2000 4`, then `EVENT=I1mr python3 bench/experiments/cg-names.py /tmp/cga/<framework>.out.<lean window> 2000 /tmp/cga/<framework>.out.<gated window> 2000`, likewise `D1mr` and `Ir`), per request: Fastify, `lean` 12–13 instruction-line misses, 8–9 data-line misses and 133–149 instructions, the gate (the guard with `peek` inlined, and the preHandler) 32–34, 31 and 335–361, plus Fastify\'s own store of the `licenzy` decorator (`KeyedStoreIC_Megamorphic` +182–184 instructions, `_Request` +31); Koa, `lean` 9–10, 7–9 and 104–119, the gate 29–33, 24–27 and 300–340; Express, `lean` 33, 15 and 355, the gate 34, 17 and 342 (there every read of `req` misses the inline caches, the gate\'s and `lean`\'s alike). The machine code says the same without any timing (`node --allow-natives-syntax --print-opt-code --print-opt-code-filter=<function> bench/experiments/opt-code-size.mjs peek|decide|lean`): up to its first deoptimisation exit, `lean` is 545 B of optimised code, `peek` 980 B, the guard\'s `decide` with `peek` inlined 1,812 B (the subject resolver, `isThenable`, the `fresh` test, the clock\'s and the lag\'s small-integer-or-heap-number paths and two typed-array reads with their checks). So cutting the Koa and Fastify hit paths down to `lean` would save about 20 instruction lines, 20 data lines and 200 instructions a request: at 12–15 cycles per L1 miss, about 0.15 µs, 0.7% of a Fastify request and 0.4% of a Koa one on the quiet machine of session 4, and in Express nothing. That is the most any rewrite that keeps expiry, counting and tracing could gain here, and it is below the A/A spread of every run on this machine. The whole-request totals of the same windows cannot tell `floor`, `lean` and the gate apart: apps of one process differ by 2–5% in instructions from round to round (Fastify\'s empty middleware 107,931–111,489 per request over four rounds), against the gate\'s 0.3%.',
  '- **Less code on the hit path.** Counted per call under callgrind with per-instruction dumps, the same on a loaded machine as on an idle one (`valgrind --tool=callgrind --dump-instr=yes --smc-check=all-non-file --callgrind-out-file=/tmp/oc/cg.out node --perf-basic-prof --allow-natives-syntax bench/experiments/opt-code-size.mjs decide`, then `python3 bench/experiments/cg-lines.py /tmp/oc/cg.out /tmp/perf-<pid>.map decide peek`: the instructions each optimised function runs per call, and the distinct 64-byte lines of its machine code it touches). Two changes: the guard answers a string subject on a route that never asks for a fresh answer straight from the cache (every hit used to run the `then` test meant for async resolvers and a truthiness test of `fresh`); the coarse clock keeps its state in fields of one `const` object instead of module-level `let`s (optimised code checks a `let` for initialisation at every read). `peek()` alone: 144 → 141 instructions per call, 13 lines, 1,064 → 936 B of code; the guard\'s `decide` with `peek` inlined: 228 → 195 instructions, 22 → 18 lines, 1,968 → 1,672 B. Two further changes measured fewer instructions still (`peek` 131, `decide` 185) and were taken back because they allocated: the clock\'s reading in a float64 field, and the lag added inside a closure, each handed a fresh heap number (16 B) to code where a read met `firstReading()`\'s result. Benchmark 1 caught it: 9–15 B per request in the gate\'s own code (sampled), where it had been 0 (`node bench/experiments/gate-bytes.mjs koa`, the same figure in a minute: 16.3–16.4 B with them, 0.0 B without, and 0.0 B for Express and Fastify). The reading stays a tagged field, so a read hands on the number the timer stored. In the apps of one process `lean` runs 10–13 instruction lines and 9 data lines per request against the gate\'s 27–34 and 24–32 (Koa and Fastify, `callgrind-apps.mjs <framework> noop,lean,gated 3000 2000 2`, before and during these changes): what is left between them is mostly data, the cache, its LRU, the `Map`, the stamps and their buffer, the values and the hit counter, each an object of its own, which a layout of one object per decision would remove at about 8 B more per cached decision (142–144 B today, against the 150 B target).',
  '- **What the 5% was.** A gated Fastify server measured 5.3% more instructions per request before these changes (108,175 against 102,742), none of it in the gate\'s code: framework and stream functions (`Readable.read`, `doWrite`, `emitReadable_`) ran in baseline (Sparkplug) code in that process and optimised code in the other, the same per-process luck that made one empty-middleware process measure 2–4% *less* CPU than the bare ones (empty/bare above 1.000 in the figures this benchmark published before). One empty-middleware process against three pooled gated ones turned that luck into the headline.',
  '- **Slices: what the benchmark can now resolve, and what the gate still costs at that resolution (session 6).** The CPU a request costs on this kind of machine moves with the rest of the host from one 25 ms slice to the next (see "Slices" above), so the 0.5 s runs of one app after another left A/A rounds 10–30% apart; alternating the apps of a process slice by slice and taking the ratio cycle by cycle brought the A/A of every framework inside 0.98–1.02 in the first full run with it (1.015, 1.000, 1.006). Apps of one process that each do part of the gate\'s work, against the empty middleware (`DUMP=<file> node bench/experiments/sliced-ab.mjs <framework> <apps> <processes> <blocks> <cycles> 25`; the median of all cycle ratios, empty/variant): Fastify, the guard\'s hit path alone with no request property (`admit`) 0.968, the whole gate 0.977, an empty preHandler on a request carrying the `licenzy` decorator 1.000, A/A 0.996 (`noop,control,noop-decorated,admit,gated 4 8 24`); `lean` (the least a hit with the gate\'s features does, above) 0.997 and 0.995 where the gate measured 0.976 and 0.979 and the A/A 0.998 and 0.992 (`noop,control,lean,gated 4 8 30`; `noop,control,noop-decorated,lean,gated 3 10 30`, where the decorated empty preHandler measured 0.983). Koa, the same four apps: `lean` 0.991, the gate 0.992, A/A 0.992. So on Fastify what remains is the core\'s hit path itself rather than the decorator: the layers `lean` leaves out (the guard, the gate\'s cache, its LRU\'s slot index, values and stamp columns, the clock\'s closure), about 20 more cache lines of code and data per hit by callgrind\'s count, which cost far more on a host whose caches are shared with busy neighbours (1–2 µs a request here) than the 0.15 µs they would cost from L2. These app-by-app runs used rotated cycle orders (each app always after the same one), before the Williams design above, so each ratio may carry a bias of 1–2%: pointers, which the cache-line counts of the next note check without timing.',
  '- **Which layers of the hit path miss the cache lines (session 6).** Counted, not timed: callgrind\'s cache simulation on apps of one Fastify process, 2,000 hits each (`CG_FLAGS=\'--cache-sim=yes\' FLAGS=early node bench/experiments/callgrind-apps.mjs fastify noop,lean,peek,admit,gated 3000 2000 1`, then `EVENT=D1mr python3 bench/experiments/cg-names.py /tmp/cga/fastify.out.<a> 2000 /tmp/cga/fastify.out.<b> 2000`, likewise `I1mr`), L1 misses per request in the middleware\'s own optimised code (callees inlined): `lean` 8 data and 13 instruction lines; `gate.peek()` from an empty preHandler 21 and 23 (the gate\'s closure, its cache, the LRU\'s `Map`, table and values, the stamps column and its store, the clock, the counters: 13 data and 10 instruction lines more than `lean`); `guard.admit()` 33 and 31 (`decide` with `peek` inlined 27 and 20, the preHandler 6 and 8, the subject resolver 0 and 3: the guard layer adds 12 and 8 more); the whole gate about the same as `admit`. So about 65 lines against `lean`\'s 21, split roughly evenly between the cache\'s layers and the guard\'s; whole-request totals (1,920–1,960 data-line misses per request for every app) move by more than that from window to window. What a line costs depends on where it comes from: the measured 1–2 µs a hit costs here is 20–30 ns a line, further than L2.',
  '- **A hit path as lean as `lean` (session 7).** The rewrite the two notes above pointed to, checked the same way per Fastify request (callgrind\'s cache simulation with per-instruction counts, `CG_FLAGS=\'--cache-sim=yes --dump-instr=yes\' EXTRA_ARGS=\'--print-opt-code\' FLAGS=early node bench/experiments/callgrind-apps.mjs fastify lean,gated 3000 2000 1`, each missing load found in the printed machine code): the gate\'s own code went from 32 data-line and 30 instruction-line misses and ~325 instructions per request to 11, 17 and 179, against `lean`\'s 11, 13 and 148 (Koa: 6, 13 and 146 against 9, 10 and 119). What went, a line or two each: the clock\'s reading is whole ms (a small integer in its field, not a pointer to a heap number); the decision carries its slot and expiry as small integers under symbol keys, so the `Map` gives the decision itself and a hit reads neither the values array (a JS array is two objects) nor a typed array (its object spans two lines, then its data); one cache object where there were a cache, its LRU and its stamps, counting its own hits; the three trace channels read directly, not through a function and its context; no wrapper function for `admit()`\'s grants; no comparison of two objects (V8 reads each one\'s map to check it is an object), no imported symbol (read from the module\'s exports object on every use) and no `#` methods (a brand field first in every instance) on the path; the decider\'s hot variables in the first slots of its context; the adapters hold `guard.admit` rather than read it from the guard each time. With all of it inlined into one optimised function, a machine-code header is checked once per request instead of three times. The first full run after it measured gated/empty 0.983 (Express), 0.987 (Koa) and 0.982 (Fastify) next to A/As of 1.003, 1.005 and 0.991: within the run-to-run spread of the runs before, so the lines cut were not all of what the gate costs on this host. What is left in Fastify is the `licenzy` request decorator (above) and what `lean` does too: the `Map` lookup, the trace channels and the request\'s own fields.',
  '- **Below `lean` on Fastify, and one inline-cache miss fewer on Express (session 8).** A hit\'s `traceSync` runs a function that cannot throw, so the `error` channel has nothing to publish for a hit: the hit path now asks `start` and `end` only (one object fewer per hit, same events for every subscriber; pinned by the diagnostics test). Counted as above (`CG_FLAGS=\'--cache-sim=yes --dump-instr=yes\' FLAGS=early node bench/experiments/callgrind-apps.mjs fastify lean,gated 3000 2000 1`, then `python3 bench/experiments/cg-instr.py /tmp/cga/fastify.out.2-01 /tmp/cga/fastify.out.map 2000 \'*licenzyPreHandler,*lookup\'`): the gate\'s own code per Fastify request 10 data-line and 16 instruction-line misses and 176 instructions, `lean` 11, 13 and 148 in the same process. Express: every request and response has a hidden class of its own (`%HaveSameMap` of two requests\' `req`, and of their `res`, is false), so the gate\'s read of `res.locals` missed V8\'s inline cache on every request; it is now read with `Reflect.get`, which takes no inline cache (V8 looks the property up in the builtin), and so are the default subject\'s `req.user` and `req.auth`. On 2,000 kept Express responses a read of `locals` took 448–783 ns plain and 163–494 ns by `Reflect.get` over four runs (`req.user` 404–690 and 123–419 ns; `node bench/experiments/unique-class-reads.mjs`). Under callgrind (`node bench/experiments/callgrind-apps.mjs express noop,gated 3000 2000 1`, then `python3 bench/experiments/cg-names.py /tmp/cga/express.out.1 2000 /tmp/cga/express.out.2 2000`) gated − empty went from 3,268 to 2,927 instructions per request (0.5% of 612,000), `Runtime_LoadIC_Miss` from +156 to +80 (the one miss left is the app\'s own resolver reading `req.user`) and `LookupInRegularHolder` from +630 to +211.',
  '- **The order of the slices, balanced across cycles, and the order the apps are created in (session 9).** A slice costs more or less depending on which app ran just before it, by about as much as the gate costs: in a Fastify process (`DUMP=<file> node bench/experiments/sliced-ab.mjs fastify bare,noop,control,gated 4 10 30 25`, 4,800 slices, each slice against the mean of its cycle) a slice after the app created just before its own cost 1.1% less than one after either other app (±0.4%), and single pairs differed by up to 2.9% (e.g. the bare app after the gated one −1.8%, after the empty one +1.1%). The four rows of the Williams design, used one after another, balanced these steps inside a cycle only: between cycles each app always followed the app created after it, so every app followed one of the others twice as often as the third. Now the cycles take twelve orders in turn (`carryoverBalanced` in `bench/lib/sliced.mjs`: the Williams rows put in an order in which the steps between cycles cover every ordered pair once, so that over the twelve every app follows every other four times and sits in every position three times; checked whenever the orders are built), and twelve rounds, each starting one order further, use every order equally often in every process. The apps were also created in rotations of one order, so the A/A\'s two empty apps were created one right after the other, the control after the empty one in three of the four processes; the processes now create their apps in the orders of the Williams rows (each app in each position once, and before each other app in two of the four processes), and the load generator opens each process\'s connections app by app in that order (it used to open them in one fixed order, the control\'s right after the empty app\'s everywhere; Fastify\'s A/A had measured above 1 in seven runs of seven, 1.001–1.013). Neither change can favour the gate: both only balance what every app gets. Also measured: the default subject resolver in Express in place of the benchmark\'s `(req) => req.user?.id` (variant `gated-default`; `node bench/experiments/callgrind-apps.mjs express noop,gated-default 3000 2000 2` against `noop,gated`, then `cg-names.py`): it avoids the resolver\'s inline-cache miss (`LookupInRegularHolder`, `LoadIC::Load`, `ComputeHandler`, `StubCache::Set` and `Runtime_LoadIC_Miss`: about 580 instructions per request) but its `Reflect.get` and own-property checks cost about as many (`GetProperty` +230, `ObjectPrototypeHasOwnProperty` +270, the two readers +126): no difference counted, so the benchmark keeps the app\'s own resolver. Finally, what "in the gate\'s own code" can and cannot see: V8\'s sampling heap profiler charges an allocation to the optimised frame it ran in, not to a function inlined there (`node --allow-natives-syntax --no-turbo-escape bench/experiments/heap-sampler-inlining.cjs`, with and without `--max-inlined-bytecode-size=0`: the inlined function\'s bytes land on its caller). So a framework function inlined into the gate\'s middleware is charged to the gate (one Koa process read 36 B per request in `licenzyRequireAccess` while the other 19 Koa processes of session 9 read 0 B; most likely Koa\'s `next()`, the next middleware\'s `dispatch.bind` and promise, was inlined there, which was not captured), and gate code inlined into a framework function is charged to the framework. The figure is a per-process reading of where TurboFan drew its frames, next to the whole-request difference, not a proof either way.',
  '- **Why every variant now shares a process.** Three pooled processes per variant were not enough: in the quiet full runs of the last session the A/A (two sets of three empty-middleware processes) ranged 0.934–1.033 per framework, and two Express sets measured 102.3 and 115.5 µs per request in one run. Two things were measured on the way (`bench/experiments/same-process.mjs`, which runs any list of variants as apps of one process): (1) with the variants in one process (a port each) the A/A medians came to 0.989–1.016 over eight runs of three frameworks; (2) the run that follows a switch of process is the slow one: with apps visited in a fixed rotation, whichever app came first after a switch measured 1–4% more CPU per request every time (Express: the others 1.036–1.040 against it), single rounds up to 25% off; an unkept 0.3 s run after each switch and an order rotated per round removed it (Express A/A 1.002, per-round range 0.979–1.019 instead of 0.905–1.243). The load generator is pinned to the first CPU besides (it had been free to run on the servers\' one). What resolution that leaves, and what the gate costs at it, the headline table says. Between the gate and a bare `peek()` of the same subject nothing stands out at that resolution (Fastify, four runs of four processes each: `peek()` alone 0.993 and 0.996, `guard.admit()` 0.987, the whole adapter 0.980–0.990; the clock read with `performance.now()` on every hit instead of the 1 ms timer 0.986 against 0.983 with it in the same processes).',
  '',
  '**Where the gated CPU went (issue #14), and why every server is settled.** Measured without settling, a gated Fastify server spent 2–3 µs more CPU per request than a bare one (bare/gated 0.77–0.84 in every run), while the gate\'s code costs ~0.03 µs. `perf record` of both processes under identical load (`--perf-basic-prof`) put the difference in V8\'s runtime, called from `processTicksAndRejections`: `Runtime_DefineKeyedOwnPropertyInLiteral`, `Map::TransitionToDataProperty`, `TransitionsAccessor::IsMatchingMap`, `JSObject::MigrateToMap`. That is Node 20\'s `process.nextTick()` building its tick object, the literal `{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }` in `lib/internal/process/task_queues.js`, outside the optimised code. `%DebugPrint(process.nextTick)` shows why: in the slow processes three of that literal\'s four store slots are MEGAMORPHIC, in the fast ones all four are MONOMORPHIC. V8 keeps a single map per slot for this kind of store, with no polymorphic state; a full GC that frees the tick object\'s maps (no tick object is alive between ticks, and unused maps are retained for only a couple of GCs) makes the next tick build new maps, and the slots go megamorphic for the life of the process. In a gated server the gate\'s first Licenzy call did it: it loads `fetch` (undici), and the GCs that follow freed the maps. A bare server gets there just the same after its first quiet moment, when V8\'s memory reducer collects: one bare Fastify server given an idle GC measured 0.861 against a pristine one, level with gated (0.824) in the same run. `node bench/experiments/next-tick-feedback.mjs [fastify|express|koa]` reproduces it: a script with one GC, and servers before and after the first Licenzy call, traffic and settling. So the comparison that isolates the gate compares servers in the same state, and the state production servers stay in is the settled one: every server is settled before the runs.',
];

/** Slices of one variant as one run: requests, CPU and time pooled; latencies pooled for p50/p99. */
function pool(slices) {
  const ok = slices.reduce((sum, s) => sum + s.ok, 0);
  const cpuNs = slices.reduce((sum, s) => sum + s.cpuNs, 0);
  const ms = slices.reduce((sum, s) => sum + s.ms, 0);
  const latencies = slices.flatMap((s) => s.latencies);
  return { ok, rps: ok / (ms / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), serverBusy: cpuNs / 1e6 / ms, cpuPerRequest: cpuNs / 1000 / ok };
}

/** CPU per request of one slice (or of several pooled), in ns. */
const perRequest = (...slices) => slices.reduce((sum, s) => sum + s.cpuNs, 0) / slices.reduce((sum, s) => sum + s.ok, 0);

/**
 * `base`'s CPU per request ÷ `other`'s, cycle by cycle (the two apps' slices a few ms apart): per round the median over
 * the round's cycles, then their median and range; per process the median over all its cycles.
 */
function cycleRatios(cycles, rounds, processCount, base, other) {
  const ratio = (cycle) => perRequest(...base.map((name) => cycle.slices[name])) / perRequest(cycle.slices[other]);
  const list = Array.from({ length: rounds }, (_, i) => median(cycles.filter((c) => c.round === i).map(ratio)));
  const perProcess = Array.from({ length: processCount }, (_, p) => median(cycles.filter((c) => c.process === p).map(ratio)));
  // All cycles at once, with a 95% interval drawn over processes and their visits (one visit per round): how far this
  // run's figure could move with other processes and other moments on the same host.
  const groups = Array.from({ length: processCount }, (_, p) => Array.from({ length: rounds }, (_, i) => cycles.filter((c) => c.process === p && c.round === i).map(ratio)));
  return { list, median: median(list), min: Math.min(...list), max: Math.max(...list), perProcess, pooled: nestedMedianInterval(groups) };
}

const FRAMEWORKS = [
  { key: 'express', name: 'Express 5' },
  { key: 'koa', name: 'Koa 3' },
  { key: 'fastify', name: 'Fastify 5' },
];

/**
 * For each framework: {@link PROCESSES} server processes, each serving bare, empty-middleware (twice: the A/A) and gated
 * apps, loaded from this process in alternating slices of a few ms, one app at a time (see slicedRuns: balanced
 * orders, an unkept cycle after each switch of process, idle processes stopped), the server's CPU time read from
 * /proc between slices. Then the bytes each empty and gated app allocates per request, counted in the process over
 * windows of steady load.
 */
export async function run({ smoke, mock, log, results: earlier }) {
  const rounds = smoke ? 1 : ROUNDS;
  const cyclesPerVisit = smoke ? 3 : CYCLES_PER_VISIT;
  const sliceMs = SLICE_MS;
  const processCount = smoke ? 1 : PROCESSES;
  const allocationRounds = smoke ? 1 : 3;
  const allocationSeconds = smoke ? 0.3 : 1;
  // What the middleware itself costs per request, timed in-process by benchmark 2 (if it ran).
  const adapterNs = (name) => earlier?.get(2)?.byName?.[`${name.split(' ')[0]} requireAccess()`]?.ns;
  const connections = 32;
  const load = { connections, headers: { authorization: 'Bearer token_0' } };
  const results = [];
  await mock.call('grant', ['user_0']);
  const unpin = pinLoadGenerator();
  try {
    for (const framework of FRAMEWORKS) results.push(await measureFramework(framework));
  } finally {
    unpin();
  }
  return report(results, { smoke, rounds, cyclesPerVisit, sliceMs, processCount, connections, allocationRounds, allocationSeconds, adapterNs });

  async function measureFramework(framework) {
    const licenzy = { url: mock.info.url, apiKey: mock.info.apiKey };
    // A TTL longer than the whole benchmark: every measured request is a cache hit, none refreshes.
    const common = { framework: framework.key, licenzy, cache: { ttl: 3_600_000 }, users: 1 };
    const processes = [];
    const orders = [];
    try {
      for (let n = 0; n < processCount; n++) {
        const order = creationOrder(VARIANTS, n);
        orders.push(order);
        processes.push(await startChild('app', { ...common, variant: 'bare', apps: Object.fromEntries(order.map((name) => [name, APP[name]])) }, { pin: true, execArgv: ['--expose-gc'] }));
      }
      for (const child of processes) await child.call('warm', ['user_0']);
      // Settling: some traffic on every app (so Node's tick-object literal has feedback to lose), then full GCs while idle.
      // Each process's apps get their first requests in that process's own creation order: the framework's shared code
      // sees the apps' objects (per-app prototypes) in that order, and its polymorphic inline caches check them in the
      // order first seen, so an app that always came last paid the most checks in every process (see the notes).
      for (const [n, child] of processes.entries()) {
        for (const variant of orders[n]) await runLoad({ url: `${child.info.urls[variant]}/pro`, connections, duration: smoke ? 0.2 : 0.5, headers: load.headers });
        await child.call('settle');
      }
      const cycles = await slicedRuns({ processes, names: VARIANTS, rounds, cycles: cyclesPerVisit, sliceMs, connections, headers: load.headers, label: framework.name });
      const runs = Object.fromEntries(VARIANTS.map((variant) => [variant, Array.from({ length: rounds }, (_, i) => pool(cycles.filter((c) => c.round === i).map((c) => c.slices[variant])))]));
      // Bytes per request: the empty and gated apps of every process.
      const app = (child, variant) => ({ info: { url: child.info.urls[variant] }, call: child.call, pid: child.pid });
      const counted = Object.fromEntries(ALLOCATION_VARIANTS.flatMap((variant) => processes.map((child, n) => [`${variant}#${n}`, app(child, variant)])));
      const allocationPerApp = await allocationRuns({ servers: counted, rounds: allocationRounds, seconds: allocationSeconds, connections, headers: load.headers, pauseIdle: true });
      const bytesOf = (variant, i) => {
        const list = processes.map((_, n) => allocationPerApp[`${variant}#${n}`][i]);
        return list.reduce((sum, r) => sum + r.allocated, 0) / list.reduce((sum, r) => sum + r.requests, 0);
      };
      const perRound = (variant) => Array.from({ length: allocationRounds }, (_, i) => bytesOf(variant, i));
      const bytes = Object.fromEntries(ALLOCATION_VARIANTS.map((variant) => [variant, perRound(variant)]));
      const allocation = {
        perRequest: Object.fromEntries(ALLOCATION_VARIANTS.map((variant) => [variant, median(bytes[variant])])),
        gated: pairedRatios(bytes.gated, bytes.noop, (g, n) => g - n),
        control: pairedRatios(bytes.control, bytes.noop, (c, n) => c - n),
        gateCode: [],
      };
      // The gate's own allocations, sampled in each process's gated app (all processes running; no other app under load).
      for (const child of processes) allocation.gateCode.push(await gateFrameBytes(app(child, 'gated'), { connections, headers: load.headers, seconds: allocationSeconds }));
      allocation.gateBytes = Math.max(...allocation.gateCode.map((g) => g.bytes));
      // Where, when a process's gate code allocated at all (run 5 of session 6 saw 91 B in one Koa process, unexplained).
      for (const [n, g] of allocation.gateCode.entries()) {
        if (g.bytes >= 0.5) log(`  ${framework.name}: process ${n} allocated ${fmt.bytes(g.bytes)} per request in the gate's own code: ${g.sites.slice(0, 5).map((x) => `${x.site} ${fmt.bytes(x.bytes)}`).join('; ')}`);
      }
      let hits = 0;
      for (const child of processes) {
        const stats = await child.call('stats');
        if (stats.upstreamCalls !== 1) throw new Error(`${framework.name}: expected only the warm-up Licenzy call, saw ${stats.upstreamCalls}`);
        hits += stats.hits;
      }
      // CPU per request, base ÷ other, cycle by cycle (1.000 = the other variant costs the server nothing more than the base).
      const ratios = (base, other) => cycleRatios(cycles, rounds, processCount, base, other);
      const cpu = { gated: ratios(['noop'], 'gated'), control: ratios(['noop'], 'control'), noop: ratios(['bare'], 'noop'), gatedBare: ratios(['bare'], 'gated') };
      // Both empty-middleware apps of each cycle pooled as one baseline (for information): less of one slice's luck.
      cpu.allEmpty = ratios(['noop', 'control'], 'gated');
      cpu.perProcess = { gated: cpu.gated.perProcess, control: cpu.control.perProcess };
      const rps = {
        gated: pairedRatios(runs.gated, runs.noop, (g, n) => g.rps / n.rps),
        control: pairedRatios(runs.control, runs.noop, (c, n) => c.rps / n.rps),
        gatedBare: pairedRatios(runs.gated, runs.bare, (g, b) => g.rps / b.rps),
      };
      const summary = (list) => ({
        rps: median(list.map((r) => r.rps)),
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        cpuPerRequest: median(list.map((r) => r.cpuPerRequest)),
        serverBusy: median(list.map((r) => r.serverBusy)),
      });
      const entry = { framework, hits, runs, cpu, rps, allocation, ...Object.fromEntries(VARIANTS.map((variant) => [variant, summary(runs[variant])])) };
      // The ratio a CPU-bound server would see if the gate cost only what its middleware costs in isolation.
      entry.implied = entry.noop.cpuPerRequest / (entry.noop.cpuPerRequest + (adapterNs(framework.name) ?? NaN) / 1000);
      log(`  ${framework.name}: gated/empty CPU per request ${fmt.ratio(cpu.gated.median)} (all cycles ${interval(cpu.gated.pooled)}; rounds: ${cpu.gated.list.map(fmt.ratio).join(' ')}; per process ${cpu.perProcess.gated.map(fmt.ratio).join(' ')}); A/A empty/empty ${fmt.ratio(cpu.control.median)} (${fmt.ratio(cpu.control.min)}–${fmt.ratio(cpu.control.max)}; all cycles ${interval(cpu.control.pooled)}; per process ${cpu.perProcess.control.map(fmt.ratio).join(' ')}); empty/bare ${fmt.ratio(cpu.noop.median)}; gated/bare ${fmt.ratio(cpu.gatedBare.median)}`);
      log(`  ${framework.name}: CPU per request bare ${fmt.us(entry.bare.cpuPerRequest)}, empty ${fmt.us(entry.noop.cpuPerRequest)}, empty (A/A) ${fmt.us(entry.control.cpuPerRequest)}, gated ${fmt.us(entry.gated.cpuPerRequest)}; bytes per request gated − empty ${signedBytes(allocation.gated.median)} (rounds ${allocation.gated.list.map(signedBytes).join(' ')}), A/A ${signedBytes(allocation.control.median)} (${signedBytes(allocation.control.min)} to ${signedBytes(allocation.control.max)}); in the gate's own code ${fmt.bytes(allocation.gateBytes)} per request (sampled)`);
      return entry;
    } finally {
      await Promise.all(processes.map((child) => child.stop()));
    }
  }
}

/** A median with its interval: `0.986 (0.975–0.996)`. */
const interval = (x) => `${fmt.ratio(x.median)} (${fmt.ratio(x.low)}–${fmt.ratio(x.high)})`;

/** A byte difference with its sign: `+3 B`, `−12 B`. */
function signedBytes(n) {
  if (!Number.isFinite(n)) return '—';
  return `${n < 0 ? '−' : '+'}${fmt.bytes(Math.abs(n))}`;
}

/**
 * Met: the gate's own code allocates nothing per hit (sampled: under half a byte per request), and gated − empty is no
 * further from 0 than the A/A's furthest round (two sets of the same code), i.e. nothing the machine can resolve.
 */
function allocationMet(allocation) {
  return allocation.gateBytes < 0.5 && Math.abs(allocation.gated.median) <= Math.max(Math.abs(allocation.control.min), Math.abs(allocation.control.max));
}

function report(results, { smoke, rounds, cyclesPerVisit, sliceMs, processCount, connections, allocationRounds, allocationSeconds, adapterNs }) {
  const rows = results.flatMap((r) => [
    {
      benchmark: `1. Cache-hit overhead, ${r.framework.name} (gated/empty middleware server CPU per request)`,
      figure: `${fmt.ratio(r.cpu.gated.median)} (runs ${fmt.ratio(r.cpu.gated.min)}–${fmt.ratio(r.cpu.gated.max)}; ${fmt.us(r.noop.cpuPerRequest)} vs ${fmt.us(r.gated.cpuPerRequest)}); A/A empty/empty ${fmt.ratio(r.cpu.control.median)} (${fmt.ratio(r.cpu.control.min)}–${fmt.ratio(r.cpu.control.max)}); empty/bare ${fmt.ratio(r.cpu.noop.median)}`,
      target: `>= ${TARGET}`,
      status: verdict(r.cpu.gated.median >= TARGET),
    },
    {
      benchmark: `1. Allocations per cache hit, ${r.framework.name} (bytes allocated per request, gated minus empty)`,
      figure: `${signedBytes(r.allocation.gated.median)} (rounds ${r.allocation.gated.list.map(signedBytes).join(', ')}); A/A ${signedBytes(r.allocation.control.median)} (${signedBytes(r.allocation.control.min)} to ${signedBytes(r.allocation.control.max)}); in the gate's own code ${fmt.bytes(r.allocation.gateBytes)} (sampled)`,
      target: '0 B beyond empty',
      status: verdict(allocationMet(r.allocation)),
    },
  ]);
  const lines = [
    '## 1. Cache-hit overhead per framework',
    '',
    `The same app in four variants per framework, each an app of its own (its own port, router and middleware) and all four in one server process: \`GET /pro\` behind a stand-in session middleware (bearer token → \`user\`), **bare**, with an **empty middleware** (\`next()\` only) where the gate goes, a second empty-middleware app as the A/A **control**, and **gated** with \`requireAccess({ gate, subject })\`. The subject is cached before the runs (TTL 1 h, so every measured request is a cache hit; the gate's counters confirm a single Licenzy call, the warm-up). Two processes of the same code differ by several percent for as long as they live (code and heap placement, JIT timing), which no comparison between processes can tell from a gate's cost; apps in one process share the compiled framework and Node code, so comparing them leaves that out. ${processCount} such processes, each creating its apps in a different order (the rows of a Williams design: every app created in every position once, and before every other app in two of the four processes). Before the runs every process is **settled**: ${smoke ? 0.2 : 0.5} s of traffic on each app, in the process's own rotated order (the framework's polymorphic inline caches check the apps' objects in the order first seen), then six full GCs while it is idle (\`--expose-gc\`), the state a production server is in after its first quiet moment.`,
    '',
    `**Slices.** The load generator (\`bench/lib/sliced.mjs\`: ${connections} keep-alive connections per app, opened app by app in the process's creation order, one request in flight on each, in the parent process${canPin ? ', pinned to the first CPU while the servers are pinned to the last (taskset), so it never runs on the servers\' core' : ' (servers not pinned: taskset unavailable)'}) loads one app of a process at a time for ${sliceMs} ms, waits for its answers in flight, and reads the server's CPU time from outside it (\`/proc/<pid>/task/*/schedstat\`, every thread, in ns: the server spends nothing on being measured). A **cycle** loads each of the four apps once, in an order that changes from cycle to cycle so that every app is in every position and follows every other app equally often, counting the step from one cycle to the next (twelve orders, one per cycle in turn: with plain rotations each app always followed the same one, and Express's A/A, the empty app that always followed the bare one against the one that always followed it, measured 1.015–1.022 in four full runs; with the four rows of a Williams design one after another, until session 9 of issue 25, the steps inside a cycle were balanced but not those between cycles, see the notes); a visit to a process runs ${cyclesPerVisit} cycles after an unkept one (the first slices after a switch of process pay for caches holding the previous process and for its timers due meanwhile); a round visits every process, in an order rotated per round; ${rounds} rounds. Every process but the one visited is stopped (SIGSTOP), so no idle server's background work runs on the pinned CPU. Why slices: on this kind of shared machine the CPU one request costs moves with what the rest of the host does, from one slice to the next (Fastify's empty middleware, 720 slices of 25 ms in three processes: 32 µs to 270 µs per request, median 71, and the next slice of the same app 0.5 correlated with it: \`DUMP=slices.json node bench/experiments/sliced-ab.mjs fastify noop,control,gated 3 6 40 25\`), so two apps are comparable only when measured a few milliseconds apart; with runs of 0.5 s, one app after another (this benchmark until session 6 of issue 25), the last full run's A/A ranged 0.915–1.311 (Express), 0.756–1.076 (Koa) and 0.808–1.138 (Fastify) from round to round; this run's range is in the table below. Each ratio is taken **cycle by cycle** (the two apps' slices of one cycle), then its median over a round's cycles (${processCount * cyclesPerVisit} a round): a median, because a slice that a burst elsewhere on the host slowed to 2–4x is not the gate's cost. Figures below are the variants' slices pooled per round (CPU time ÷ requests; latencies of every request), medians over the rounds; ratios are medians of the per-round ratios.`,
    '',
    'A ratio X/Y is Y\'s server CPU per request ÷ X\'s, so it reads like a throughput ratio: 1.000 = X costs the server nothing more than Y. **gated/empty** is what the gate adds over any middleware in its place (the headline); **empty/bare** is what the framework charges for any middleware on the route; the **A/A** is the headline\'s comparison between two identical sets of empty-middleware servers, built and pooled the same way, so its range is the smallest gate cost this run can resolve. "Server CPU/req" is the server process\'s CPU time (every thread\'s time on a CPU) divided by the requests it answered.',
    '',
    '| Framework | Variant | Requests/s | p50 | p99 | Server CPU/req | Server CPU busy |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    for (const variant of VARIANTS) {
      const s = r[variant];
      lines.push(`| ${r.framework.name} | ${LABELS[variant]} | ${fmt.int(s.rps)} | ${fmt.ms(s.p50)} | ${fmt.ms(s.p99)} | ${fmt.us(s.cpuPerRequest)} | ${Math.round(s.serverBusy * 100)}% |`);
    }
  }
  lines.push(
    '',
    `**The headline: gated/empty middleware, server CPU per request** (median of the per-round ratios, each the median of the round's cycle-by-cycle ratios over the ${processCount} processes). "All cycles" is the median over every cycle of the run at once, with a 95% interval drawn over the processes and, within each drawn process, its rounds (1,000 draws): how far the figure could move with other processes and other moments on this host, since two apps of one process differ by that process's luck as well as by slice noise. "Per process" is the median over each process's own cycles, for the gated app and for the A/A control: how far two apps in one process still differ. "Both empty apps" takes both empty-middleware apps of each cycle as the baseline, for information; the result column is judged on gated/empty.`,
    '',
    '| Framework | gated/empty CPU per request | All cycles (95% interval) | Per-round ratios | Per process | A/A empty/empty (range) | A/A all cycles (95% interval) | A/A per process | gated/both empty apps | empty/bare | gated/bare | Target | Result |',
    '|---|---:|---:|---|---|---:|---:|---|---:|---:|---:|---|---|',
  );
  for (const r of results) {
    lines.push(`| ${r.framework.name} | **${fmt.ratio(r.cpu.gated.median)}** | ${interval(r.cpu.gated.pooled)} | ${r.cpu.gated.list.map(fmt.ratio).join(', ')} | ${r.cpu.perProcess.gated.map(fmt.ratio).join(', ')} | ${fmt.ratio(r.cpu.control.median)} (${fmt.ratio(r.cpu.control.min)}–${fmt.ratio(r.cpu.control.max)}) | ${interval(r.cpu.control.pooled)} | ${r.cpu.perProcess.control.map(fmt.ratio).join(', ')} | ${fmt.ratio(r.cpu.allEmpty.median)} | ${fmt.ratio(r.cpu.noop.median)} | ${fmt.ratio(r.cpu.gatedBare.median)} | >= ${TARGET} | ${verdict(r.cpu.gated.median >= TARGET)} |`);
  }
  lines.push(
    '',
    `**Allocations per cache hit: bytes allocated per request, gated minus empty.** Counted in each server process, not timed: V8's heap only grows by allocation and only shrinks in a GC, so the bytes allocated over a window are the heap's growth between GCs (\`v8.GCProfiler\`'s used size before and after each GC) plus its growth since the last one; a window of ${allocationSeconds} s opens inside a steady load (no connection opens or closes in it) and is divided by the requests the paid route answered in it. ${allocationRounds} rounds, each empty, control and gated app of every process once, in a rotating order, pooled per variant per round. The A/A is the control apps minus the empty ones. Whole-request allocations differ between two apps of the same code by tens of bytes (which of the framework's objects V8 keeps in registers, slack tracking), so the last column names the gate's own share directly (the result is met when it is under 0.5 B and gated − empty is no further from 0 than the A/A's furthest round): V8's sampling heap profiler (every ${64} bytes, objects already collected included) over a window of load on each process's gated app, the bytes allocated with licenzy-gate's code on top of the stack, per request (the largest of the processes).`,
    '',
    '| Framework | Empty B/req | Gated B/req | Gated − empty (rounds) | A/A control − empty (range) | In the gate\'s own code (sampled) | Target | Result |',
    '|---|---:|---:|---|---:|---:|---|---|',
  );
  for (const r of results) {
    const a = r.allocation;
    lines.push(`| ${r.framework.name} | ${fmt.bytes(a.perRequest.noop)} | ${fmt.bytes(a.perRequest.gated)} | **${signedBytes(a.gated.median)}** (${a.gated.list.map(signedBytes).join(', ')}) | ${signedBytes(a.control.median)} (${signedBytes(a.control.min)} to ${signedBytes(a.control.max)}) | ${fmt.bytes(a.gateBytes)} | 0 B beyond empty | ${verdict(allocationMet(a))} |`);
  }
  lines.push('', 'Throughput, for reference (the load generator shares the machine, so requests/s move with it more than CPU per request does):');
  lines.push('', '| Framework | gated/empty req/s (median) | Per-round ratios | A/A control/empty (range) | gated/bare req/s | Δ server CPU/req vs empty | Middleware alone (bench 2) | Implied ratio |', '|---|---:|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const delta = r.gated.cpuPerRequest - r.noop.cpuPerRequest;
    lines.push(`| ${r.framework.name} | **${fmt.ratio(r.rps.gated.median)}** | ${r.rps.gated.list.map(fmt.ratio).join(', ')} | ${fmt.ratio(r.rps.control.median)} (${fmt.ratio(r.rps.control.min)}–${fmt.ratio(r.rps.control.max)}) | ${fmt.ratio(r.rps.gatedBare.median)} | ${delta >= 0 ? '+' : '−'}${fmt.us(Math.abs(delta))} | ${fmt.ns(adapterNs(r.framework.name))} | ${fmt.ratio(r.implied)} |`);
  }
  lines.push('', `"Middleware alone" is the adapter's \`requireAccess()\` middleware on a cache hit, called in a loop without HTTP (benchmark 2); "implied ratio" is empty CPU/req ÷ (empty CPU/req + middleware alone): the ratio of a CPU-bound server if the gate costs what its middleware costs. When the measured ratio and the CPU difference disagree with it by more than the A/A's range, the machine was too busy to resolve a difference this small; re-run on a quiet machine.`);
  lines.push('', ...NOTES);
  const notes = [];
  for (const r of results) {
    if (r.cpu.gated.median < TARGET) notes.push(`- **Cache-hit overhead, ${r.framework.name} (benchmark 1)**: gated/empty CPU per request ${fmt.ratio(r.cpu.gated.median)} against an A/A of ${fmt.ratio(r.cpu.control.median)} (${fmt.ratio(r.cpu.control.min)}–${fmt.ratio(r.cpu.control.max)}). See "What the gate costs on a hit" in section 1: counted in instructions, the gate's hit path is within 0.1–1% of an empty middleware.`);
    if (!allocationMet(r.allocation)) notes.push(`- **Allocations per cache hit, ${r.framework.name} (benchmark 1)**: gated − empty ${signedBytes(r.allocation.gated.median)} per request against an A/A of ${signedBytes(r.allocation.control.min)} to ${signedBytes(r.allocation.control.max)}; in the gate's own code ${fmt.bytes(r.allocation.gateBytes)} (sampled).`);
  }
  return { rows, markdown: lines.join('\n'), results, notes };
}
