// Strict JSON for Licenzy answers: JSON.parse keeps the *last* of duplicated member names, so
// `{"allowed":false,"allowed":true}` would read as a grant. We refuse any object with a duplicated name.

/** The first duplicated member name in `text` (decoded, so `"a"` and `"\u0061"` collide), or `undefined`. */
export function duplicateMemberName(text: string): string | undefined {
  // Only called on text JSON.parse already accepted, so the scan can trust the grammar: it tracks strings,
  // and for every object the set of names seen at that depth.
  const objects: Array<Set<string> | undefined> = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
      const names = objects[objects.length - 1];
      if (expectName && names !== undefined) {
        const raw = text.slice(start, i + 1);
        const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (names.has(name)) return name;
        names.add(name);
        expectName = false;
      }
    } else if (c === 0x7b /* { */) {
      objects.push(new Set());
      expectName = true;
    } else if (c === 0x5b /* [ */) {
      objects.push(undefined);
      expectName = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      objects.pop();
      expectName = false;
    } else if (c === 0x2c /* , */) {
      expectName = objects[objects.length - 1] !== undefined;
    }
  }
  return undefined;
}
