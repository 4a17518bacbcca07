import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    providers: 'src/providers/index.ts',
    diagram: 'src/diagram/index.ts',
    testing: 'src/testing/index.ts',
    postgres: 'src/postgres/index.ts',
    webhooks: 'src/webhooks/index.ts',
    report: 'src/report/index.ts',
    cli: 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
});
