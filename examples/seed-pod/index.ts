// The tutorial's pod: nginx and a curl sidecar sharing localhost and IPC,
// under one slice limited to 512Mi and half a core.
//
// Optional config, for a machine without Docker Hub or with port 8080 taken:
// appImage, sidecarImage, sandboxImage, hostPort, cgroupDriver
// (`npm run deploy` sets cgroupDriver from the daemon when it is not set).
import * as pulumi from "@pulumi/pulumi";
import { CgroupDriver, DockerPod } from "dockerpod";

const config = new pulumi.Config();

const pod = new DockerPod("foo", {
    resources: { limits: { memory: "512Mi", cpu: "500m" } },
    sandboxImage: config.get("sandboxImage"),
    containers: [
        {
            name: "app",
            image: config.get("appImage") ?? "nginx:alpine",
            ports: [{ containerPort: 80, hostPort: config.getNumber("hostPort") ?? 8080 }],
            resources: { limits: { memory: "256Mi" } },
        },
        {
            name: "sidecar",
            image: config.get("sidecarImage") ?? "curlimages/curl:8.3.0",
            command: ["/bin/sleep", "3650d"],
            resources: { limits: { memory: "128Mi" } },
        },
    ],
    host: { cgroupDriver: config.get<CgroupDriver>("cgroupDriver") ?? CgroupDriver.Systemd },
});

export const podName = pod.podName;
export const cgroupParent = pod.cgroupParent;
export const containerIds = pod.containerIds;
export const summary = pod.summary;
