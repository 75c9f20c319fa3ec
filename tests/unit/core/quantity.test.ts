import {
    cfsQuota,
    cpuQuotaPercent,
    goDuration,
    memoryMiB,
    parseCpuMillis,
    parseMemoryBytes,
    parseQuantity,
} from "../../../sdk/core/quantity";

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
        expect(cfsQuota(500)).toEqual({ cpuPeriod: 100_000, cpuQuota: 50_000 });
        expect(cfsQuota(2000)).toEqual({ cpuPeriod: 100_000, cpuQuota: 200_000 });
        expect(cfsQuota(10)).toEqual({ cpuPeriod: 100_000, cpuQuota: 1000 }); // the kernel's minimum, 1 ms
        expect(cpuQuotaPercent(500)).toBe("50%");
        expect(cpuQuotaPercent(1505)).toBe("150.5%");
        expect(memoryMiB(256 * 2 ** 20)).toBe(256);
        expect(memoryMiB(512e6)).toBe(489); // rounded up, never below the request
    });

    // As Go's time.Duration.String() prints them: the docker provider reads healthchecks back so.
    test.each([
        [0, "0s"],
        [1, "1s"],
        [59, "59s"],
        [60, "1m0s"],
        [90, "1m30s"],
        [3599, "59m59s"],
        [3600, "1h0m0s"],
        [3661, "1h1m1s"],
        [90000, "25h0m0s"],
    ])("goDuration(%d) is %j", (seconds, text) => {
        expect(goDuration(seconds)).toBe(text);
    });
});
