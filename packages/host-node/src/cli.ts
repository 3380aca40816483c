#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { main } from '@vodkit/core/cli';
import { serve } from './serve.js';

// In a checkout, dist/cli.js is three levels below the repository, beside examples/web.
const webDir = fileURLToPath(new URL('../../../examples/web/dist', import.meta.url));

main({ bin: 'vodkit', serve, webDir });
