// The package schema other languages see, inferred from the TypeScript source
// (at build time: `npm run build` runs build-schema.ts; the provider infers it
// itself only when run from a checkout that was not built).
//
// Pulumi's analyzer (ComponentProvider.getSchema) infers it from the
// components' Args interfaces, but knows only TypeScript's `number`. Fields
// declared `Integer` (sdk/types.ts) are whole numbers: ports, seconds, counts,
// ids. They are made `integer` here, so Python and Go programs get `int`
// rather than `float`. The declared type is read from the syntax of the source
// (the type checker resolves `Integer` to plain `number` and forgets the name).
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ComponentProvider, ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";

/** The name of the type alias that marks a whole-number field. */
export const INTEGER_ALIAS = "Integer";

/** The fields of each interface in `source` that are declared `Integer` (or `pulumi.Input<Integer>`, or lists of them). */
export function integerFields(fileName: string, source: string): Map<string, string[]> {
    const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2020, false);
    const result = new Map<string, string[]>();
    const isInteger = (type: ts.TypeNode | undefined): boolean => {
        if (type === undefined) return false;
        if (ts.isArrayTypeNode(type)) return isInteger(type.elementType);
        if (!ts.isTypeReferenceNode(type)) return false;
        const name = type.typeName.getText(file);
        if (name === INTEGER_ALIAS) return true;
        // pulumi.Input<Integer>
        return /(^|\.)Input$/.test(name) && type.typeArguments?.length === 1 && isInteger(type.typeArguments[0]);
    };
    for (const statement of file.statements) {
        if (!ts.isInterfaceDeclaration(statement)) continue;
        const fields = statement.members
            .filter((m): m is ts.PropertySignature => ts.isPropertySignature(m) && isInteger(m.type))
            .map((m) => m.name.getText(file));
        if (fields.length > 0) result.set(statement.name.text, fields);
    }
    return result;
}

export interface SchemaProperty {
    type?: string;
    items?: SchemaProperty;
}

export interface Schema {
    name: string;
    resources: Record<string, { inputProperties?: Record<string, SchemaProperty> }>;
    types: Record<string, { properties?: Record<string, SchemaProperty> }>;
}

function makeInteger(where: string, property: SchemaProperty | undefined): void {
    let target = property;
    while (target?.type === "array") target = target.items;
    if (target?.type !== "number") {
        throw new Error(`schema: ${where} is declared Integer but the schema has ${JSON.stringify(property)}`);
    }
    target.type = "integer";
}

/**
 * Marks the `Integer` fields of the schema as integers. An interface `XArgs`
 * where `X` is a component is that resource's inputs; any other interface is
 * the object type of its own name.
 */
export function withIntegers(schema: Schema, fields: Map<string, string[]>): Schema {
    for (const [name, properties] of fields) {
        const resource = /^(.+)Args$/.exec(name);
        const inputs = resource ? schema.resources[`${schema.name}:index:${resource[1]}`]?.inputProperties : undefined;
        const target = inputs ?? schema.types[`${schema.name}:index:${name}`]?.properties;
        // An interface no component takes (a deprecated alias's target, an internal type) is not in the schema.
        if (target === undefined) continue;
        for (const property of properties) makeInteger(`${name}.${property}`, target[property]);
    }
    return schema;
}

/**
 * Infers the schema from the TypeScript source of the provider in
 * `providerDir` (its components' Args live in ../sdk/types.ts).
 */
export async function inferSchema(providerDir: string, name: string, components: ComponentResourceConstructor[]): Promise<Schema> {
    const analyzed = JSON.parse(await new ComponentProvider({ name, dirname: providerDir, components }).getSchema()) as Schema;
    const typesFile = path.join(providerDir, "..", "sdk", "types.ts");
    return withIntegers(analyzed, integerFields(typesFile, fs.readFileSync(typesFile, "utf8")));
}
