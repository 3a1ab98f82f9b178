// Types and TypedDocumentNodes for the operations in operations/*.graphql, generated from the
// committed SDL (never from a live server) into generated/ (git-ignored; bin/check regenerates it).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema/schema.graphql",
  documents: ["operations/**/*.graphql"],
  ignoreNoDocuments: false,
  // An operation that does not fit the schema fails the generation (and bin/check), located.
  // Imports with .js extensions, as Node resolves ES modules (tsconfig: module NodeNext).
  emitLegacyCommonJSImports: false,
  generates: {
    "generated/": {
      preset: "client",
      presetConfig: {
        // Fragments are spread for reuse, not for colocation: their fields stay visible in the results.
        fragmentMasking: false,
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: {
          DateTime: "string",
          JSON: { input: "unknown", output: "unknown" },
        },
      },
    },
    // What InMemoryCache must know of the schema's conventions (see the plugin), for src/client.ts.
    "generated/cache-policies.ts": {
      plugins: ["./codegen/cache-policies.js"],
    },
  },
};

export default config;
