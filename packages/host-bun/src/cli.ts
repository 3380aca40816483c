#!/usr/bin/env bun
import { fileURLToPath } from 'node:url';
import { main } from '@vodkit/core/cli';
import { openBunSqlite } from './bun-sqlite.js';
import { serve } from './serve.js';

// In a checkout, dist/cli.js is three levels below the repository, beside examples/web.
const webDir = fileURLToPath(new URL('../../../examples/web/dist', import.meta.url));

// The SQLite store on bun:sqlite: better-sqlite3, the default, is a Node addon.
main({ bin: 'vodkit-bun', serve, webDir, openSqlite: openBunSqlite });
