// A pod whose image lives in a private registry. The credentials are the
// docker provider's `registryAuth`; the pod gets that provider, and every
// image pull of the pod (and the registry digest lookup of `Always`) goes
// through it. No credential is an input of the pod, so none can reach its
// outputs, its summary or its manifest.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CgroupDriver, DockerPod } from "dockerpod";

const config = new pulumi.Config();
// pulumi config set registry registry.example.com:5000
const registry = config.require("registry");
// pulumi config set registryUser deploy
// pulumi config set --secret registryPassword ...
const username = config.require("registryUser");
const password = config.requireSecret("registryPassword");
// The registry's URL for the digest lookup: https unless it only speaks plain HTTP
// (as a registry on 127.0.0.1 may): pulumi config set registryScheme http
const scheme = config.get("registryScheme") ?? "https";
const image = config.get("image") ?? `${registry}/team/web:1`;

const registryAccess = new docker.Provider("registry", {
    registryAuth: [{ address: `${scheme}://${registry}`, username, password }],
});

const pod = new DockerPod(
    "web",
    {
        sandboxImage: config.get("sandboxImage"),
        containers: [
            {
                name: "app",
                image,
                // Re-pulled when the tag moves in the registry, and only then.
                imagePullPolicy: "Always",
                ports: [{ containerPort: 8080, hostPort: config.getNumber("hostPort") ?? 8080 }],
                resources: { limits: { memory: "128Mi" } },
            },
        ],
        resources: { limits: { memory: "256Mi", cpu: "500m" } },
        host: {
            cgroupDriver: config.get<CgroupDriver>("cgroupDriver") ?? CgroupDriver.Systemd,
            parentSlice: config.get("parentSlice"),
        },
    },
    { providers: { docker: registryAccess } },
);

export const summary = pod.summary;
export const containerIds = pod.containerIds;
