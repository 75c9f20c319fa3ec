// A pod on another machine, over SSH: the docker provider talks to that
// host's daemon (docker's ssh:// transport), and the pod's slice is made there
// by a remote Command over the same SSH connection, with sudo.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CgroupDriver, DockerPod } from "dockerpod";

const config = new pulumi.Config();
// pulumi config set sshHost 203.0.113.10; pulumi config set sshUser deploy
const sshHost = config.require("sshHost");
const sshUser = config.get("sshUser") ?? "deploy";
const sshPort = config.getNumber("sshPort") ?? 22;
// cat ~/.ssh/id_ed25519 | pulumi config set --secret sshPrivateKey
// Without it, the slice's Command uses the SSH agent (SSH_AUTH_SOCK).
const sshPrivateKey = config.getSecret("sshPrivateKey");

// The Docker daemon on that host. The docker CLI's ssh transport logs in with
// your ssh set-up (agent, ~/.ssh/config), and needs `docker` on the remote PATH.
const remote = new docker.Provider("remote", {
    host: `ssh://${sshUser}@${sshHost}:${sshPort}`,
    sshOpts: ["-o", "BatchMode=yes"],
});

const pod = new DockerPod(
    "web",
    {
        // Optional config, for a host without Docker Hub or with port 8080 taken:
        // appImage, sidecarImage, sandboxImage, hostPort.
        sandboxImage: config.get("sandboxImage"),
        containers: [
            {
                name: "app",
                image: config.get("appImage") ?? "nginx:alpine",
                ports: [{ containerPort: 80, hostPort: config.getNumber("hostPort") ?? 8080 }],
                // pulumi config set appMemory 128Mi: changes the running container's limit in place.
                resources: { limits: { memory: config.get("appMemory") ?? "256Mi", cpu: "500m" } },
                // Docker counts the exec's own start against timeoutSeconds: on a small or busy
                // remote host that can pass Kubernetes' default of 1 s, and the probe would fail.
                readinessProbe: {
                    exec: { command: ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"] },
                    periodSeconds: 5,
                    timeoutSeconds: 5,
                },
            },
            {
                name: "sidecar",
                image: config.get("sidecarImage") ?? "curlimages/curl:8.3.0",
                command: ["/bin/sleep", "3650d"],
                resources: { limits: { memory: "64Mi" } },
            },
        ],
        resources: { limits: { memory: "512Mi", cpu: "1" } },
        host: {
            // The slice's Command runs on the same host, over SSH; `sudo -n` needs password-less sudo there.
            connection: { host: sshHost, port: sshPort, user: sshUser, privateKey: sshPrivateKey },
            sudo: true,
            cgroupDriver: config.get<CgroupDriver>("cgroupDriver") ?? CgroupDriver.Systemd,
        },
    },
    {
        // Every docker resource of the pod (images, volumes, containers) goes through `remote`:
        // a component's providers pass down to its children.
        providers: { docker: remote },
    },
);

export const summary = pod.summary;
export const manifest = pod.manifest;
export const containerIds = pod.containerIds;
