// Whatever the checks accept renders into scripts the kernel can start: each
// host script and the guardian are one `sh -c` argument, at most 128 KiB
// (MAX_ARG_STRLEN). Hook and scripted probe commands are bounded one by one
// (16 KiB each as the scripts quote them), and what they add up to in one
// script is refused at the longest command that script carries.
import fc from "fast-check";
import { PodSpecError } from "../../../sdk/core/errors";
import { MAX_SCRIPT_BYTES } from "../../../sdk/core/checks";
import { renderGuardianScript } from "../../../sdk/core/guardian";
import { renderStartScript, renderStopScript } from "../../../sdk/core/hooks";
import { PodSpec, checkPod, podPayloads } from "../../../sdk/core/pod";
import { Container, DockerPodArgs } from "../../../sdk/types";

/** A command of about `bytes` bytes, in arguments of at most 4000 characters that quoting leaves as they are. */
const command = (bytes: number): string[] => {
    const args = Math.max(1, Math.ceil(bytes / 4000));
    return ["sh", ...Array.from({ length: args }, () => "x".repeat(Math.floor(bytes / args)))];
};

function problemsOf(args: DockerPodArgs): { path: string; message: string }[] | undefined {
    try {
        checkPod("big", args);
        return undefined;
    } catch (err) {
        expect(err).toBeInstanceOf(PodSpecError);
        return (err as PodSpecError).problems;
    }
}

const scriptsOf = (spec: PodSpec) => [
    ...podPayloads(spec).flatMap((p) => [renderStartScript(p), ...(p.container.lifecycle.preStop ? [renderStopScript(p)] : [])]),
    ...(spec.guardianImage ? [renderGuardianScript(spec)] : []),
];

test("one hook command at the documented bounds (256 arguments of 4096 characters) is refused at its path", () => {
    const problems = problemsOf({
        containers: [
            {
                name: "app",
                image: "busybox:1",
                lifecycle: { postStart: { exec: { command: Array.from({ length: 256 }, () => "x".repeat(4096)) } } },
            },
        ],
    });
    expect(problems).toEqual([
        {
            path: "containers[0].lifecycle.postStart.exec.command",
            message: expect.stringMatching(
                /^is \d+ bytes as a shell command line, over 16384: a hook is written into the pod's host and guardian scripts/,
            ),
        },
    ]);
});

test("liveness probes that each fit but add up past the guardian's limit are refused once, at the longest", () => {
    const containers: Container[] = Array.from({ length: 10 }, (_, i) => ({
        name: `c${i}`,
        image: "busybox:1",
        livenessProbe: { exec: { command: command(i === 6 ? 16_000 : 15_000) } },
    }));
    expect(problemsOf({ heal: true, containers })).toEqual([
        {
            path: "containers[6].livenessProbe.exec.command",
            message: expect.stringMatching(
                /^makes the pod's guardian script \d+ bytes, over the kernel's 131072-byte limit for one argument/,
            ),
        },
    ]);
    // Without the guardian the same commands are in no script together.
    expect(
        problemsOf({ containers: containers.map(({ livenessProbe, ...c }) => ({ ...c, startupProbe: livenessProbe })) }),
    ).toBeUndefined();
});

test("property: a pod the checks accept renders every script under the kernel's limit; a refused one is refused at a command's path", () => {
    const sizes = fc.array(
        fc.record({
            postStart: fc.integer({ min: 0, max: 16_000 }),
            startup: fc.integer({ min: 0, max: 16_000 }),
            preStop: fc.integer({ min: 0, max: 16_000 }),
            liveness: fc.integer({ min: 8_000, max: 16_000 }),
        }),
        { minLength: 1, maxLength: 14 },
    );
    fc.assert(
        fc.property(sizes, fc.boolean(), (list, heal) => {
            const containers: Container[] = list.map((s, i) => ({
                name: `c${i}`,
                image: "busybox:1",
                ...(s.startup ? { startupProbe: { exec: { command: command(s.startup) } } } : {}),
                ...(heal && s.liveness ? { livenessProbe: { exec: { command: command(s.liveness) } } } : {}),
                lifecycle: {
                    ...(s.postStart ? { postStart: { exec: { command: command(s.postStart) } } } : {}),
                    ...(s.preStop ? { preStop: { exec: { command: command(s.preStop) } } } : {}),
                },
            }));
            const args: DockerPodArgs = { heal, terminationGracePeriodSeconds: 30, containers };
            const problems = problemsOf(args);
            if (problems === undefined) {
                for (const script of scriptsOf(checkPod("big", args))) expect(Buffer.byteLength(script)).toBeLessThan(MAX_SCRIPT_BYTES);
            } else {
                for (const p of problems)
                    expect(p.path).toMatch(
                        /^containers\[\d+\]\.(lifecycle\.(postStart|preStop)|startupProbe|livenessProbe)\.exec\.command$/,
                    );
            }
        }),
        { numRuns: 100 },
    );
});
