// Kubernetes Pod manifests in and out. `podArgsFromManifest` turns a v1 Pod
// (hand-written, or `kubectl get pod -o yaml` output) into DockerPodArgs;
// `manifestFromArgs` writes a pod's args back as a v1 Pod. Both are pure: the
// only Pulumi use is resolving Inputs when a manifest is written.
//
// Rules for reading a manifest:
// - every field is either mapped, ignored, or refused: none is dropped silently;
// - ignored: what a cluster fills in (status, uid, default tolerations, the
//   service-account token volume, ...) and values that are what Docker does
//   anyway (dnsPolicy, seccompProfile RuntimeDefault, ...). They are listed in
//   ONE warning, so `kubectl get pod -o yaml` output can be brought over as is;
// - refused: anything that would change the pod's behaviour and that dockerpod
//   cannot honour, and any field it does not know. They are listed, each by
//   its path, in ONE PodSpecError;
// - values are not checked here beyond the Kubernetes schema: checkPod
//   (pod.ts) checks them, with its own messages, when the DockerPod is made.
//
// Secret env values are written as `valueFrom.secretKeyRef` to the Secret
// `manifestSecretName(pod)`, never as text. Reading such a manifest back
// refuses those variables: a manifest cannot carry their values, so pass the
// args (with the secret Inputs) instead.
//
// What a written manifest does not carry (see MANIFEST_FIELDS, which the
// compiler keeps complete). The manifest stays ONE Pod: nothing becomes a
// ConfigMap, a Secret or a NetworkAttachmentDefinition.
// - `networks` and `containers[].files` / `initContainers[].files`: Docker-host
//   features with no Pod field. When set, the manifest's first line is a YAML
//   comment naming them, e.g.
//   `# dockerpod: not carried: networks, containers[0].files (Docker-host only)`;
// - `host`, `sandboxImage`, `heal` and `guardianImage`: the Docker host
//   itself, which a cluster replaces with its nodes, its own pause image and
//   its kubelet (livenessProbes are written). Never written, never named: pass
//   them as overrides when a manifest is read back;
// - pod-level `securityContext` fields that Kubernetes has only per container
//   (privileged, readOnlyRootFilesystem, allowPrivilegeEscalation,
//   capabilities) are carried, but written into each container that does not
//   set them itself: the pod behaves the same, and reads back per container.
export * from "./common";
export * from "./read";
export * from "./write";
