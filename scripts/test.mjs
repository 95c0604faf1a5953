// `npm test`: build, run every vitest project, prove each package's tests were collected, print "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = join(import.meta.dirname, '..');
const resultsFile = join(root, '.vitest-results.json');
const extraArgs = process.argv.slice(2);

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  return result.status ?? 1;
}

// Every folder under packages/ and tests/ is a project that must contribute passing tests;
// derived from the file system, not the vitest config, so a project dropped from the config is caught.
const expected = [
  ...readdirSync(join(root, 'packages')).map((name) => `packages/${name}`),
  ...(existsSync(join(root, 'tests')) ? readdirSync(join(root, 'tests')).map((name) => `tests/${name}`) : []),
];

if (!process.env.LICENZY_TEST_SKIP_BUILD && run('npm', ['run', 'build', '--silent']) !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

rmSync(resultsFile, { force: true });
const vitestCode = run(process.execPath, [
  join(root, 'node_modules/vitest/vitest.mjs'), 'run',
  '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`,
  ...extraArgs,
]);

let passed = 0;
let failed = 0;
const perProject = new Map(expected.map((dir) => [dir, { files: 0, passed: 0 }]));
if (existsSync(resultsFile)) {
  const report = JSON.parse(readFileSync(resultsFile, 'utf8'));
  for (const file of report.testResults ?? []) {
    const rel = relative(root, file.name).split(sep).join('/');
    const project = expected.find((dir) => rel.startsWith(`${dir}/`));
    const tests = file.assertionResults ?? [];
    const filePassed = tests.filter((t) => t.status === 'passed').length;
    let fileFailed = tests.filter((t) => t.status === 'failed').length;
    // A file that failed to load has no assertions but still failed.
    if (file.status === 'failed' && fileFailed === 0) fileFailed = 1;
    passed += filePassed;
    failed += fileFailed;
    if (project) {
      const entry = perProject.get(project);
      entry.files += 1;
      entry.passed += filePassed;
    }
  }
} else {
  console.error('test: vitest wrote no results file');
  failed += 1;
}

const onlySome = extraArgs.length > 0; // a filtered run (e.g. `npm test -- core`) does not demand every project
if (!onlySome) {
  for (const [project, { files, passed: ok }] of perProject) {
    if (files === 0 || ok === 0) {
      console.error(`test: no passing tests were collected from ${project} (files: ${files})`);
      failed += 1;
    }
  }
}

const summary = `${passed} passed, ${failed} failed`;
writeFileSync(join(root, '.test-summary'), `${summary}\n`);
console.log(summary);
process.exit(vitestCode !== 0 || failed > 0 ? 1 : 0);
