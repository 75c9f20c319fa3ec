import * as fs from "fs";
import * as net from "net";
import { freePort, freePortIn } from "../../support/net";

function listen(port: number): Promise<net.Server> {
    const server = net.createServer();
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve(server));
    });
}

const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

// CI once lost a test pod's host port to the Pulumi engine's own listeners:
// the port came from the kernel's ephemeral range, which they draw from too.
describe("freePort", () => {
    const [ephemeralLow] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);

    test("hands out distinct ports below the kernel's ephemeral range, each one bindable", async () => {
        const ports: number[] = [];
        for (let i = 0; i < 20; i++) ports.push(await freePort());
        expect(new Set(ports).size).toBe(ports.length);
        for (const port of ports) {
            expect(port).toBeGreaterThanOrEqual(1024);
            expect(port).toBeLessThan(ephemeralLow);
        }
        await close(await listen(ports[0]));
    });

    test("passes over ports something holds, and fails when none is free", async () => {
        // A small range of the kernel's own ephemeral range (no test in this
        // process hands those out), held whole, then one port let go.
        const low = (await freePortIn(ephemeralLow, ephemeralLow + 1000)) + 1;
        const high = low + 7;
        const held = new Map<number, net.Server>();
        try {
            for (let port = low; port <= high; port++) {
                const server = await listen(port).catch(() => undefined); // already held elsewhere: held all the same
                if (server) held.set(port, server);
            }
            const [letGo, server] = [...held][0];
            await close(server);
            held.delete(letGo);
            expect(await freePortIn(low, high)).toBe(letGo);
            await expect(freePortIn(low, high)).rejects.toThrow(/no free port found/);
        } finally {
            await Promise.all([...held.values()].map(close));
        }
    });
});
