// Kubernetes resource quantities (the subset that means something to Docker):
// binary suffixes Ki..Ei, decimal k..E, milli `m`, and plain or decimal numbers.
const SUFFIX: Record<string, number> = {
    "": 1, m: 1e-3,
    k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)|[eE]([0-9]+))?$/;

/** Parses a quantity to a number in base units, or undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
    const m = QUANTITY.exec(text.trim());
    if (!m || text.trim() !== text) return undefined;
    const value = Number(m[1]);
    const scale = m[3] !== undefined ? 10 ** Number(m[3]) : SUFFIX[m[2] ?? ""];
    const result = value * scale;
    return Number.isFinite(result) ? result : undefined;
}

/** Memory quantity in whole bytes (rounded up, as the kubelet does). */
export function parseMemoryBytes(text: string): number | undefined {
    const q = parseQuantity(text);
    return q === undefined ? undefined : Math.ceil(q);
}

/** CPU quantity in millicores (rounded up to a whole millicore). */
export function parseCpuMillis(text: string): number | undefined {
    const q = parseQuantity(text);
    return q === undefined ? undefined : Math.ceil(Math.round(q * 1e6) / 1e3);
}

export const MIB = 2 ** 20;
/** Docker refuses container memory limits below 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * MIB;

/** Docker `--cpus` value for millicores: `500` becomes `"0.5"`. */
export function cpusForMillis(millis: number): string {
    return String(millis / 1000);
}

/** systemd `CPUQuota=` for millicores: `500` becomes `"50%"`, `1505` `"150.5%"`. */
export function cpuQuotaPercent(millis: number): string {
    return `${millis / 10}%`;
}

/** Docker `--memory` in whole MiB (pulumi-docker's unit), rounded up. */
export function memoryMiB(bytes: number): number {
    return Math.ceil(bytes / MIB);
}
