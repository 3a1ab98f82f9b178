// Parses Mermaid texts with the real Mermaid parser (the `mermaid` npm package pinned in
// package.json): reads a JSON array of texts on standard input, writes a JSON array of
// {"ok": true, "diagramType": ...} or {"ok": false, "error": ...} in the same order.
//
// mermaid.parse() only parses, but Mermaid's module sets up DOMPurify (HTML sanitising of labels
// when a diagram is rendered), which needs a browser window that Node has not. Its hooks are
// stubbed before Mermaid loads: they sanitise rendered HTML and take no part in parsing.
import DOMPurify from 'dompurify';

DOMPurify.addHook = () => {};
DOMPurify.removeHook = () => {};
DOMPurify.removeAllHooks = () => {};
DOMPurify.sanitize = (text) => text;

const { default: mermaid } = await import('mermaid');

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    results.push({ ok: true, diagramType: parsed.diagramType });
  } catch (error) {
    results.push({ ok: false, error: String(error.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));
