# Ad-hoc (issue 25): per-request exclusive instruction counts by function from two callgrind files (main thread) of
# bench/experiments/callgrind.mjs, JIT code named through V8's perf map; largest differences first.
#   python3 bench/experiments/cg-names.py /tmp/cg/fastify-noop.out 3000 /tmp/cg/fastify-gated.out 3000 [rows]
import bisect, collections, os, re, subprocess, sys

def perf_map(path):
    rows = []
    with open(path) as f:
        for line in f:
            start, size, name = line.rstrip('\n').split(' ', 2)
            rows.append((int(start, 16), int(size, 16), name))
    rows.sort()
    return rows

def name_of(rows, starts, address):
    i = bisect.bisect_right(starts, address) - 1
    if i >= 0 and address < rows[i][0] + rows[i][1]:
        return re.sub(r'^(JS|LazyCompile|Function|Builtin):', '', rows[i][2])
    return hex(address)

def costs(out, requests):
    # callgrind-apps.mjs writes one map per process (<framework>.out.map) for its numbered dumps (<framework>.out.<n>).
    rows = perf_map(out + '.map' if os.path.exists(out + '.map') else re.sub(r'\.\d+$', '', out) + '.map')
    starts = [r[0] for r in rows]
    # EVENT=I1mr (or D1mr, Bcm, …): that event's counts instead of instructions (runs with CG_FLAGS='--cache-sim=yes …').
    event = os.environ.get('EVENT', 'Ir')
    text = subprocess.run(['callgrind_annotate', '--threshold=100', '--auto=no', f'--show={event}', f'--sort={event}', out + '-01'], capture_output=True, text=True).stdout
    total = collections.Counter()
    for line in text.splitlines():
        m = re.match(r'\s*([\d,]+) \([ \d.]+%\)\s+(.*)$', line)
        if not m or 'PROGRAM TOTALS' in m.group(2):
            continue
        label = re.sub(r'^\?\?\?:', '', m.group(2))
        a = re.match(r'0x([0-9a-f]+)', label)
        if a:
            label = 'JS ' + name_of(rows, starts, int(a.group(1), 16))
        else:
            label = re.sub(r'\(.*\)', '()', label)[:110]
        total[label] += int(m.group(1).replace(',', '')) / requests
    return total

a = costs(sys.argv[1], float(sys.argv[2]))
b = costs(sys.argv[3], float(sys.argv[4]))
print(f'total {os.environ.get("EVENT", "Ir")}/req: {sum(a.values()):.0f} vs {sum(b.values()):.0f}')
for k in sorted(set(a) | set(b), key=lambda k: -abs(b[k] - a[k]))[: int(sys.argv[5]) if len(sys.argv) > 5 else 40]:
    print(f'{a[k]:9.0f} {b[k]:9.0f} {b[k] - a[k]:+8.0f}  {k}')
