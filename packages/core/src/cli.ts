// @vodkit/core/cli: the `vodkit` command every host shares. A host gives it a way to serve
// (`CliHost`) and calls `main`; flags, environment, start-up errors and the stop on SIGTERM/SIGINT
// are the command's. Libraries (the hosts' `serve`, `createVodkit`) never touch signals or exit.

export { type CliHost, type CliServer, main, runCli } from './node/run-cli.js';
