#!/usr/bin/env node
// The `spool` command. Spool ships as TypeScript; tsx compiles it as it loads.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
