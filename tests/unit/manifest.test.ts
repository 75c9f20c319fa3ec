// Kubernetes Pod manifests in and out: reading (mapped / ignored / refused
// fields), writing (secret env values as secretKeyRefs), and round trips that
// must give the same checkPod result.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { Pod } from "kubernetes-models/v1/Pod";
import { DockerPodArgs } from "../../sdk/types";
import { PodSpecError } from "../../sdk/core/errors";
import { checkPod } from "../../sdk/core/pod";
import {
    MANIFEST_CONTAINER_FIELDS,
    MANIFEST_FIELDS,
    ManifestError,
    fieldsNotCarried,
    manifestFromArgs,
    manifestSecretKey,
    manifestSecretName,
    podArgsFromManifest,
} from "../../sdk/core/manifest";

/** An Output's value, outside a Pulumi program. */
function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as any).promise();
}

/** The error a function throws, for checks on its fields. */
function thrown(fn: () => unknown): Error {
    try {
        fn();
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected an error");
}

function problemPaths(error: Error): string[] {
    expect(error).toBeInstanceOf(PodSpecError);
    return (error as PodSpecError).problems.map((p) => p.path).sort();
}

/** Checks a manifest against the Kubernetes Pod schema, as podArgsFromManifest does. */
function schemaValid(text: string): void {
    expect(() => new Pod(parse(text)).validate()).not.toThrow();
}

/** The tutorial's pod.yaml, as a Kubernetes user writes it (no hostPort, no pod-level resources). */
const TUTORIAL_POD = fs.readFileSync(path.join(__dirname, "..", "fixtures", "tutorial-pod.yaml"), "utf8");

const SEED_ARGS: DockerPodArgs = {
    containers: [
        { name: "app", image: "nginx:alpine", ports: [{ containerPort: 80 }], resources: { limits: { memory: "256Mi" } } },
        { name: "sidecar", image: "curlimages/curl:8.3.0", command: ["/bin/sleep", "3650d"], resources: { limits: { memory: "128Mi" } } },
    ],
};

const KUBECTL_POD = fs.readFileSync(path.join(__dirname, "..", "fixtures", "kubectl-get-pod.yaml"), "utf8");

describe("podArgsFromManifest: the tutorial's pod.yaml", () => {
    it("reads unchanged, with no warning, into the hand-written seed args", () => {
        const { name, args, warnings } = podArgsFromManifest(TUTORIAL_POD);
        expect(name).toBe("foo");
        expect(warnings).toEqual([]);
        expect(args).toEqual({ ...SEED_ARGS, podName: "foo" });
    });

    it("gives the same checkPod result as the seed args", () => {
        const { name, args } = podArgsFromManifest(TUTORIAL_POD);
        expect(checkPod(name, args)).toEqual(checkPod("foo", SEED_ARGS));
    });

    it("accepts the manifest as an object too, without changing it", () => {
        const obj = parse(TUTORIAL_POD);
        const before = JSON.stringify(obj);
        expect(podArgsFromManifest(obj).args).toEqual({ ...SEED_ARGS, podName: "foo" });
        expect(JSON.stringify(obj)).toBe(before);
    });
});

describe("podArgsFromManifest: kubectl get pod -o yaml", () => {
    it("maps the pod, with one warning listing what a cluster filled in", () => {
        const { name, args, warnings } = podArgsFromManifest(KUBECTL_POD);
        expect(name).toBe("web");
        expect(warnings).toHaveLength(1);
        for (const field of [
            "status",
            "metadata.uid",
            "metadata.namespace",
            "metadata.resourceVersion",
            "metadata.creationTimestamp",
            `metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`,
            "spec.nodeName",
            "spec.dnsPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.serviceAccount",
            "spec.enableServiceLinks",
            "spec.preemptionPolicy",
            "spec.priority",
            "spec.securityContext",
            "spec.tolerations[0]",
            "spec.tolerations[1]",
            "spec.volumes[2]",
            "spec.volumes[1].hostPath.type",
            "spec.containers[0].volumeMounts[2]",
            "spec.containers[1].volumeMounts[0]",
            "spec.initContainers[0].volumeMounts[1]",
            "spec.containers[0].terminationMessagePath",
            "spec.containers[0].terminationMessagePolicy",
            "spec.containers[0].readinessProbe.successThreshold",
        ]) {
            expect(warnings[0]).toContain(field);
        }
        // runAsNonRoot is honoured now (the image's user is checked at `up`): mapped, not ignored.
        expect(warnings[0]).not.toContain("runAsNonRoot");
        expect(args).toEqual({
            podName: "web",
            labels: { app: "web", tier: "frontend" },
            restartPolicy: "Always",
            terminationGracePeriodSeconds: 10,
            volumes: [
                { name: "cache", emptyDir: {} },
                { name: "conf", hostPath: { path: "/srv/web/conf.d" } },
            ],
            initContainers: [
                {
                    name: "warm-cache",
                    image: "busybox:1.36",
                    imagePullPolicy: "IfNotPresent",
                    command: ["sh", "-c", "echo ready > /cache/ready"],
                    resources: {},
                    volumeMounts: [{ name: "cache", mountPath: "/cache" }],
                },
            ],
            containers: [
                {
                    name: "app",
                    image: "nginx:1.27-alpine",
                    imagePullPolicy: "IfNotPresent",
                    env: [
                        { name: "NGINX_PORT", value: "8080" },
                        { name: "MODE", value: "" },
                    ],
                    ports: [{ containerPort: 8080, hostIP: "127.0.0.1", hostPort: 18080, name: "http", protocol: "TCP" }],
                    readinessProbe: {
                        exec: { command: ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"] },
                        failureThreshold: 3,
                        initialDelaySeconds: 2,
                        periodSeconds: 5,
                        timeoutSeconds: 1,
                    },
                    resources: { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m", memory: "64Mi" } },
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                        runAsGroup: 101,
                        runAsUser: 101,
                        runAsNonRoot: true,
                    },
                    volumeMounts: [
                        { name: "cache", mountPath: "/var/cache/nginx" },
                        { name: "conf", mountPath: "/etc/nginx/conf.d", readOnly: true },
                    ],
                },
                {
                    name: "clock",
                    image: "busybox:1.36",
                    imagePullPolicy: "IfNotPresent",
                    command: ["/bin/sh"],
                    args: ["-c", "while true; do date; sleep 60; done"],
                    resources: { limits: { memory: "32Mi" }, requests: { memory: "32Mi" } },
                    workingDir: "/tmp",
                },
            ],
        });
    });

    it("gives args that checkPod accepts", () => {
        const { name, args } = podArgsFromManifest(KUBECTL_POD);
        const spec = checkPod(name, args);
        expect(spec.containers.map((c) => c.dockerName)).toEqual(["web_app", "web_clock"]);
        expect(spec.containers[0].limits).toEqual({ memoryBytes: 256 * 2 ** 20, cpuMillis: 500 });
        expect(spec.containers[0].mounts).toEqual([
            { volume: "cache", target: "/var/cache/nginx", source: "web_cache", type: "volume", readOnly: false },
            { volume: "conf", target: "/etc/nginx/conf.d", source: "/srv/web/conf.d", type: "bind", readOnly: true },
        ]);
        expect(spec.sandbox.ports).toEqual([{ name: "http", containerPort: 8080, hostPort: 18080, hostIP: "127.0.0.1", protocol: "tcp" }]);
    });

    it("ignores a controller's bookkeeping: managedFields, ownerReferences, generateName", () => {
        const manifest = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: {
                name: "web-7d4b9c-x2k9p",
                generateName: "web-7d4b9c-",
                generation: 1,
                labels: { app: "web", "pod-template-hash": "7d4b9c" },
                ownerReferences: [
                    {
                        apiVersion: "apps/v1",
                        kind: "ReplicaSet",
                        name: "web-7d4b9c",
                        uid: "0c0c",
                        controller: true,
                        blockOwnerDeletion: true,
                    },
                ],
                managedFields: [
                    {
                        manager: "kube-controller-manager",
                        operation: "Update",
                        apiVersion: "v1",
                        time: "2024-11-05T09:14:27Z",
                        fieldsType: "FieldsV1",
                        fieldsV1: { "f:metadata": {} },
                    },
                ],
                finalizers: ["example.com/keep"],
            },
            spec: { containers: [{ name: "app", image: "nginx:alpine" }], automountServiceAccountToken: false, os: { name: "linux" } },
        };
        const { name, args, warnings } = podArgsFromManifest(manifest);
        expect(name).toBe("web-7d4b9c-x2k9p");
        expect(args.labels).toEqual({ app: "web", "pod-template-hash": "7d4b9c" });
        expect(warnings).toHaveLength(1);
        for (const field of [
            "metadata.generateName",
            "metadata.generation",
            "metadata.ownerReferences",
            "metadata.managedFields",
            "metadata.finalizers",
            "spec.automountServiceAccountToken",
            "spec.os",
        ]) {
            expect(warnings[0]).toContain(field);
        }
    });

    it("treats null as unset, as in `kubectl create --dry-run=client -o yaml` output", () => {
        const text = `apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    run: web
  name: web
spec:
  containers:
  - image: nginx
    name: web
    resources: {}
  dnsPolicy: ClusterFirst
  restartPolicy: Always
status: {}
`;
        const { args, warnings } = podArgsFromManifest(text);
        expect(args).toEqual({
            podName: "web",
            labels: { run: "web" },
            restartPolicy: "Always",
            containers: [{ name: "web", image: "nginx", resources: {} }],
        });
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain("spec.dnsPolicy");
        expect(warnings[0]).not.toContain("creationTimestamp");
    });
});

describe("podArgsFromManifest: refused fields", () => {
    const REFUSED = `apiVersion: v1
kind: Pod
metadata:
  name: bad
  clusterName: old
spec:
  affinity:
    nodeAffinity: {}
  nodeSelector:
    disk: ssd
  priorityClassName: high
  imagePullSecrets:
  - name: regcred
  securityContext:
    runAsUser: 1000
    fsGroup: 2000
    sysctls:
    - name: net.core.somaxconn
      value: "1024"
  tolerations:
  - key: dedicated
    operator: Equal
    value: web
    effect: NoSchedule
  containers:
  - name: app
    image: nginx:alpine
    imagePullPolicyy: Always
    envFrom:
    - configMapRef:
        name: settings
    env:
    - name: PLAIN
      value: "1"
    - name: FROM_SECRET
      valueFrom:
        secretKeyRef:
          name: creds
          key: password
    lifecycle:
      preStop:
        httpGet:
          path: /quit
          port: 80
    readinessProbe:
      grpc:
        port: 80
    resources:
      limits:
        memory: 128Mi
        ephemeral-storage: 1Gi
    securityContext:
      seLinuxOptions:
        level: "s0:c123,c456"
    volumeMounts:
    - name: settings
      mountPath: /etc/app
      subPath: app.conf
  volumes:
  - name: settings
    configMap:
      name: settings
  - name: data
    persistentVolumeClaim:
      claimName: data
`;

    it("throws one PodSpecError, for the pod, listing every such field by its path", () => {
        const error = thrown(() => podArgsFromManifest(REFUSED));
        expect((error as PodSpecError).resource).toBe("bad");
        expect(problemPaths(error)).toEqual([
            "metadata.clusterName",
            "spec.affinity",
            "spec.containers[0].envFrom",
            "spec.containers[0].env[1].valueFrom",
            "spec.containers[0].imagePullPolicyy",
            "spec.containers[0].lifecycle.preStop.httpGet",
            "spec.containers[0].readinessProbe.grpc",
            "spec.containers[0].resources.limits.ephemeral-storage",
            "spec.containers[0].securityContext.seLinuxOptions",
            "spec.containers[0].volumeMounts[0].subPath",
            "spec.imagePullSecrets",
            "spec.nodeSelector",
            "spec.priorityClassName",
            "spec.securityContext.fsGroup",
            "spec.securityContext.sysctls",
            "spec.tolerations[0]",
            "spec.volumes[0].configMap",
            "spec.volumes[1].persistentVolumeClaim",
        ]);
        expect(error.message).toContain("spec.containers[0].imagePullPolicyy: is not a Pod field dockerpod knows");
        expect(error.message).toContain("spec.containers[0].readinessProbe.grpc: is not supported: exec, httpGet and tcpSocket probes are");
        expect(error.message).toContain(
            "spec.imagePullSecrets: is not supported: put the registry's credentials on the docker provider (registryAuth)",
        );
    });

    it("refuses values a Docker host cannot honour, and accepts the harmless ones", () => {
        const pod = (spec: object) => ({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "p" },
            spec: { containers: [{ name: "a", image: "busybox" }], ...spec },
        });
        expect(
            problemPaths(
                thrown(() =>
                    podArgsFromManifest(pod({ dnsPolicy: "None", serviceAccountName: "builder", hostUsers: false, priority: 1000 })),
                ),
            ),
        ).toEqual(["spec.dnsPolicy", "spec.hostUsers", "spec.priority", "spec.serviceAccountName"]);
        expect(podArgsFromManifest(pod({ dnsPolicy: "Default", hostUsers: true, setHostnameAsFQDN: false })).warnings).toHaveLength(1);
        const container = (c: object) => pod({ containers: [{ name: "a", image: "busybox", ...c }] });
        expect(
            problemPaths(
                thrown(() =>
                    podArgsFromManifest(
                        container({
                            tty: true,
                            terminationMessagePolicy: "FallbackToLogsOnError",
                            securityContext: { runAsNonRoot: true, seccompProfile: { type: "Unconfined" } },
                        }),
                    ),
                ),
            ),
        ).toEqual([
            "spec.containers[0].securityContext.seccompProfile",
            "spec.containers[0].terminationMessagePolicy",
            "spec.containers[0].tty",
        ]);
        const ok = podArgsFromManifest(
            container({ stdin: false, securityContext: { seccompProfile: { type: "RuntimeDefault" }, privileged: false } }),
        );
        expect(ok.args.containers![0].securityContext).toEqual({ privileged: false });
        expect(ok.warnings[0]).toContain("spec.containers[0].securityContext.seccompProfile");
        expect(
            problemPaths(
                thrown(() =>
                    podArgsFromManifest(
                        pod({
                            volumes: [
                                { name: "v", hostPath: { path: "/srv", type: "DirectoryOrCreate" } },
                                { name: "w", emptyDir: { sizeLimit: "1Gi" } },
                            ],
                            resources: { requests: { memory: "1Gi" } },
                        }),
                    ),
                ),
            ),
        ).toEqual(["spec.resources.requests", "spec.volumes[0].hostPath.type", "spec.volumes[1].emptyDir.sizeLimit"]);
    });

    it("passes a livenessProbe through, for checkPod to refuse with its own message", () => {
        const text = TUTORIAL_POD.replace(
            "      image: nginx:alpine\n",
            '      image: nginx:alpine\n      livenessProbe:\n        exec:\n          command: ["true"]\n        periodSeconds: 10\n',
        );
        const { name, args } = podArgsFromManifest(text);
        expect(args.containers![0].livenessProbe).toEqual({ exec: { command: ["true"] }, periodSeconds: 10 });
        // Only a pod that heals (a Docker-host choice, passed as an override) runs liveness probes.
        expect(() => checkPod(name, args)).toThrow(/containers\[0\]\.livenessProbe: /);
        const healing = podArgsFromManifest(text, { heal: true });
        expect(checkPod(name, healing.args).containers[0].livenessProbe).toEqual({
            runsIn: "container",
            action: { exec: { command: ["true"] } },
            command: ["true"],
            periodSeconds: 10,
            initialDelaySeconds: 0,
            timeoutSeconds: 1,
            failureThreshold: 3,
        });
    });

    it("reports Kubernetes schema errors by path", () => {
        const text = TUTORIAL_POD.replace("containerPort: 80", "containerPort: http").replace('memory: "128Mi"', "memory: [1]");
        const error = thrown(() => podArgsFromManifest(text));
        expect((error as PodSpecError).resource).toBe("foo");
        expect((error as PodSpecError).problems).toEqual([
            { path: "spec.containers[0].ports[0].containerPort", message: "must be of type integer (Kubernetes Pod schema)" },
            { path: "spec.containers[1].resources.limits.memory", message: "must be of type number or string (Kubernetes Pod schema)" },
        ]);
        const noContainers = thrown(() => podArgsFromManifest({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} }));
        expect((noContainers as PodSpecError).problems).toEqual([
            { path: "spec.containers", message: "is required (Kubernetes Pod schema)" },
        ]);
    });
});

