// `vzbuild demo` command group. (Registered by ./index.ts; fill in commands here.)
import type { Command } from 'commander';
import type { CliIo } from '../main.js';

export function register(_program: Command, _io: CliIo): void {}
