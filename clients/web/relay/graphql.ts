// The `graphql` template tag the Relay operations of this directory are written with. relay-compiler
// reads the templates from the source (it never runs them) and writes their artifacts into the
// git-ignored __generated__/; tsc checks these files like the rest. A React app imports the tag
// from react-relay instead, which the compiler replaces by the artifacts.
export function graphql(strings: TemplateStringsArray): string {
  return strings.join("");
}
