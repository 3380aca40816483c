// The store suite's record makers, for the MySQL tests beside it.
export * from '../src/testing/fixtures.js';
