#!/usr/bin/env node
import { main } from '@vodkit/core/node';
import { serve } from './serve.js';

main({ bin: 'vodkit', serve });