describe("podArgsFromManifest: DNS, /etc/hosts and security", () => {
    const pod = (spec: object) => ({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: { containers: [{ name: "a", image: "busybox" }], ...spec },
    });
    const DNS = {
        nameservers: ["10.0.0.53", "1.1.1.1"],
        searches: ["corp.example.com"],
        options: [{ name: "ndots", value: "2" }, { name: "edns0" }],
    };

    it("maps dnsConfig and hostAliases onto the pod's sandbox", () => {
        const { args, warnings } = podArgsFromManifest(
            pod({
                dnsConfig: DNS,
                hostAliases: [{ ip: "10.0.0.10", hostnames: ["db", "db.local"] }],
            }),
        );
        expect(warnings).toEqual([]);
        expect(args.dnsConfig).toEqual(DNS);
        expect(args.hostAliases).toEqual([{ ip: "10.0.0.10", hostnames: ["db", "db.local"] }]);
        const spec = checkPod("p", args);
        expect(spec.sandbox.dns).toEqual({
            nameservers: ["10.0.0.53", "1.1.1.1"],
            searches: ["corp.example.com"],
            options: ["ndots:2", "edns0"],
        });
        expect(spec.sandbox.hosts).toEqual([
            { host: "db", ip: "10.0.0.10" },
            { host: "db.local", ip: "10.0.0.10" },
        ]);
    });

    it("accepts dnsPolicy None with name servers, and ignores the cluster's policies as before", () => {
        const none = podArgsFromManifest(pod({ dnsPolicy: "None", dnsConfig: DNS }));
        expect(none.warnings).toEqual([]);
        expect(none.args.dnsConfig).toEqual(DNS);
        const clusterFirst = podArgsFromManifest(pod({ dnsPolicy: "ClusterFirst", dnsConfig: { searches: ["svc.example"] } }));
        expect(clusterFirst.args.dnsConfig).toEqual({ searches: ["svc.example"] });
        expect(clusterFirst.warnings).toHaveLength(1);
        expect(clusterFirst.warnings[0]).toContain("spec.dnsPolicy");
        const withoutServers = thrown(() => podArgsFromManifest(pod({ dnsPolicy: "None", dnsConfig: { searches: ["x.example"] } })));
        expect(problemPaths(withoutServers)).toEqual(["spec.dnsPolicy"]);
        expect(withoutServers.message).toContain("needs the pod's name servers in spec.dnsConfig.nameservers");
    });

    it("leaves DNS and host-alias values to checkPod", () => {
        const { args } = podArgsFromManifest(
            pod({
                dnsConfig: { nameservers: ["not-an-ip"] },
                hostAliases: [{ ip: "10.0.0.1" }],
            }),
        );
        expect(args.hostAliases).toEqual([{ ip: "10.0.0.1", hostnames: [] }]);
        expect(problemPaths(thrown(() => checkPod("p", args)))).toEqual(["dnsConfig.nameservers[0]", "hostAliases[0].hostnames"]);
    });

    it("maps the pod-level runAsUser, runAsGroup and runAsNonRoot as the pod's defaults", () => {
        const { args, warnings } = podArgsFromManifest(
            pod({
                securityContext: {
                    runAsUser: 1000,
                    runAsGroup: 3000,
                    runAsNonRoot: true,
                    seccompProfile: { type: "RuntimeDefault" },
                    supplementalGroupsPolicy: "Merge",
                },
                containers: [
                    { name: "a", image: "busybox" },
                    { name: "b", image: "busybox", securityContext: { runAsUser: 2000 } },
                ],
            }),
        );
        expect(args.securityContext).toEqual({ runAsUser: 1000, runAsGroup: 3000, runAsNonRoot: true });
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain("spec.securityContext.seccompProfile");
        expect(warnings[0]).toContain("spec.securityContext.supplementalGroupsPolicy");
        const spec = checkPod("p", args);
        expect(spec.containers.map((c) => c.security)).toEqual([
            { runAsUser: 1000, runAsGroup: 3000, runAsNonRoot: true },
            { runAsUser: 2000, runAsGroup: 3000, runAsNonRoot: true },
        ]);
    });

    it("refuses the pod-level security fields a Docker host cannot honour", () => {
        const error = thrown(() =>
            podArgsFromManifest(
                pod({
                    securityContext: {
                        fsGroup: 2000,
                        fsGroupChangePolicy: "OnRootMismatch",
                        supplementalGroups: [4000],
                        supplementalGroupsPolicy: "Strict",
                        sysctls: [{ name: "net.core.somaxconn", value: "1024" }],
                        seLinuxOptions: { level: "s0" },
                        seccompProfile: { type: "Localhost", localhostProfile: "x.json" },
                    },
                }),
            ),
        );
        expect(problemPaths(error)).toEqual([
            "spec.securityContext.fsGroup",
            "spec.securityContext.fsGroupChangePolicy",
            "spec.securityContext.seLinuxOptions",
            "spec.securityContext.seccompProfile",
            "spec.securityContext.supplementalGroups",
            "spec.securityContext.supplementalGroupsPolicy",
            "spec.securityContext.sysctls",
        ]);
        expect(error.message).toContain("spec.securityContext.fsGroup: is not supported: Docker does not change the ownership of volumes");
    });

    it("maps a container's runAsNonRoot without runAsUser: the image's user is checked at up", () => {
        const { args, warnings } = podArgsFromManifest(
            pod({ containers: [{ name: "a", image: "busybox", securityContext: { runAsNonRoot: true } }] }),
        );
        expect(warnings).toEqual([]);
        expect(args.containers![0].securityContext).toEqual({ runAsNonRoot: true });
        expect(checkPod("p", args).containers[0].security).toEqual({ runAsNonRoot: true });
        // A root uid with runAsNonRoot is checkPod's to refuse.
        const root = podArgsFromManifest(
            pod({ containers: [{ name: "a", image: "busybox", securityContext: { runAsNonRoot: true, runAsUser: 0 } }] }),
        );
        expect(problemPaths(thrown(() => checkPod("p", root.args)))).toEqual(["containers[0].securityContext.runAsUser"]);
    });

    it("maps privileged; checkPod refuses it unless the host allows it", () => {
        const text = pod({ containers: [{ name: "a", image: "busybox", securityContext: { privileged: true } }] });
        const { args } = podArgsFromManifest(text);
        expect(args.containers![0].securityContext).toEqual({ privileged: true });
        const error = thrown(() => checkPod("p", args));
        expect(problemPaths(error)).toEqual(["containers[0].securityContext.privileged"]);
        expect(error.message).toContain("host.allowPrivileged");
        const allowed = podArgsFromManifest(text, { host: { allowPrivileged: true } });
        expect(checkPod("p", allowed.args).containers[0].security).toEqual({ privileged: true });
    });
});

