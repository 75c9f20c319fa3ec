import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Problems } from "../../../sdk/core/errors";
import { cgroupfsMarkFile } from "../../../sdk/core/names";
import {
    ownerMark,
    renderImageUserCheck,
    renderSliceScripts,
    renderSliceUnit,
    renderVolumeModes,
    sliceIdentity,
} from "../../../sdk/core/render";
import { checkSlice } from "../../../sdk/core/slice";
import { Host, PodResources } from "../../../sdk";

function slice(podName: string, resources?: PodResources, host?: Host) {
    const problems = new Problems();
    const spec = checkSlice(problems, podName, resources, host);
    expect(problems.list).toEqual([]);
    return spec;
}

const seedLimits = { limits: { memory: "512Mi", cpu: "500m" } };
const owner = ownerMark("demo", "dev", "foo");

describe("slice unit", () => {
    test("the seed pod's unit", () => {
        expect(renderSliceUnit(slice("foo", seedLimits), owner)).toMatchSnapshot();
    });

    // systemd-analyze exits 0 on unknown keys; any output at all is a failure.
    test.each([
        ["seed limits", seedLimits],
        ["no limits", undefined],
        ["fractional cpu", { limits: { cpu: "1505m", memory: "1Gi" } }],
        ["decimal memory", { limits: { memory: "100M" } }],
    ])("passes systemd-analyze verify with no output: %s", (_what, resources) => {
        const spec = slice("web-1", resources);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-unit-"));
        const file = path.join(dir, spec.cgroupParent);
        fs.writeFileSync(file, renderSliceUnit(spec, owner));
        const result = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
        expect(result.error).toBeUndefined();
        expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({ status: 0, output: "" });
        fs.rmSync(dir, { recursive: true });
    });

    test("the owner mark refuses odd project names", () => {
        expect(() => ownerMark("my project", "dev", "foo")).toThrow(/project "my project"/);
    });
});

describe("slice scripts", () => {
    const cases: [string, ReturnType<typeof slice>][] = [
        ["systemd", slice("foo", seedLimits)],
        ["systemd with sudo", slice("foo", seedLimits, { sudo: true })],
        ["cgroupfs", slice("foo", seedLimits, { cgroupDriver: "cgroupfs" })],
        ["cgroupfs without limits", slice("foo", undefined, { cgroupDriver: "cgroupfs", parentSlice: "/pods/team-a" })],
    ];

    test.each(cases)("%s: snapshot", (_what, spec) => {
        expect(renderSliceScripts(spec, owner)).toMatchSnapshot();
    });

    test.each(cases)("%s: valid POSIX sh", (_what, spec) => {
        const scripts = renderSliceScripts(spec, owner);
        for (const script of [scripts.apply, scripts.delete]) {
            expect(() => execFileSync("sh", ["-n"], { input: script })).not.toThrow();
        }
    });

    test("identity names driver and cgroup parent; limits are not part of it", () => {
        expect(sliceIdentity(slice("foo", seedLimits))).toBe("systemd:dockerpod-foo.slice");
        expect(sliceIdentity(slice("foo", undefined))).toBe("systemd:dockerpod-foo.slice");
        expect(sliceIdentity(slice("foo", undefined, { cgroupDriver: "cgroupfs" }))).toBe("cgroupfs:/dockerpod/foo");
    });

    test("the cgroupfs owner mark lives outside cgroupfs, one file per pod path", () => {
        expect(cgroupfsMarkFile("/dockerpod/foo")).toBe("/run/dockerpod/owners/dockerpod:foo");
        expect(cgroupfsMarkFile("/dockerpod_foo")).not.toBe(cgroupfsMarkFile("/dockerpod/foo"));
    });

    test("a systemd limit change reaches the running slice live", () => {
        const scripts = renderSliceScripts(slice("foo", seedLimits), owner);
        expect(scripts.apply).toContain(`systemctl set-property --runtime -- "$CGROUP_PARENT" MemoryMax=536870912 CPUQuota=50%`);
        const unlimited = renderSliceScripts(slice("foo"), owner);
        expect(unlimited.apply).toContain(`set-property --runtime -- "$CGROUP_PARENT" MemoryMax=infinity CPUQuota=`);
    });
});

