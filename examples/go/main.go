// The tutorial's pod from Go, through the dockerpod component provider.
//
// The dockerpod package is the Go SDK `pulumi install` (or `pulumi package add
// ../../provider`) generates from the provider's schema into sdks/dockerpod;
// go.mod points the import at it with a replace directive. See README.md.
package main

import (
	"example.com/pulumi-dockerpod/sdk/go/dockerpod"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// The same optional config as examples/seed-pod, for a host without Docker Hub or with
		// port 8080 taken: appImage, sidecarImage, sandboxImage, hostPort, cgroupDriver.
		cfg := config.New(ctx, "")
		orDefault := func(key, fallback string) string {
			if value := cfg.Get(key); value != "" {
				return value
			}
			return fallback
		}
		hostPort := cfg.GetInt("hostPort")
		if hostPort == 0 {
			hostPort = 8080
		}
		var sandboxImage *string
		if image := cfg.Get("sandboxImage"); image != "" {
			sandboxImage = &image
		}
		// The pod's shape is plain Go values (names, ports, limits are planned at preview);
		// images, commands, args and env values take a pulumi.StringInput, which may be computed.
		pod, err := dockerpod.NewDockerPod(ctx, "foo", &dockerpod.DockerPodArgs{
			Resources:    &dockerpod.PodResourcesArgs{Limits: &dockerpod.ResourceListArgs{Memory: ptr("512Mi"), Cpu: ptr("500m")}},
			SandboxImage: sandboxImage,
			Containers: []dockerpod.ContainerArgs{
				{
					Name:      "app",
					Image:     pulumi.String(orDefault("appImage", "nginx:alpine")),
					Ports:     []dockerpod.ContainerPortArgs{{ContainerPort: 80, HostPort: &hostPort}},
					Resources: &dockerpod.ResourceRequirementsArgs{Limits: &dockerpod.ResourceListArgs{Memory: ptr("256Mi")}},
				},
				{
					Name:      "sidecar",
					Image:     pulumi.String(orDefault("sidecarImage", "curlimages/curl:8.3.0")),
					Command:   []pulumi.StringInput{pulumi.String("/bin/sleep"), pulumi.String("3650d")},
					Resources: &dockerpod.ResourceRequirementsArgs{Limits: &dockerpod.ResourceListArgs{Memory: ptr("128Mi")}},
				},
			},
			// `pulumi config set cgroupDriver cgroupfs` on a host whose dockerd uses cgroupfs.
			Host: &dockerpod.HostArgs{CgroupDriver: ptr(dockerpod.CgroupDriver(orDefault("cgroupDriver", string(dockerpod.CgroupDriverSystemd))))},
		})
		if err != nil {
			return err
		}
		ctx.Export("podName", pod.PodName)
		ctx.Export("cgroupParent", pod.CgroupParent)
		ctx.Export("containerIds", pod.ContainerIds)
		ctx.Export("summary", pod.Summary)
		return nil
	})
}

// ptr is the address of a copy of v: the SDK takes optional plain fields as pointers.
func ptr[T any](v T) *T { return &v }
