#!/usr/bin/env bun
// A file that exists before the build, so installing links the command without a warning.
import '../dist/cli.js';
