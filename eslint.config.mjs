// typescript-eslint strict, type-aware: a forgotten `await` on heal() is a leaked fault.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "**/node_modules/**", "examples/**/dist/**", "test/fixtures/**", "bench/**", "faultline-report/**", "**/*.js", "**/*.mjs"] },
  ...tseslint.configs.strict,
  {
    languageOptions: { parserOptions: { project: "./tsconfig.json", tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-require-imports": ["error", { allow: ["^dockerode$", "^\\./", "^\\.\\./"] }],
      // Faults have a method named apply(); this rule mistakes it for Function.prototype.apply.
      "prefer-spread": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
);
