#!/usr/bin/env bun
import { main } from '@vodkit/core/node';
import { serve } from './serve.js';

main({ bin: 'vodkit-bun', serve });