describe("podArgsFromManifest: not a Pod manifest", () => {
    it("refuses another kind, naming it", () => {
        const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n";
        const error = thrown(() => podArgsFromManifest(deployment));
        expect(error).toBeInstanceOf(ManifestError);
        expect(error.message).toMatch(/^manifest: kind is "Deployment", but only a Pod \(apiVersion: v1, kind: Pod\)/);
        expect(error.message).toContain("spec.template");
        expect(() => podArgsFromManifest("apiVersion: v1\nkind: List\nitems: []\n")).toThrow(/kind is "List".*one item/);
        expect(() => podArgsFromManifest("apiVersion: v2\nkind: Pod\nmetadata:\n  name: p\n")).toThrow(
            /apiVersion is "v2": a Pod is apiVersion: v1/,
        );
        expect(() => podArgsFromManifest("metadata:\n  name: p\n")).toThrow(/kind is missing/);
        expect(() => podArgsFromManifest("- a\n- b\n")).toThrow(/expected a Pod manifest .* got a list/);
    });

    it("requires metadata.name, as a DNS-1123 label", () => {
        const noName = "apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: web-\nspec:\n  containers: [{name: a, image: b}]\n";
        const error = thrown(() => podArgsFromManifest(noName));
        expect(error).toBeInstanceOf(ManifestError);
        expect(error.message).toMatch(/^manifest: metadata.name is required/);
        expect(() => podArgsFromManifest(noName.replace("generateName: web-", "name: Web_1"))).toThrow(
            /metadata.name "Web_1" is not a valid pod name/,
        );
    });

    it("reports a YAML syntax error with its line number", () => {
        const text = TUTORIAL_POD.replace("      image: curlimages/curl:8.3.0", "      image: curlimages/curl:8.3.0: bad");
        const error = thrown(() => podArgsFromManifest(text));
        expect(error).toBeInstanceOf(ManifestError);
        expect(error.message).toMatch(/^manifest: YAML syntax error at line 15: Nested mappings are not allowed/);
        const dup = thrown(() => podArgsFromManifest("apiVersion: v1\nkind: Pod\nkind: Pod\n"));
        expect(dup.message).toMatch(/^manifest: YAML syntax error at line 3: Map keys must be unique/);
    });

    it("wants exactly one YAML document", () => {
        expect(() => podArgsFromManifest("# nothing\n")).toThrow(/the YAML text is empty/);
        expect(() => podArgsFromManifest(`${TUTORIAL_POD}---\n${TUTORIAL_POD}`)).toThrow(/has 2 documents/);
        expect(podArgsFromManifest(`---\n${TUTORIAL_POD}`).name).toBe("foo");
    });
});

