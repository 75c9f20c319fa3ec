// The tutorial's pod from its Kubernetes manifest (pod.yaml beside this file).
// The Docker host's own settings, which a Pod has no field for, are passed
// next to it: the pod-wide limits (the slice) and the host's cgroup driver.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CgroupDriver, DockerPod } from "dockerpod";

const config = new pulumi.Config();
const podYaml = fs.readFileSync(path.join(__dirname, "pod.yaml"), "utf8");

const pod = DockerPod.fromManifest("foo", podYaml, {
    resources: { limits: { memory: "512Mi", cpu: "500m" } },
    // `pulumi config set cgroupDriver cgroupfs` on a host whose dockerd uses cgroupfs.
    host: { cgroupDriver: config.get<CgroupDriver>("cgroupDriver") ?? CgroupDriver.Systemd },
});

/** The pod written back as a Kubernetes v1 Pod: what `kubectl apply -f -` takes. */
export const manifest = pod.manifest;
export const summary = pod.summary;
export const containerIds = pod.containerIds;
