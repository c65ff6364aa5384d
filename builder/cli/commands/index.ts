// Every command group, in the order `vzbuild --help` lists them. One file per group keeps
// parallel work on different commands from touching the same lines.
import type { Command } from 'commander';
import type { CliIo } from '../main.js';
import { register as demo } from './demo.js';
import { register as inspect } from './inspect.js';
import { register as recipe } from './recipe.js';
import { register as resolve } from './resolve.js';
import { register as fetch } from './fetch.js';
import { register as build } from './build.js';
import { register as store } from './store.js';
import { register as host } from './host.js';
import { register as ubc } from './ubc.js';
import { register as ct } from './ct.js';

export const COMMAND_GROUPS: ((program: Command, io: CliIo) => void)[] = [demo, inspect, recipe, resolve, fetch, build, store, host, ubc, ct];