describe("podArgsFromManifest: values and overrides", () => {
    it("turns YAML number quantities into strings", () => {
        const text = TUTORIAL_POD.replace('memory: "256Mi"', "memory: 268435456\n          cpu: 0.5");
        expect(podArgsFromManifest(text).args.containers![0].resources).toEqual({ limits: { memory: "268435456", cpu: "0.5" } });
    });

    it("merges the Docker-host overrides on top", () => {
        const host = { cgroupDriver: "cgroupfs" as const, parentSlice: "/pods", sudo: true };
        const { name, args } = podArgsFromManifest(TUTORIAL_POD, {
            host,
            sandboxImage: "registry.k8s.io/pause:3.10",
            podName: "foo-2",
            resources: { limits: { memory: "1Gi" } },
            labels: undefined,
        });
        expect(name).toBe("foo");
        expect(args).toEqual({
            ...SEED_ARGS,
            podName: "foo-2",
            host,
            sandboxImage: "registry.k8s.io/pause:3.10",
            resources: { limits: { memory: "1Gi" } },
        });
        expect(checkPod(name, args).slice.cgroupParent).toBe("/pods/foo-2");
    });
});

describe("manifestFromArgs", () => {
    it("quotes every string a YAML 1.1 reader (kubectl's) or a 1.2 one would take for something else", async () => {
        const tricky = [
            "yes",
            "on",
            "no",
            "off",
            "y",
            "n",
            "0x1F",
            "1e3",
            "~",
            "2001-12-14",
            "0o7",
            "012",
            "1_000",
            ".inf",
            "null",
            "true",
        ];
        const labels = Object.fromEntries(
            tricky.filter((v) => /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(v)).map((v, i) => [`k${i}`, v]),
        );
        const text = await resolve(
            manifestFromArgs("web", {
                labels,
                containers: [{ name: "app", image: "nginx:1.27", env: tricky.map((value, i) => ({ name: `V${i}`, value })) }],
            }),
        );
        for (const version of ["1.1", "1.2"] as const) {
            const back = parse(text, { version });
            expect(back.spec.containers[0].env.map((e: { value: unknown }) => e.value)).toEqual(tricky);
            expect(back.metadata.labels).toEqual(labels);
        }
        schemaValid(text);
    });

    it("writes the seed pod as the tutorial's manifest, without defaults", async () => {
        const text = await resolve(manifestFromArgs("foo", SEED_ARGS));
        expect(parse(text)).toEqual(parse(TUTORIAL_POD));
        schemaValid(text);
    });

    it("names the pod by podName, and resolves Input images and commands", async () => {
        const text = await resolve(
            manifestFromArgs("resource", {
                podName: "web",
                labels: { app: "web" },
                containers: [
                    {
                        name: "app",
                        image: pulumi.output("nginx:1.27"),
                        command: [pulumi.output("nginx")],
                        args: [Promise.resolve("-g"), "daemon off;"],
                    },
                ],
            }),
        );
        expect(parse(text)).toEqual({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "web", labels: { app: "web" } },
            spec: { containers: [{ name: "app", image: "nginx:1.27", command: ["nginx"], args: ["-g", "daemon off;"] }] },
        });
    });

    it("writes secret env values as secretKeyRefs, never as text", async () => {
        const output = manifestFromArgs("foo", {
            containers: [
                {
                    name: "app",
                    image: "nginx:alpine",
                    env: [
                        { name: "DB_PASSWORD", value: pulumi.secret("hunter2") },
                        { name: "PLAIN", value: "visible" },
                    ],
                },
                {
                    name: "worker",
                    image: "busybox",
                    env: [{ name: "DB_PASSWORD", value: pulumi.output("s3cret").apply((v) => pulumi.secret(v)) }],
                },
            ],
        });
        const text = await resolve(output);
        expect(text).not.toContain("hunter2");
        expect(text).not.toContain("s3cret");
        expect(parse(text).spec.containers.map((c: { env: unknown }) => c.env)).toEqual([
            [
                { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "foo-env", key: "app.DB_PASSWORD" } } },
                { name: "PLAIN", value: "visible" },
            ],
            [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "foo-env", key: "worker.DB_PASSWORD" } } }],
        ]);
        // The text holds no secret, so the Output need not be one.
        expect(await pulumi.isSecret(output)).toBe(false);
        expect(manifestSecretName("foo")).toBe("foo-env");
        expect(manifestSecretKey("app", "DB_PASSWORD")).toBe("app.DB_PASSWORD");
        schemaValid(text);
        // Reading it back refuses those variables: their values are not in the manifest.
        const error = thrown(() => podArgsFromManifest(text));
        expect(problemPaths(error)).toEqual(["spec.containers[0].env[0].valueFrom", "spec.containers[1].env[0].valueFrom"]);
        expect(error.message).toContain(`a secret value dockerpod wrote out (Secret "foo-env", key "app.DB_PASSWORD")`);
    });

    it("keeps the manifest secret when a written value is secret", async () => {
        const output = manifestFromArgs("foo", { containers: [{ name: "app", image: pulumi.secret("registry.example.com/private:1") }] });
        expect(await pulumi.isSecret(output)).toBe(true);
    });

    it("refuses args checkPod refuses", () => {
        expect(() => manifestFromArgs("Bad_Name", SEED_ARGS)).toThrow(PodSpecError);
    });

    it("writes DNS settings, host aliases and the pod's security defaults", async () => {
        const text = await resolve(
            manifestFromArgs("foo", {
                ...SEED_ARGS,
                dnsConfig: { nameservers: ["10.0.0.53"], searches: ["corp.example.com"], options: [{ name: "ndots", value: "2" }] },
                hostAliases: [{ ip: "10.0.0.10", hostnames: ["db"] }],
                securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true },
            }),
        );
        schemaValid(text);
        const spec = parse(text).spec;
        expect(spec.dnsPolicy).toBe("None");
        expect(spec.dnsConfig).toEqual({
            nameservers: ["10.0.0.53"],
            searches: ["corp.example.com"],
            options: [{ name: "ndots", value: "2" }],
        });
        expect(spec.hostAliases).toEqual([{ ip: "10.0.0.10", hostnames: ["db"] }]);
        expect(spec.securityContext).toEqual({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
        expect(spec.containers.map((c: { securityContext?: unknown }) => c.securityContext)).toEqual([undefined, undefined]);
        // Without name servers the host's (the cluster's) stay: no dnsPolicy.
        const searchOnly = parse(await resolve(manifestFromArgs("foo", { ...SEED_ARGS, dnsConfig: { searches: ["corp.example.com"] } })));
        expect(searchOnly.spec.dnsPolicy).toBeUndefined();
        expect(searchOnly.spec.dnsConfig).toEqual({ searches: ["corp.example.com"] });
    });

    it("writes pod-level fields a Pod has only per container into each container, where it does not set them", async () => {
        const text = await resolve(
            manifestFromArgs("foo", {
                host: { allowPrivileged: true },
                securityContext: {
                    runAsUser: 1000,
                    readOnlyRootFilesystem: true,
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                },
                containers: [
                    { name: "app", image: "nginx:alpine" },
                    // Privileged needs its own allowPrivilegeEscalation: true under the pod's false (as in Kubernetes).
                    {
                        name: "tool",
                        image: "busybox",
                        securityContext: {
                            privileged: true,
                            allowPrivilegeEscalation: true,
                            readOnlyRootFilesystem: false,
                            capabilities: { add: ["NET_ADMIN"] },
                        },
                    },
                ],
                initContainers: [{ name: "init", image: "busybox", securityContext: { runAsNonRoot: true } }],
            }),
        );
        schemaValid(text);
        const spec = parse(text).spec;
        expect(spec.securityContext).toEqual({ runAsUser: 1000 });
        expect(spec.containers[0].securityContext).toEqual({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
        expect(spec.containers[1].securityContext).toEqual({
            readOnlyRootFilesystem: false,
            allowPrivilegeEscalation: true,
            capabilities: { add: ["NET_ADMIN"] },
            privileged: true,
        });
        expect(spec.initContainers[0].securityContext).toEqual({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            runAsNonRoot: true,
        });
    });

    it("names the Docker-host-only fields it leaves out in one comment line at the top", async () => {
        const text = await resolve(
            manifestFromArgs("foo", {
                networks: [{ name: "backend", aliases: ["foo"] }],
                initContainers: [{ name: "init", image: "busybox", files: [{ path: "/etc/init.conf", content: "x" }] }],
                containers: [
                    {
                        name: "app",
                        image: "nginx:alpine",
                        files: [{ path: "/etc/nginx/conf.d/default.conf", content: pulumi.secret("server {}") }],
                    },
                    { name: "sidecar", image: "busybox", files: [] },
                    { name: "worker", image: "busybox", files: [{ path: "/etc/worker.conf", content: "y", mode: 0o600 }] },
                ],
                host: { cgroupDriver: "cgroupfs" },
                sandboxImage: "registry.k8s.io/pause:3.10",
            }),
        );
        const lines = text.split("\n");
        expect(lines[0]).toBe(
            "# dockerpod: not carried: networks, initContainers[0].files, containers[0].files, containers[2].files (Docker-host only)",
        );
        expect(lines.slice(1).some((l) => l.startsWith("#"))).toBe(false);
        expect(lines[1]).toBe("apiVersion: v1");
        // Neither the files nor the host are in it; the text is still one valid Pod.
        expect(text).not.toMatch(/server \{\}|init\.conf|worker\.conf|backend|cgroupfs|pause:3\.10/);
        schemaValid(text);
        expect(podArgsFromManifest(text).args.containers!.map((c) => c.name)).toEqual(["app", "sidecar", "worker"]);
        expect(fieldsNotCarried(checkPod("foo", SEED_ARGS))).toEqual([]);
        expect(await resolve(manifestFromArgs("foo", { ...SEED_ARGS, networks: [] }))).not.toMatch(/^#/);
    });

    it("places every DockerPodArgs and Container field, or says why it is not carried", () => {
        expect(
            Object.entries(MANIFEST_FIELDS)
                .filter(([, v]) => v.startsWith("not carried"))
                .map(([k]) => k)
                .sort(),
        ).toEqual(["guardianImage", "heal", "host", "networks", "proberImage", "sandboxImage"]);
        expect(
            Object.entries(MANIFEST_CONTAINER_FIELDS)
                .filter(([, v]) => v.startsWith("not carried"))
                .map(([k]) => k),
        ).toEqual(["files"]);
    });
});

describe("round trips: manifestFromArgs, then podArgsFromManifest", () => {
    const host = { cgroupDriver: "cgroupfs" as const, parentSlice: "/pods" };
    const pods: [string, string, DockerPodArgs][] = [
        ["the tutorial's seed pod", "foo", SEED_ARGS],
        [
            "every mapped field",
            "full-resource",
            {
                podName: "full",
                heal: true,
                guardianImage: "docker:28-cli",
                labels: { app: "full", "example.com/team": "core" },
                hostname: "full-host",
                shareProcessNamespace: true,
                hostIPC: false,
                hostPID: false,
                restartPolicy: "OnFailure",
                terminationGracePeriodSeconds: 5,
                resources: { limits: { memory: "1Gi", cpu: "2" } },
                volumes: [
                    { name: "scratch", emptyDir: {} },
                    { name: "conf", hostPath: { path: "/srv/full/conf" } },
                ],
                initContainers: [
                    {
                        name: "init",
                        image: "busybox:1.36",
                        imagePullPolicy: "Always",
                        command: ["sh", "-c", "echo hi > /scratch/hi"],
                        volumeMounts: [{ name: "scratch", mountPath: "/scratch" }],
                    },
                ],
                containers: [
                    {
                        name: "app",
                        image: "nginx:1.27-alpine",
                        imagePullPolicy: "IfNotPresent",
                        command: ["nginx"],
                        args: ["-g", "daemon off;"],
                        env: [
                            { name: "MODE", value: "prod" },
                            { name: "EMPTY", value: "" },
                            { name: "QUOTED", value: "a: b # c" },
                        ],
                        ports: [
                            { containerPort: 80, hostPort: 8080, hostIP: "127.0.0.1", protocol: "TCP", name: "http" },
                            { containerPort: 53, protocol: "UDP" },
                        ],
                        resources: { limits: { memory: "256Mi", cpu: "500m" }, requests: { memory: "64Mi", cpu: "100m" } },
                        volumeMounts: [
                            { name: "scratch", mountPath: "/scratch" },
                            { name: "conf", mountPath: "/etc/nginx/conf.d", readOnly: true },
                        ],
                        workingDir: "/srv",
                        readinessProbe: {
                            exec: { command: ["wget", "-q", "-O-", "http://127.0.0.1/"] },
                            initialDelaySeconds: 1,
                            periodSeconds: 2,
                            timeoutSeconds: 3,
                            failureThreshold: 4,
                        },
                        livenessProbe: { exec: { command: ["pgrep", "nginx"] }, periodSeconds: 20, failureThreshold: 2 },
                        securityContext: {
                            runAsUser: 101,
                            runAsGroup: 101,
                            readOnlyRootFilesystem: true,
                            allowPrivilegeEscalation: false,
                            capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                        },
                    },
                    {
                        name: "sidecar",
                        image: "busybox:1.36",
                        command: [],
                        args: ["sleep", "infinity"],
                        env: [],
                        resources: {},
                    },
                ],
            },
        ],
        [
            "a host-network pod",
            "edge",
            {
                hostNetwork: true,
                restartPolicy: "Never",
                terminationGracePeriodSeconds: 0,
                containers: [{ name: "proxy", image: "haproxy:3.0", ports: [{ containerPort: 8443, hostPort: 8443 }] }],
            },
        ],
        [
            "a pod with Docker-host fields",
            "hosted",
            {
                host,
                sandboxImage: "registry.k8s.io/pause:3.10",
                containers: [{ name: "app", image: "busybox", args: ["sleep", "1d"] }],
            },
        ],
        [
            "a pod with DNS, host aliases and security defaults",
            "dns",
            {
                host: { allowPrivileged: true },
                dnsConfig: {
                    nameservers: ["10.0.0.53", "fd00::53"],
                    searches: ["corp.example.com"],
                    options: [{ name: "ndots", value: "2" }, { name: "edns0" }],
                },
                hostAliases: [
                    { ip: "10.0.0.10", hostnames: ["db", "db.corp.example.com"] },
                    { ip: "10.0.0.11", hostnames: ["cache"] },
                ],
                securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true },
                containers: [
                    { name: "app", image: "nginx:alpine", securityContext: { runAsNonRoot: true, runAsUser: 101 } },
                    { name: "tool", image: "busybox", args: ["sleep", "1d"], securityContext: { privileged: true, runAsNonRoot: false } },
                ],
            },
        ],
        [
            "a pod with DNS searches only",
            "search",
            {
                dnsConfig: { searches: ["corp.example.com"] },
                containers: [{ name: "app", image: "busybox", args: ["sleep", "1d"], securityContext: { runAsNonRoot: true } }],
            },
        ],
    ];

    it.each(pods)("%s gives the same checkPod result", async (_, name, args) => {
        const text = await resolve(manifestFromArgs(name, args));
        schemaValid(text);
        expect(text).not.toMatch(/^#/);
        const overrides = { host: args.host, sandboxImage: args.sandboxImage, heal: args.heal, guardianImage: args.guardianImage };
        const back = podArgsFromManifest(text, overrides);
        expect(back.warnings).toEqual([]);
        expect(back.name).toBe(args.podName ?? name);
        expect(checkPod(back.name, back.args)).toEqual(checkPod(name, args));
        // And the manifest of the read-back args is the same text.
        expect(await resolve(manifestFromArgs(back.name, back.args))).toBe(text);
    });

    it("pod-level fields written per container come back per container, with the same effective settings", async () => {
        const args: DockerPodArgs = {
            securityContext: {
                runAsUser: 1000,
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
            },
            containers: [
                { name: "app", image: "nginx:alpine" },
                { name: "tool", image: "busybox", securityContext: { runAsUser: 2000, capabilities: { add: ["NET_ADMIN"] } } },
            ],
        };
        const text = await resolve(manifestFromArgs("foo", args));
        const back = podArgsFromManifest(text);
        expect(back.warnings).toEqual([]);
        expect(back.args.securityContext).toEqual({ runAsUser: 1000 });
        const security = (a: DockerPodArgs) => checkPod("foo", a).containers.map((c) => c.security);
        expect(security(back.args)).toEqual(security(args));
        expect(await resolve(manifestFromArgs(back.name, back.args))).toBe(text);
    });

    it("Docker-host-only fields are named, and the rest reads back the same", async () => {
        const args: DockerPodArgs = {
            ...SEED_ARGS,
            networks: [{ name: "backend" }],
            containers: [{ ...SEED_ARGS.containers![0], files: [{ path: "/etc/app.conf", content: "x" }] }, SEED_ARGS.containers![1]],
        };
        const text = await resolve(manifestFromArgs("foo", args));
        expect(text.split("\n")[0]).toBe("# dockerpod: not carried: networks, containers[0].files (Docker-host only)");
        const back = podArgsFromManifest(text, { networks: args.networks });
        // Networks came back as an override; the files did not, and the reader says so.
        expect(back.warnings).toEqual([
            "manifest: written by dockerpod without containers[0].files (Docker-host only): the pod has them only if the args give them again",
        ]);
        expect(back.args).toEqual({ ...SEED_ARGS, podName: "foo", networks: [{ name: "backend" }] });
        expect(podArgsFromManifest(text).warnings).toEqual([
            "manifest: written by dockerpod without networks, containers[0].files (Docker-host only): the pod has them only if the args give them again",
        ]);
        expect(podArgsFromManifest(text, { networks: args.networks, containers: args.containers }).warnings).toEqual([]);
    });

    it("the kubectl fixture's args write a manifest that reads back the same", async () => {
        const first = podArgsFromManifest(KUBECTL_POD);
        const text = await resolve(manifestFromArgs(first.name, first.args));
        schemaValid(text);
        const back = podArgsFromManifest(text);
        expect(back.warnings).toEqual([]);
        // Written from the pod's spec: the same pod comes back (the args may spell it otherwise), and writes the same text.
        expect(checkPod(back.name, back.args)).toEqual(checkPod(first.name, first.args));
        expect(await resolve(manifestFromArgs(back.name, back.args))).toBe(text);
    });
});
