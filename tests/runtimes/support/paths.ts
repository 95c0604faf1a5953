// Where the runtime tests find the fixtures, the runtimes' binaries and the built packages.
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** The `bun`, `deno` and `workerd` npm packages (root devDependencies) put their real binaries here. */
export const BIN = fileURLToPath(new URL('../../../node_modules/.bin/', import.meta.url));
