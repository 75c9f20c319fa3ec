import { cpuQuotaPercent, cpusForMillis, memoryMiB, parseCpuMillis, parseMemoryBytes, parseQuantity } from "../../../sdk/core/quantity";

describe("Kubernetes quantities", () => {
    test.each([
        ["256Mi", 256 * 2 ** 20],
        ["1Gi", 2 ** 30],
        ["512M", 512e6],
        ["1.5Gi", 1.5 * 2 ** 30],
        ["128974848", 128974848],
        ["129e6", 129e6],
        ["1k", 1000],
        ["1Ki", 1024],
    ])("memory %s is %d bytes", (text, bytes) => {
        expect(parseMemoryBytes(text)).toBe(bytes);
    });

    test.each([
        ["500m", 500],
        ["0.5", 500],
        ["2", 2000],
        ["1.25", 1250],
        ["100m", 100],
        ["0.0001", 1],
    ])("cpu %s is %d millicores", (text, millis) => {
        expect(parseCpuMillis(text)).toBe(millis);
    });

    test.each(["12Q", "", "Mi", "-1", "1 Gi", " 1Gi", "1.Gi", "abc", "1e", "0x10"])("%j is not a quantity", (text) => {
        expect(parseQuantity(text)).toBeUndefined();
    });

    test("Docker and systemd renderings", () => {
        expect(cpusForMillis(500)).toBe("0.5");
        expect(cpusForMillis(2000)).toBe("2");
        expect(cpuQuotaPercent(500)).toBe("50%");
        expect(cpuQuotaPercent(1505)).toBe("150.5%");
        expect(memoryMiB(256 * 2 ** 20)).toBe(256);
        expect(memoryMiB(512e6)).toBe(489); // rounded up, never below the request
    });
});
