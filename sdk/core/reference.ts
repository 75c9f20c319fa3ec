// Docker image references, checked in linear time.
//
// The grammar is distribution/reference's (what the daemon parses):
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] path-component { "/" path-component }   (at most 255 characters)
//   domain     := host [ ":" port ]; host := domain-component { "." domain-component } | "[" IPv6 "]"
//   path-component := [a-z0-9]+ { ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ }
//   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//   digest     := algorithm ":" hex{32,}
// It is written here as splits and small anchored patterns with no nested
// repetition, because the regular expression of the reference library we
// used before backtracks exponentially on near-misses: "aaaaaaaaaaaaaaaaaaaa-"
// took three minutes, so a typo could hang a preview.

/** Docker's limit on a repository name. */
export const MAX_NAME_LENGTH = 255;
/** Far beyond any real reference (name, tag, a sha512 digest): longer input is refused before it is looked at. */
export const MAX_REFERENCE_LENGTH = 512;

const DOMAIN_COMPONENT = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const PORT = /^[0-9]{1,5}$/;
const IPV6_HOST = /^\[[0-9A-Fa-f:.]+\]$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const DIGEST_HEX = /^[0-9a-fA-F]{32,}$/;

/**
 * Why `ref` is not an image reference Docker accepts, or undefined when it is one.
 * Runs in time linear in the input.
 */
export function imageReferenceProblem(ref: string): string | undefined {
    if (ref.length === 0) return "it is empty";
    if (ref.length > MAX_REFERENCE_LENGTH) return `it is longer than ${MAX_REFERENCE_LENGTH} characters`;
    let rest = ref;
    const at = rest.indexOf("@");
    if (at >= 0) {
        const digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        const colon = digest.indexOf(":");
        if (colon < 0 || !DIGEST_ALGORITHM.test(digest.slice(0, colon)) || !DIGEST_HEX.test(digest.slice(colon + 1))) {
            return `the digest "${digest}" is not algorithm:hex (e.g. sha256: and 64 hex digits)`;
        }
    }
    // A tag follows the last ':' that comes after the last '/' (a ':' before it is a registry port).
    const lastSlash = rest.lastIndexOf("/");
    const tagColon = rest.indexOf(":", lastSlash + 1);
    let name = rest;
    if (tagColon >= 0) {
        const tag = rest.slice(tagColon + 1);
        name = rest.slice(0, tagColon);
        if (!TAG.test(tag))
            return `the tag "${tag}" is not a tag (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')`;
    }
    if (name.length === 0) return "it has no repository name";
    if (name.length > MAX_NAME_LENGTH) return `the repository name is longer than ${MAX_NAME_LENGTH} characters`;
    const parts = name.split("/");
    // The first part is a registry when it looks like one: a '.' or ':' in it, or "localhost".
    const first = parts[0];
    if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
        const problem = domainProblem(first);
        if (problem) return problem;
        parts.shift();
    }
    for (const part of parts) {
        if (!PATH_COMPONENT.test(part)) {
            return `"${part}" is not a repository path component (lowercase letters and digits, ` + "joined by '.', '_', '__' or '-')";
        }
    }
    return undefined;
}

function domainProblem(domain: string): string | undefined {
    let host = domain;
    const colon = domain.lastIndexOf(":");
    if (colon >= 0 && !domain.endsWith("]")) {
        host = domain.slice(0, colon);
        if (!PORT.test(domain.slice(colon + 1))) return `the registry port in "${domain}" is not a number`;
    }
    if (IPV6_HOST.test(host)) return undefined;
    if (!host.split(".").every((c) => DOMAIN_COMPONENT.test(c))) return `"${domain}" is not a registry host name`;
    return undefined;
}
