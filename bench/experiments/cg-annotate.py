# Ad-hoc (issue 25): V8's --print-opt-code listing of one optimised function (callgrind-apps.mjs run with
# EXTRA_ARGS='--print-opt-code --code-comments', output saved) with cg-instr.py's misses beside each instruction:
# D<n> data-line misses per request, W a write miss, I an instruction-line miss.
#   python3 bench/experiments/cg-annotate.py <saved output> <cg-instr.py output> <line number of its 'Instructions (size = …)'> <code address>
import sys, re
code_txt, instr_txt, start_line = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = int(sys.argv[4], 16)
miss = {}
cur = None
for line in open(instr_txt):
    if line.startswith('=='):
        cur = int(re.search(r'@(0x[0-9a-f]+)', line).group(1), 16); continue
    m = re.match(r'\s+\+\s*(\d+) Ir\s+\S+ D1mr\s+(\S+) D1mw\s+(\S+) I1mr\s+(\S+)', line)
    if m and cur == base: miss[int(m.group(1))] = (float(m.group(2)), float(m.group(3)), float(m.group(4)))
lines = open(code_txt).read().split('\n')
i = start_line
out = []
while i < len(lines):
    l = lines[i]
    if l.startswith('Safepoints') or l.startswith('Source positions') or l.startswith('Deoptimization'): break
    m = re.match(r"^(0x[0-9a-f]+)\s+([0-9a-f]+)\s+\S+\s+(.*)$", l)
    if m:
        off = int(m.group(2), 16); d = miss.get(off)
        tag = f'D{d[0]:.0f}{" W" if d[1] else ""}{" I" if d[2] else ""}' if d else ''
        out.append(f'{tag:7s} {off:5d} {m.group(3)}')
    elif l.strip().startswith(';;') or l.strip().startswith('--'):
        out.append('        ' + l.strip()[:150])
    i += 1
print('\n'.join(out))