describe("image user check", () => {
    // A stand-in `docker` that reports the image's user, so the script's decision is tested as it runs.
    function runCheck(imageUser: string) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-user-"));
        // It answers only when the image comes after `--`, where no value can pass for an option.
        fs.writeFileSync(
            path.join(dir, "docker"),
            `#!/bin/sh\n[ "$5" = "--" ] && [ "$6" = "sha256:abc; reboot" ] || exit 9\necho '${imageUser}'\n`,
            { mode: 0o755 },
        );
        const result = spawnSync("sh", ["-c", renderImageUserCheck("foo-app", "sha256:abc; reboot", false)], {
            encoding: "utf8",
            env: { PATH: `${dir}:${process.env.PATH}` },
        });
        fs.rmSync(dir, { recursive: true });
        return result;
    }

    // As the kubelet decides: a numeric uid other than 0; a name cannot be verified.
    test.each([
        ["", /image sha256:abc; reboot sets no USER, so it runs as root/],
        ["0", /runs as uid 0, which is root/],
        ["00", /runs as uid 00, which is root/],
        ["0000:1000", /runs as uid 0000, which is root/],
        ["0:0", /runs as uid 0, which is root/],
        ["root", /runs as user 'root', a name that cannot be verified/],
        ["toor", /runs as user 'toor', a name that cannot be verified/],
        ["nobody", /runs as user 'nobody', a name that cannot be verified/],
        ["root:wheel", /runs as user 'root', a name/],
        ["-1", /runs as user '-1', a name/],
    ])("refuses an image whose user is %j", (user, reason) => {
        const result = runCheck(user);
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(/container foo-app sets runAsNonRoot but its image sha256:abc; reboot /);
        expect(result.stderr).toMatch(reason);
    });

    test.each(["1000", "1000:1000", "0100", "65534:0"])("accepts %j", (user) => {
        expect(runCheck(user).status).toBe(0);
    });
});

describe("emptyDir volumes opened to every user", () => {
    test("the script, as rendered (with host.dockerSocket: docker -H)", () => {
        expect(renderVolumeModes(["foo-data", "foo-cache"], true)).toMatchSnapshot();
        expect(renderVolumeModes(["foo-data"], false, "/run/docker-b.sock")).toContain(
            `dir=$($SUDO docker -H 'unix:///run/docker-b.sock' volume inspect`,
        );
        expect(spawnSync("sh", ["-n", "-c", renderVolumeModes(["foo-data"], false)]).status).toBe(0);
    });

    test("chmods each volume's mountpoint to 0777, and fails naming the volume", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-volumes-"));
        fs.mkdirSync(path.join(dir, "foo-data"), { mode: 0o755 });
        // A stand-in `docker volume inspect --format X -- NAME` that answers with a directory per volume,
        // or fails for an unknown one (and for a name not after `--`).
        fs.writeFileSync(path.join(dir, "docker"), `#!/bin/sh\n[ "$5" = "--" ] && [ -d "${dir}/$6" ] || exit 1\necho "${dir}/$6"\n`, {
            mode: 0o755,
        });
        const run = (volumes: string[]) =>
            spawnSync("sh", ["-c", renderVolumeModes(volumes, false)], {
                encoding: "utf8",
                env: { PATH: `${dir}:${process.env.PATH}` },
            });
        try {
            const ok = run(["foo-data"]);
            expect([ok.status, ok.stderr]).toEqual([0, ""]);
            expect(fs.statSync(path.join(dir, "foo-data")).mode & 0o7777).toBe(0o777);
            const missing = run(["foo-gone"]);
            expect(missing.status).toBe(1);
            expect(missing.stderr).toContain("dockerpod: could not inspect volume foo-gone");
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });
});

