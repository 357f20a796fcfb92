// ESLint: the recommended JavaScript and TypeScript rules, with unused code
// (variables, imports, parameters) an error. Formatting is Prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'rtl-out/', '.cache/', '.vitest/', 'docs/', 'tests/golden/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
