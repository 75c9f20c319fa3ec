import { execFileSync } from "child_process";
import { renderGuardianScript } from "../../../sdk/core/guardian";
import { checkPod } from "../../../sdk/core/pod";

const healing = checkPod("foo", {
    heal: true,
    terminationGracePeriodSeconds: 3,
    host: { cgroupDriver: "cgroupfs" },
    initContainers: [{ name: "setup", image: "busybox" }],
    containers: [
        {
            name: "app",
            image: "busybox",
            livenessProbe: { exec: { command: ["sh", "-c", "test -f '/tmp/ok'"] }, periodSeconds: 2, failureThreshold: 2 },
        },
        { name: "sidecar", image: "busybox" },
    ],
});

describe("guardian script", () => {
    test("snapshot", () => {
        expect(renderGuardianScript(healing)).toMatchSnapshot();
    });

    test("is valid POSIX sh", () => {
        expect(() => execFileSync("sh", ["-n"], { input: renderGuardianScript(healing) })).not.toThrow();
    });

    test("quotes probe arguments; never interpolates them", () => {
        expect(renderGuardianScript(healing)).toContain(`docker exec foo_app 'sh' '-c' 'test -f '\\''/tmp/ok'\\'''`);
    });

    test("liveness probes need heal", () => {
        expect(() =>
            checkPod("foo", { containers: [{ name: "app", image: "x", livenessProbe: { exec: { command: ["true"] } } }] }),
        ).toThrow(/livenessProbe: needs heal: true/);
    });

    test("start times sort as text once padded to nanoseconds", () => {
        const normalize = renderGuardianScript(healing).match(/state\(\) \{\n[^\n]*\n\s*sed ([^\n]*)/)![1];
        const run = (line: string) => execFileSync("sh", ["-c", `echo '${line}' | sed ${normalize}`], { encoding: "utf8" }).trim();
        expect(run("true 2026-11-27T04:51:32.1Z 0")).toBe("true 2026-11-27T04:51:32.100000000Z 0");
        expect(run("true 2026-11-27T04:51:32.123456789Z 0")).toBe("true 2026-11-27T04:51:32.123456789Z 0");
        expect(run("false 0001-01-01T00:00:00Z 137")).toBe("false 0001-01-01T00:00:00.000000000Z 137");
    });
});