describe("the systemd slice script never takes over a slice that is not the pod's", () => {
    // Stand-ins for every command the script runs: systemd answers as told; the rest logs and succeeds.
    function applyWith(active: string, fragment: string) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-takeover-"));
        const stub = (name: string, body: string) =>
            fs.writeFileSync(path.join(dir, name), `#!/bin/sh\necho "${name} $*" >> ${dir}/log\n${body}\n`, { mode: 0o755 });
        stub("id", `echo 0`);
        stub("docker", `echo systemd`);
        stub("systemctl", `case " $* " in *" ActiveState "*) echo '${active}' ;; *" FragmentPath "*) echo '${fragment}' ;; esac`);
        stub("tee", `while read -r _; do :; done`);
        const result = spawnSync("/bin/sh", ["-c", renderSliceScripts(slice("takeover", seedLimits), owner).apply], {
            encoding: "utf8",
            env: { PATH: dir },
        });
        const log = fs.readFileSync(path.join(dir, "log"), "utf8");
        fs.rmSync(dir, { recursive: true });
        return { status: result.status, stderr: result.stderr, wrote: log.includes("tee ") || log.includes("set-property") };
    }

    test.each([
        ["a live transient slice", "active", ""],
        ["logind's slice of a logged-in user", "active", "/usr/lib/systemd/system/user-.slice"],
        ["a slice defined by a unit file elsewhere, not running", "inactive", "/usr/lib/systemd/system/dockerpod-takeover.slice"],
    ])("%s: refused, nothing written or changed", (_what, active, fragment) => {
        const run = applyWith(active, fragment);
        expect(run.status).toBe(1);
        expect(run.stderr).toMatch(/taking over dockerpod-takeover\.slice refused: systemd already has a slice of that name/);
        expect(run.wrote).toBe(false);
    });

    test("an unused, undefined slice name is the pod's to make", () => {
        const run = applyWith("inactive", "");
        expect([run.status, run.stderr]).toEqual([0, ""]);
        expect(run.wrote).toBe(true);
    });
});

describe("host.dockerApiVersion: checked against the daemon before anything is made", () => {
    // Stand-ins: docker answers `info` with the driver and `version` with the API version; the rest logs and succeeds.
    function applyWith(declared: string | undefined, daemonApi: string) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerpod-api-"));
        const stub = (name: string, body: string) =>
            fs.writeFileSync(path.join(dir, name), `#!/bin/sh\necho "${name} $*" >> ${dir}/log\n${body}\n`, { mode: 0o755 });
        stub("id", `echo 0`);
        stub("docker", `case "$1" in info) echo systemd ;; version) echo '${daemonApi}' ;; esac`);
        stub("systemctl", `case " $* " in *" ActiveState "*) echo inactive ;; *" FragmentPath "*) echo ;; esac`);
        stub("tee", `while read -r _; do :; done`);
        const host = { cgroupDriver: "systemd" as const, ...(declared ? { dockerApiVersion: declared } : {}) };
        const result = spawnSync("/bin/sh", ["-c", renderSliceScripts(slice("api", seedLimits, host), owner).apply], {
            encoding: "utf8",
            env: { PATH: dir },
        });
        const log = fs.readFileSync(path.join(dir, "log"), "utf8");
        fs.rmSync(dir, { recursive: true });
        return { status: result.status, stderr: result.stderr, asked: log.includes("docker version"), wrote: log.includes("tee ") };
    }

    test.each([
        ["1.45", "1.45"],
        ["1.45", "1.47"],
        ["1.41", "1.45"],
    ])("declared %s, daemon %s: made", (declared, daemon) => {
        expect(applyWith(declared, daemon)).toEqual({ status: 0, stderr: expect.any(String), asked: true, wrote: true });
    });

    test("a daemon older than declared is refused, naming the field and the daemon's version; nothing is written", () => {
        const run = applyWith("1.45", "1.41");
        expect(run.status).toBe(1);
        expect(run.stderr).toContain(
            `dockerpod: the Docker daemon's API is 1.41, older than host.dockerApiVersion 1.45: set host.dockerApiVersion to "1.41" or leave it unset`,
        );
        expect(run.wrote).toBe(false);
    });

    test("unset, the daemon is not asked (scripts of existing pods do not change)", () => {
        expect(applyWith(undefined, "1.41")).toMatchObject({ status: 0, asked: false });
    });

    test.each([
        ["1.45", true],
        ["1.44", false],
        ["1.41", false],
        [undefined, false],
    ])("declared %s: emptyDir noCopy %s", (declared, noCopy) => {
        expect(slice("nc", undefined, declared ? { dockerApiVersion: declared } : {}).host.emptyDirNoCopy).toBe(noCopy);
    });

    test.each([
        ["26.1", /is not an Engine API version: write what `docker version -f '\{\{.Server.APIVersion\}\}'` prints, e.g. "1.45"/],
        ["1.45; reboot", /is not an Engine API version/],
        ["1.40", /is older than dockerpod supports: it needs API 1.41 \(Docker 20.10\) or later/],
    ])("%j is refused at host.dockerApiVersion", (given, message) => {
        const problems = new Problems();
        checkSlice(problems, "nc", undefined, { dockerApiVersion: given });
        expect(problems.list).toEqual([{ path: "host.dockerApiVersion", message: expect.stringMatching(message) }]);
    });
});
