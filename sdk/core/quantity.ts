// Kubernetes resource quantities (the subset that means something to Docker):
// binary suffixes Ki..Ei, decimal k..E, milli `m`, and plain or decimal numbers.
const SUFFIX: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
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

/** The CFS period Docker and systemd use (100 ms), in microseconds. */
export const CFS_PERIOD_US = 100_000;
/** The kernel refuses a CFS quota below 1 ms: 10m a 100 ms period. */
export const MIN_CPU_MILLIS = 10;
/** 10000 cores: beyond any host, and a quota the kernel and systemd still take (plain digits, no exponent). */
export const MAX_CPU_MILLIS = 10_000_000;
/** 8 PiB: beyond any host, and exact in a JavaScript number, so `MemoryMax=` gets plain digits (never 1e+21). */
export const MAX_MEMORY_BYTES = Number.MAX_SAFE_INTEGER;

/**
 * A container's cpu limit as Docker's CFS period and quota: `500` millicores
 * is 50 ms of every 100 ms, the limit `--cpus 0.5` sets.
 *
 * Not `cpus`: pulumi-docker reads `cpus` back reformatted ("1" as "1.0",
 * "10" as "10.", "0.05" as "0.1"; kreuzwerker's nanoInt64ToDecimalString),
 * and `cpus` forces a replacement, so a pod with such a limit planned a
 * replacement on every preview (seen on the real engine). Period and quota
 * are never read back; a change to them is given `replaceOnChanges`, since
 * the provider records it without applying it.
 */
export function cfsQuota(millis: number): { cpuPeriod: number; cpuQuota: number } {
    return { cpuPeriod: CFS_PERIOD_US, cpuQuota: Math.round((millis * CFS_PERIOD_US) / 1000) };
}

/**
 * Seconds as Go's time.Duration prints them (`5s`, `1m0s`, `1h0m30s`): the
 * docker provider reads healthcheck durations back in this form, so any other
 * spelling of 60 s or more planned a replacement on every preview.
 */
export function goDuration(seconds: number): string {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return `${h}h${m}m${s}s`;
    if (m > 0) return `${m}m${s}s`;
    return `${s}s`;
}

/** systemd `CPUQuota=` for millicores: `500` becomes `"50%"`, `1505` `"150.5%"`. */
export function cpuQuotaPercent(millis: number): string {
    return `${millis / 10}%`;
}

/** Docker `--memory` in whole MiB (pulumi-docker's unit), rounded up. */
export function memoryMiB(bytes: number): number {
    return Math.ceil(bytes / MIB);
}
