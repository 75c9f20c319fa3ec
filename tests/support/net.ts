import * as fs from "fs";
import * as net from "net";

/**
 * The kernel's range of ephemeral ports. A port handed out by `listen(0)` is
 * in it, and so is every port the Pulumi engine, its plugins and every
 * outgoing connection take while a test runs: a port picked there and closed
 * again can be taken by one of them before Docker binds it (seen in CI:
 * "bind: address already in use" on a port just found free).
 */
function ephemeralRange(): [number, number] {
    try {
        const [low, high] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
        if (Number.isInteger(low) && Number.isInteger(high)) return [low, high];
    } catch {
        // Not Linux: the IANA range below.
    }
    return [49152, 65535];
}

/** Ports this process handed out: a test binds its port later, so a second call must not hand it out again. */
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

/**
 * A free TCP port on 127.0.0.1, below the kernel's ephemeral range, so that
 * nothing but an explicit bind can take it between this call and the test's
 * own bind.
 */
export function freePort(): Promise<number> {
    const [ephemeralLow] = ephemeralRange();
    const high = Math.min(ephemeralLow, 65536) - 1;
    return freePortIn(Math.max(1024, high - 16383), high);
}

/** A port of low..high that binds on 127.0.0.1 and was not handed out before. */
export async function freePortIn(low: number, high: number): Promise<number> {
    if (high < low) throw new Error(`no ports in ${low}-${high} to test with`);
    const tries = Math.max(200, 4 * (high - low + 1));
    for (let attempt = 0; attempt < tries; attempt++) {
        const port = low + Math.floor(Math.random() * (high - low + 1));
        if (handedOut.has(port)) continue;
        if (await bindable(port)) {
            handedOut.add(port);
            return port;
        }
    }
    throw new Error(`no free port found in ${low}-${high} after ${tries} tries`);
}
