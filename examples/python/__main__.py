"""The tutorial's pod from Python, through the dockerpod component provider.

`pulumi package add ../../provider` generates the Python SDK (`pulumi_dockerpod`)
into sdks/dockerpod from the provider's schema; see README.md.
"""
import pulumi
import pulumi_dockerpod as dockerpod

# The same optional config as examples/seed-pod, for a host without Docker Hub or with port 8080 taken:
# appImage, sidecarImage, sandboxImage, hostPort, cgroupDriver.
config = pulumi.Config()
# A secret env value stays secret: in the container's state, and never shown in the summary.
greeting = config.get_secret("greeting") or pulumi.Output.secret("hello from dockerpod")

pod = dockerpod.DockerPod(
    "foo",
    resources=dockerpod.PodResourcesArgs(
        limits=dockerpod.ResourceListArgs(memory="512Mi", cpu="500m"),
    ),
    sandbox_image=config.get("sandboxImage"),
    containers=[
        dockerpod.ContainerArgs(
            name="app",
            image=config.get("appImage") or "nginx:alpine",
            ports=[dockerpod.ContainerPortArgs(container_port=80, host_port=config.get_int("hostPort") or 8080)],
            resources=dockerpod.ResourceRequirementsArgs(
                limits=dockerpod.ResourceListArgs(memory="256Mi"),
            ),
        ),
        dockerpod.ContainerArgs(
            name="sidecar",
            image=config.get("sidecarImage") or "curlimages/curl:8.3.0",
            command=["/bin/sleep", "3650d"],
            env=[dockerpod.EnvVarArgs(name="GREETING", value=greeting)],
            resources=dockerpod.ResourceRequirementsArgs(
                limits=dockerpod.ResourceListArgs(memory="128Mi"),
            ),
        ),
    ],
    # `pulumi config set cgroupDriver cgroupfs` on a host whose dockerd uses cgroupfs.
    host=dockerpod.HostArgs(cgroup_driver=config.get("cgroupDriver") or "systemd"),
)

pulumi.export("pod_name", pod.pod_name)
pulumi.export("cgroup_parent", pod.cgroup_parent)
pulumi.export("container_ids", pod.container_ids)
pulumi.export("summary", pod.summary)
pulumi.export("manifest", pod.manifest)
