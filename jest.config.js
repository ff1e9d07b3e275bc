/** Two projects: `unit` needs nothing running; `integration` shares one Temporal
 * dev server and one embedded PostgreSQL started by the global setup. */
// CommonJS output for jest: it turns the Prisma client's dynamic imports into
// requires, which jest's module sandbox can load without experimental VM modules.
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node' } }],
};
module.exports = {
  // A leaked handle (a gRPC channel or pg pool a failed test never closed) must not hang CI.
  forceExit: true,
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/setup/integration-runtime.ts'],
    },
  ],
};
