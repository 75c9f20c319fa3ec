// The tutorial's pod from its Kubernetes manifest (pod.yaml beside this file).
// The Docker host's own settings, which a Pod has no field for, are passed
// next to it: the pod-wide limits (the slice) and the host's cgroup driver.
//
// Optional config, for a machine without Docker Hub or with port 8080 taken,
// as examples/seed-pod takes it: appImage, sidecarImage, sandboxImage,
// hostPort, cgroupDriver. They change the manifest as read, not pod.yaml.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { CgroupDriver, DockerPod } from "dockerpod";

const config = new pulumi.Config();
const podYaml = YAML.parse(fs.readFileSync(path.join(__dirname, "pod.yaml"), "utf8"));
const [app, sidecar] = podYaml.spec.containers;
app.image = config.get("appImage") ?? app.image;
app.ports[0].hostPort = config.getNumber("hostPort") ?? app.ports[0].hostPort;
sidecar.image = config.get("sidecarImage") ?? sidecar.image;

const pod = DockerPod.fromManifest("foo", podYaml, {
    resources: { limits: { memory: "512Mi", cpu: "500m" } },
    sandboxImage: config.get("sandboxImage"),
    // `pulumi config set cgroupDriver cgroupfs` on a host whose dockerd uses cgroupfs.
    host: { cgroupDriver: config.get<CgroupDriver>("cgroupDriver") ?? CgroupDriver.Systemd },
});

/** The pod written back as a Kubernetes v1 Pod: what `kubectl apply -f -` takes. */
export const manifest = pod.manifest;
export const summary = pod.summary;
export const containerIds = pod.containerIds;
