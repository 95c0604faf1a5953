# Ad-hoc (issue 25): how many distinct 64-byte lines of machine code, and how many instructions, each JIT function of a
# callgrind run with --dump-instr=yes executed, per call of the hit path. Counts, not timings: they do not move with load.
#   valgrind --tool=callgrind --dump-instr=yes --smc-check=all-non-file --callgrind-out-file=/tmp/oc/cg.out \
#     node --perf-basic-prof --allow-natives-syntax bench/experiments/opt-code-size.mjs decide
#   python3 bench/experiments/cg-lines.py /tmp/oc/cg.out /tmp/perf-<pid>.map decide peek
# Per call = per execution of the code's first instruction (its entries), so calls made before it was compiled do not count.
import bisect, collections, re, sys

out, perf_map, names = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = []
for line in open(perf_map):
    start, size, name = line.rstrip('\n').split(' ', 2)
    rows.append((int(start, 16), int(size, 16), name))
rows.sort()
starts = [r[0] for r in rows]

def region(address):
    i = bisect.bisect_right(starts, address) - 1
    return rows[i] if i >= 0 and address < rows[i][0] + rows[i][1] else None

# Cost lines: "<address> <line> <Ir>", the address absolute (0x…), relative (+n, -n) or the same (*); the line after
# a "calls=" line is the call's inclusive cost and is not the caller's own.
executed = collections.Counter()
address = 0
skip = False
for line in open(out):
    if line.startswith('calls='):
        skip = True
        continue
    m = re.match(r'^(0x[0-9a-f]+|[+-]\d+|\*)\s+\S+\s+(\d+)', line)
    if not m:
        continue
    token = m.group(1)
    if token.startswith('0x'):
        address = int(token, 16)
    elif token != '*':
        address += int(token)
    if skip:
        skip = False
        continue
    executed[address] += int(m.group(2))

per_region = collections.defaultdict(lambda: [0, set()])
for address, count in executed.items():
    r = region(address)
    if r is None:
        continue
    per_region[r][0] += count
    per_region[r][1].add(address // 64)
for r, (count, lines) in sorted(per_region.items(), key=lambda item: -item[1][0]):
    if not any(re.search(r'[*~^]' + re.escape(n) + r'\b', r[2]) for n in names):
        continue
    entries = executed.get(r[0], 0)
    if entries == 0:
        continue
    print(f'{entries:9d} calls  {count / entries:7.1f} instructions/call  {len(lines):3d} lines of {r[1]:5d} B  {r[2][:100]}')
