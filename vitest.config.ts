// vitest's root config: the projects are listed in vitest.workspace.ts (kept as the one file that lists them).
import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace.js';

export default defineConfig({ test: { projects } });
