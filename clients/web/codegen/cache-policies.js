// @ts-check
/**
 * A graphql-codegen plugin: what Apollo Client must know of the schema's conventions, read from
 * the SDL, so that none of it is written by hand (src/client.ts uses it).
 *
 * - An object with a non-null `id: ID!` is an entity (every one implements Node: its id is a global
 *   id, unique across types), normalised as `<__typename>:<id>` (Apollo's default). Its lists of
 *   objects (a workflow's tasks, transitions, fields, extRef, ...) are always answered whole: a
 *   newer list replaces the cached one. The roots (Query, Mutation) count as entities.
 * - A field answering a Relay connection (`edges { cursor node }` and `pageInfo`: the root lists,
 *   a workflow's ticketDefinitions and versions) is paged: Apollo's relayStylePagination merges
 *   its pages into one list, one per value of its other arguments (filters, order, id).
 * - Any other object (a payload, a connection and its edges and pageInfo, a preview, a typed
 *   workflow document) is a value: part of the object that holds it, never normalised, even should
 *   it have a nullable `id` (Apollo's default would key it by that id: when WorkflowDocument had
 *   one, the workflow's, every version's document became one cache object); two answers for the
 *   same parent field are one value, their fields merged.
 * - An interface (`Node`) lists the types that implement it, so that a fragment on one of them
 *   matches in `node(id:)`'s answer (Apollo's `possibleTypes`).
 * - A JSON scalar is the user's data: a `__typename` key in it is theirs, kept when the link that
 *   strips Apollo's `__typename` from variables (an output document sent back as input) runs.
 */
import {
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";

/** @param {import("graphql").GraphQLOutputType} type */
function isListOfObjects(type) {
  const nullable = isNonNullType(type) ? type.ofType : type;
  return isListType(nullable) && isObjectType(getNamedType(nullable));
}

/** @param {import("graphql").GraphQLOutputType} type */
function isConnection(type) {
  const named = getNamedType(type);
  return isObjectType(named) && "edges" in named.getFields() && "pageInfo" in named.getFields();
}

/** The arguments that tell a connection's lists apart: all but the paging ones. */
const PAGING_ARGUMENTS = new Set(["first", "after", "last", "before"]);

/** @param {import("graphql").GraphQLObjectType} type */
function isEntity(type) {
  const id = type.getFields()["id"];
  return id !== undefined && isNonNullType(id.type) && getNamedType(id.type).name === "ID";
}

/**
 * Where JSON values sit in an input type: {field: "KEEP" | {nested...}}; undefined when nowhere.
 * @typedef {{ [field: string]: "KEEP" | KeepConfig }} KeepConfig
 * @param {import("graphql").GraphQLInputObjectType} type
 * @param {Set<string>} visiting
 * @returns {KeepConfig | undefined}
 */
function jsonPaths(type, visiting) {
  if (visiting.has(type.name)) return undefined; // a filter's AND/OR/NOT holds no JSON
  visiting.add(type.name);
  /** @type {KeepConfig} */
  const config = {};
  for (const field of Object.values(type.getFields())) {
    const named = getNamedType(field.type);
    if (isScalarType(named) && named.name === "JSON") config[field.name] = "KEEP";
    else if (isInputObjectType(named)) {
      const nested = jsonPaths(named, visiting);
      if (nested) config[field.name] = nested;
    }
  }
  visiting.delete(type.name);
  return Object.keys(config).length ? config : undefined;
}

/** @type {import("@graphql-codegen/plugin-helpers").PluginFunction} */
export const plugin = (schema) => {
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
  const types = Object.values(schema.getTypeMap())
    .filter((type) => !type.name.startsWith("__"))
    .sort((a, b) => a.name.localeCompare(b.name));
  /** @type {Record<string, string[]>} */
  const wholeLists = {};
  /** @type {Record<string, Record<string, string[]>>} */
  const connections = {};
  /** @type {string[]} */
  const values = [];
  /** @type {Record<string, KeepConfig>} */
  const keepTypename = {};
  /** @type {Record<string, string[]>} */
  const possibleTypes = {};
  for (const type of types) {
    if (isInterfaceType(type)) {
      possibleTypes[type.name] = schema
        .getPossibleTypes(type)
        .map((implementation) => implementation.name)
        .sort();
      continue;
    }
    if (isInputObjectType(type)) {
      const paths = jsonPaths(type, new Set());
      if (paths) keepTypename[type.name] = paths;
      continue;
    }
    if (!isObjectType(type)) continue;
    if (!roots.includes(type) && !isEntity(type)) {
      values.push(type.name);
      continue;
    }
    const fields = Object.values(type.getFields());
    const lists = fields.filter((field) => isListOfObjects(field.type)).map((field) => field.name);
    if (lists.length) wholeLists[type.name] = lists.sort();
    const paged = fields.filter((field) => isConnection(field.type));
    if (paged.length) {
      connections[type.name] = Object.fromEntries(
        paged
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((field) => [field.name, field.args.map((arg) => arg.name).filter((arg) => !PAGING_ARGUMENTS.has(arg))]),
      );
    }
  }
  const json = (/** @type {unknown} */ value) => JSON.stringify(value, null, 2);
  return [
    "// Generated by codegen/cache-policies.js from schema/schema.graphql: do not edit.",
    'import { KEEP, type RemoveTypenameFromVariablesLink } from "@apollo/client/link/remove-typename";',
    "",
    "/** Per entity type (and root): its fields whose value is a list of objects, always answered whole. */",
    `export const wholeListFields: Readonly<Record<string, readonly string[]>> = ${json(wholeLists)};`,
    "",
    "/** Per entity type (and root): its connection fields, with the arguments that tell their lists apart. */",
    "export const connectionFields: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = " +
      `${json(connections)};`,
    "",
    "/** Per interface, the types that implement it (InMemoryCache's possibleTypes). */",
    `export const possibleTypes: Readonly<Record<string, readonly string[]>> = ${json(possibleTypes)};`,
    "",
    "/** Object types that are values (no `id: ID!`): parts of the object that holds them, never normalised. */",
    `export const valueTypes: readonly string[] = ${json(values)};`,
    "",
    "/** Where variables hold JSON scalars (per input type, then field), whose `__typename` keys are data. */",
    "export const jsonInVariables: RemoveTypenameFromVariablesLink.KeepTypenameConfig = " +
      `${json({ JSON: "KEEP", ...keepTypename }).replaceAll('"KEEP"', "KEEP")};`,
    "",
  ].join("\n");
};
