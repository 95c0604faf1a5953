# Ad-hoc (issue 25): per-instruction L1 misses of named JS functions from one callgrind file of callgrind-apps.mjs run
# with CG_FLAGS='--cache-sim=yes --dump-instr=yes', JIT code named through V8's perf map; lines with a miss in
# at least 0.3 of the requests are listed by offset in the function's code.
#   python3 bench/experiments/cg-instr.py /tmp/cga/fastify.out.2-01 /tmp/cga/fastify.out.map 2000 '*licenzyPreHandler,*lookup'
import sys, re, bisect, collections
out, mapf, requests = sys.argv[1], sys.argv[2], float(sys.argv[3])
names = sys.argv[4].split(',')
rows = []
for line in open(mapf):
    s, z, n = line.rstrip('\n').split(' ', 2)
    rows.append((int(s, 16), int(z, 16), n))
rows.sort(); starts = [r[0] for r in rows]
def fn_of(a):
    i = bisect.bisect_right(starts, a) - 1
    if i >= 0 and a < rows[i][0] + rows[i][1]: return rows[i]
    return None
events = None
cost = collections.defaultdict(lambda: None)
last_instr = 0; skip_next = False
for line in open(out):
    if line.startswith('events:'):
        events = line.split()[1:]; continue
    if line.startswith(('calls=',)):
        skip_next = True; continue
    m = re.match(r'^(0x[0-9a-f]+|\+\d+|-\d+|\*)\s+(\S+)\s*(.*)$', line)
    if not m: continue
    p = m.group(1)
    if p.startswith('0x'): a = int(p, 16)
    elif p.startswith('+'): a = last_instr + int(p[1:])
    elif p.startswith('-'): a = last_instr - int(p[1:])
    else: a = last_instr
    last_instr = a
    if skip_next: skip_next = False; continue
    vals = [int(v) for v in m.group(3).split()] if m.group(3) else []
    c = cost[a]
    if c is None: c = [0]*len(events); cost[a] = c
    for k, v in enumerate(vals): c[k] += v
ix = {e: k for k, e in enumerate(events)}
per = collections.defaultdict(list)
for a, c in cost.items():
    r = fn_of(a)
    if r and any(n in r[2] for n in names): per[r].append((a, c))
for r, items in per.items():
    items.sort()
    tot = [sum(c[k] for _, c in items)/requests for k in range(len(events))]
    print(f'== {r[2]} @{r[0]:#x} size {r[1]}: ' + ', '.join(f'{e} {tot[ix[e]]:.1f}' for e in ('Ir','D1mr','I1mr','D1mw')))
    for a, c in items:
        if c[ix['D1mr']]/requests >= 0.3 or c[ix['D1mw']]/requests >= 0.3 or c[ix['I1mr']]/requests >= 0.3:
            print(f'  +{a-r[0]:5d} Ir {c[ix["Ir"]]/requests:5.2f} D1mr {c[ix["D1mr"]]/requests:5.2f} D1mw {c[ix["D1mw"]]/requests:5.2f} I1mr {c[ix["I1mr"]]/requests:5.2f}')
