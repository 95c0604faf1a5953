import { describe, expect, it } from 'vitest';
import { duplicateMemberName } from '../src/json.js';

describe('duplicateMemberName', () => {
  it.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"allowed":false,"\\u0061llowed":true}', 'allowed'],
    ['{"x":{"k":1,"k":1}}', 'k'],
    ['[{"k":1},{"k":1,"k":2}]', 'k'],
    ['{"a":{"b":1},"a":2}', 'a'],
    ['{"s":"}{\\"","s":1}', 's'],
  ])('%s repeats %s', (text, name) => {
    JSON.parse(text); // the scanner only ever sees valid JSON
    expect(duplicateMemberName(text)).toBe(name);
  });

  it.each([
    '{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}',
    '{"tags":["a","a"],"a":"a"}',
    '{"k":"\\"k\\":1,","l":1}',
    '[]',
    '"a"',
    '{}',
  ])('%s has none', (text) => {
    JSON.parse(text);
    expect(duplicateMemberName(text)).toBeUndefined();
  });
});
