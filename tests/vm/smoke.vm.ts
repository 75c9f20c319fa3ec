// Hand-run check of the systemd test host (not in the main suite):
//   npx jest -c tests/vm/jest.config.js
// Boots the VM through tests/support/vm.ts and proves what the systemd-slice
// and remote-host tests will rely on.
import Docker from "dockerode";
import { useVm } from "../support/vm";

const BUSYBOX = "dockerpod-test/busybox:1";
const T = 180_000;

describe("the systemd test VM", () => {
    const vm = useVm();

    test(
        "boots systemd and reports its timings",
        async () => {
            const r = await vm().ssh("root", "systemctl is-system-running --wait; cat /proc/1/comm");
            expect(r.stdout).toMatch(/^(running|degraded)\nsystemd\n$/);
            process.stderr.write(`vm timings (s): ${JSON.stringify(vm().timings)}\n`);
        },
        T,
    );

    test(
        "dockerd runs the systemd cgroup driver on cgroup v2, reached from the host over SSH",
        async () => {
            for (const via of ["ssh", "socket"] as const) {
                const cli = await vm().docker(["info", "--format", "{{.CgroupDriver}} {{.CgroupVersion}} {{.Driver}}"], { via });
                expect(cli.stderr).toBe("");
                expect(cli.stdout.trim()).toMatch(/^systemd 2 (overlay2|vfs)$/);
                const info = await new Docker(vm().dockerodeOptions(via)).info();
                expect([info.CgroupDriver, String(info.CgroupVersion)]).toEqual(["systemd", "2"]);
            }
        },
        T,
    );

    test(
        "a slice with MemoryMax and CPUQuota=50% sets memory.max and cpu.max",
        async () => {
            const r = await vm().ssh(
                "root",
                [
                    "set -e",
                    "printf '[Slice]\\nMemoryMax=256M\\nCPUQuota=50%%\\n' >/etc/systemd/system/smoke.slice",
                    "systemctl daemon-reload",
                    "systemctl start smoke.slice",
                    "cat /sys/fs/cgroup/smoke.slice/memory.max /sys/fs/cgroup/smoke.slice/cpu.max",
                ].join("\n"),
            );
            expect(r).toMatchObject({ code: 0, stdout: "268435456\n50000 100000\n" });
        },
        T,
    );

    test(
        "a container under --cgroup-parent smoke.slice serves a published port",
        async () => {
            const run = await vm().docker([
                "run",
                "-d",
                "--name",
                "smoke-web",
                "--cgroup-parent",
                "smoke.slice",
                "-p",
                "127.0.0.1:18080:80",
                BUSYBOX,
                "sh",
                "-c",
                "echo hello-from-the-pod >/www/index.html && exec httpd -f -p 80 -h /www",
            ]);
            expect(run.code).toBe(0);
            const r = await vm().ssh(
                "root",
                [
                    "pid=$(docker inspect -f '{{.State.Pid}}' smoke-web)",
                    "grep -o 'smoke.slice/docker-[0-9a-f]*.scope' /proc/$pid/cgroup | cut -c1-19",
                    "for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -T 5 -O - http://127.0.0.1:18080/ && break; sleep 1; done",
                ].join("\n"),
            );
            expect(r.stdout).toBe("smoke.slice/docker-\nhello-from-the-pod\n");
            expect((await vm().docker(["rm", "-f", "smoke-web"])).code).toBe(0);
        },
        T,
    );

    test(
        "pod has password-less sudo but no docker group; nosudo has no sudo",
        async () => {
            const pod = await vm().ssh(
                "pod",
                "id -nG; sudo -n true && echo sudo-ok; docker info >/dev/null 2>&1 || echo no-docker; sudo -n docker info --format '{{.CgroupDriver}}'",
            );
            expect(pod).toMatchObject({ code: 0, stdout: "pod\nsudo-ok\nno-docker\nsystemd\n" });
            const nosudo = await vm().ssh("nosudo", "sudo -n true");
            expect(nosudo.code).not.toBe(0);
            expect(nosudo.stderr).toMatch(/password is required/);
        },
        T,
    );
});
