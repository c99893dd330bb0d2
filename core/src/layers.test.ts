import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The import graph of core/src, read with the TypeScript compiler's parser,
// must have no cycle: a module is installed by those above it and never
// reaches back up (docs/decisions/0020, docs/architecture.md "Layers").
// ESLint holds the directions folder by folder; this test catches the
// circles those rules cannot see, across any number of files.

const coreSrc = dirname(fileURLToPath(import.meta.url));

interface Edge {
  to: string;
  /** `import type` / `export type`, or every named binding marked `type`: erased when compiled. */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file a relative specifier names (`./x.js` is written for `./x.ts`). */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

function importsOf(file: string): Edge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const edges: Edge[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteral(specifier)) return;
    const to = resolveSpecifier(file, specifier.text);
    if (to) edges.push({ to, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allNamedAreTypes =
        !!clause &&
        !clause.name &&
        !!bindings &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((element) => element.isTypeOnly);
      add(node.moduleSpecifier, !!clause && (clause.isTypeOnly || allNamedAreTypes));
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      const allNamedAreTypes =
        !!clause &&
        ts.isNamedExports(clause) &&
        clause.elements.length > 0 &&
        clause.elements.every((element) => element.isTypeOnly);
      add(node.moduleSpecifier, node.isTypeOnly || allNamedAreTypes);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length > 0
    ) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

const graph = new Map(sourceFiles(coreSrc).map((file) => [file, importsOf(file)]));
const name = (file: string) => relative(coreSrc, file);

/**
 * Type-only imports still allowed to close a circle, each until the change
 * that removes it lands: the plugin manifest names the engine's types (the
 * Fastify app, the service context) in its hooks. The one-way SDK
 * (`core/src/sdk/`, issue 8) gives plugins narrow interfaces instead; this
 * list must then be emptied — the test below fails while an entry is stale.
 */
const PENDING_TYPE_EDGES: readonly (readonly [from: string, to: string])[] = [];

/** Strongly connected components of more than one file (or a file importing itself). */
function cycles(keep: (from: string, edge: Edge) => boolean): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const connect = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const edge of graph.get(file) ?? []) {
      if (!keep(file, edge)) continue;
      if (!index.has(edge.to)) {
        connect(edge.to);
        low.set(file, Math.min(low.get(file)!, low.get(edge.to)!));
      } else if (onStack.has(edge.to)) {
        low.set(file, Math.min(low.get(file)!, index.get(edge.to)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(name(member));
    } while (member !== file);
    const selfImport = (graph.get(file) ?? []).some((edge) => edge.to === file);
    if (component.length > 1 || selfImport) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) connect(file);
  return found;
}

const isPending = (from: string, edge: Edge) =>
  edge.typeOnly &&
  PENDING_TYPE_EDGES.some(([source, target]) => name(from) === source && name(edge.to) === target);

describe('layers of core/src', () => {
  it('reads the import graph (sanity: the composition root imports the app)', () => {
    const platform = graph.get(join(coreSrc, 'platform.ts')) ?? [];
    expect(platform.map((edge) => name(edge.to))).toContain('http/app.ts');
  });

  it('has no import cycle between modules that exist at run time', () => {
    expect(cycles((_, edge) => !edge.typeOnly)).toEqual([]);
  });

  it('has no import cycle even counting type-only imports', () => {
    expect(cycles((from, edge) => !isPending(from, edge))).toEqual([]);
  });

  it('keeps no pending type edge that no longer exists', () => {
    const stale = PENDING_TYPE_EDGES.filter(
      ([source, target]) =>
        !(graph.get(join(coreSrc, source)) ?? []).some(
          (edge) => edge.typeOnly && name(edge.to) === target,
        ),
    );
    expect(stale).toEqual([]);
  });

  it('never imports the composition root from a feature', () => {
    const root = join(coreSrc, 'platform.ts');
    const importers = [...graph]
      .filter(([file]) => !file.endsWith('.test.ts') && !name(file).startsWith('testing/'))
      .filter(
        ([file, edges]) => file !== join(coreSrc, 'index.ts') && edges.some((e) => e.to === root),
      )
      .map(([file]) => name(file));
    expect(importers).toEqual([]);
  });
});
