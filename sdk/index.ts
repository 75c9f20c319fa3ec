export * from "./types";
export { DockerPod, DockerPodChildren } from "./components/dockerPod";
export { PodSlice } from "./components/podSlice";
export { SandboxContainer, PayloadContainer } from "./components/containers";
export { PodSpecError } from "./core/errors";
