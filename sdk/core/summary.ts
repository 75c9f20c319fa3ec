import * as pulumi from "@pulumi/pulumi";
import { Limits } from "./checks";
import { ContainerSpec } from "./container";
import { PodSpec } from "./pod";
import { guardianName } from "./names";
import { agentName } from "./agent";

function showLimits(limits: Limits): [string, string] {
    const memory = limits.memoryBytes !== undefined ? `${+(limits.memoryBytes / 2 ** 20).toFixed(1)}Mi` : "-";
    const cpu = limits.cpuMillis !== undefined ? `${limits.cpuMillis}m` : "-";
    return [memory, cpu];
}

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * A Markdown table of the pod for stack outputs and pull-request comments.
 * It names env variables but never shows their values (they may be secret).
 */
export function renderSummary(spec: PodSpec): pulumi.Output<string> {
    const rows = (list: ContainerSpec[], kind: string) =>
        list.map((c) =>
            // The image may be computed; only the image, never an env value, is read.
            pulumi.output(c.image).apply((image) => {
                const [memory, cpu] = showLimits(c.limits);
                const ports =
                    c.ports
                        .map(
                            (p) =>
                                `${p.hostPort !== undefined ? `${p.hostIP ?? ""}${p.hostIP ? ":" : ""}${p.hostPort}->` : ""}${p.containerPort}/${p.protocol}`,
                        )
                        .join(", ") || "-";
                const env = c.env.map((e) => e.name).join(", ") || "-";
                return `| ${cell(c.name)} | ${c.sidecar ? "sidecar" : kind} | ${cell(String(image))} | ${memory} | ${cpu} | ${ports} | ${cell(env)} |`;
            }),
        );
    const shared = ["net", "ipc"];
    const sandbox = spec.sandbox;
    if (sandbox.shareProcessNamespace) shared.push("pid");
    const hostNs = [sandbox.hostNetwork && "network", sandbox.hostIPC && "ipc", sandbox.hostPID && "pid"].filter(Boolean);
    const [podMemory, podCpu] = showLimits(spec.slice.limits);
    return pulumi
        .all([...rows(spec.initContainers, "init"), ...rows(spec.containers, "app")])
        .apply((lines) =>
            [
                `### Pod \`${spec.podName}\``,
                "",
                `- cgroup parent: \`${spec.slice.cgroupParent}\` (${spec.slice.host.driver}), pod limits: memory ${podMemory}, cpu ${podCpu}`,
                `- sandbox: \`${sandbox.image}\`, hostname \`${sandbox.hostname ?? "(host)"}\`, shared namespaces: ${shared.join(", ")}` +
                    (hostNs.length ? `; host namespaces: ${hostNs.join(", ")}` : ""),
                `- restart policy: ${sandbox.restartPolicy}, termination grace: ${spec.graceSeconds}s` +
                    (spec.guardianImage
                        ? `; heals itself: guardian \`${guardianName(spec.podName)}\`, run by the host's agent \`${agentName(spec.guardianImage)}\` (\`${spec.guardianImage}\`)`
                        : ""),
                "",
                "| container | kind | image | memory | cpu | ports | env |",
                "|---|---|---|---|---|---|---|",
                ...lines,
                "",
            ].join("\n"),
        );
}
