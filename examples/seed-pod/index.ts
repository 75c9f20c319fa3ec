// The tutorial's pod: nginx and a curl sidecar sharing localhost and IPC,
// under one slice limited to 512Mi and half a core.
import * as pulumi from "@pulumi/pulumi";
import { CgroupDriver, DockerPod } from "dockerpod";

const config = new pulumi.Config();

const pod = new DockerPod("foo", {
    resources: { limits: { memory: "512Mi", cpu: "500m" } },
    containers: [
        {
            name: "app", image: "nginx:alpine", ports: [{ containerPort: 80, hostPort: 8080 }],
            resources: { limits: { memory: "256Mi" } },
        },
        {
            name: "sidecar", image: "curlimages/curl:8.3.0", command: ["/bin/sleep", "3650d"],
            resources: { limits: { memory: "128Mi" } },
        },
    ],
    // `pulumi config set cgroupDriver cgroupfs` on a host whose dockerd uses cgroupfs.
    host: { cgroupDriver: config.get<CgroupDriver>("cgroupDriver") ?? CgroupDriver.Systemd },
});

export const podName = pod.podName;
export const cgroupParent = pod.cgroupParent;
export const containerIds = pod.containerIds;
export const summary = pod.summary;
