// The classes other languages get, as `dockerpod:index:<Class>`. The schema is
// inferred from their TypeScript Args interfaces and doc comments in ../sdk.
import { DockerPod, PayloadContainer, PodSlice, SandboxContainer } from "../sdk";

export { DockerPod, PayloadContainer, PodSlice, SandboxContainer };
export const components = [DockerPod, PodSlice, SandboxContainer, PayloadContainer];
