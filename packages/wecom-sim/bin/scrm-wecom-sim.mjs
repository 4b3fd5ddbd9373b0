#!/usr/bin/env node
// Launcher for the standalone simulator: registers tsx so the TypeScript sources run without a build.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
