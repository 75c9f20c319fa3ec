// Docker's create options for a pulumi-docker Container, as the docker
// provider makes them from the Container's inputs (the realizer's model of it).
import Docker from "dockerode";

const MIB = 2 ** 20;

export function rejectUnknownIn(what: string, obj: Record<string, any> | undefined, known: string[]): void {
    const unknown = Object.keys(obj ?? {}).filter((k) => !known.includes(k));
    if (unknown.length > 0) throw new Error(`realizer: ${what} field(s) ${unknown.join(", ")} are not modelled`);
}

/** Parses a Go duration (`1m30s`, `500ms`, `10s`) to nanoseconds. */
export function goDurationNs(text: string | undefined): number {
    if (text === undefined || text === "" || text === "0") return 0;
    const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
    const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g;
    let total = 0;
    let consumed = "";
    for (const m of text.matchAll(re)) {
        total += Number(m[1]) * unit[m[2]];
        consumed += m[0];
    }
    if (consumed !== text) throw new Error(`realizer: "${text}" is not a Go duration`);
    return Math.round(total);
}

/** Docker's create options for a pulumi-docker Container's inputs (each input applied, as the provider does). */
export function containerCreateOptions(i: Record<string, any>): Docker.ContainerCreateOptions {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of (i.ports ?? []) as Record<string, any>[]) {
        rejectUnknownIn("ports", p, ["internal", "external", "ip", "protocol"]);
        const port = `${p.internal}/${p.protocol ?? "tcp"}`;
        exposed[port] = {};
        (bindings[port] ??= []).push({ HostIp: p.ip ?? "0.0.0.0", HostPort: p.external !== undefined ? String(p.external) : "" });
    }
    const mounts = ((i.mounts ?? []) as Record<string, any>[]).map((m) => {
        rejectUnknownIn("mounts", m, ["target", "source", "type", "readOnly", "bindOptions", "volumeOptions", "tmpfsOptions"]);
        const mount: Record<string, any> = { Target: m.target, Source: m.source, Type: m.type, ReadOnly: m.readOnly === true };
        if (m.bindOptions) mount.BindOptions = { Propagation: m.bindOptions.propagation };
        if (m.volumeOptions) {
            mount.VolumeOptions = {
                NoCopy: m.volumeOptions.noCopy,
                Labels: Object.fromEntries((m.volumeOptions.labels ?? []).map((l: any) => [l.label, l.value])),
                DriverConfig: m.volumeOptions.driverName
                    ? { Name: m.volumeOptions.driverName, Options: m.volumeOptions.driverOptions }
                    : undefined,
            };
        }
        if (m.tmpfsOptions) mount.TmpfsOptions = { SizeBytes: m.tmpfsOptions.sizeBytes, Mode: m.tmpfsOptions.mode };
        return mount;
    });
    const hc = i.healthcheck as Record<string, any> | undefined;
    rejectUnknownIn("healthcheck", hc, ["tests", "interval", "timeout", "retries", "startPeriod"]);
    rejectUnknownIn("capabilities", i.capabilities, ["adds", "drops"]);
    const ulimits = ((i.ulimits ?? []) as Record<string, any>[]).map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
    const hostConfig: Record<string, any> = {
        NetworkMode: i.networkMode,
        IpcMode: i.ipcMode,
        PidMode: i.pidMode,
        UsernsMode: i.usernsMode,
        CgroupnsMode: i.cgroupnsMode,
        CgroupParent: i.cgroupParent,
        PortBindings: bindings,
        PublishAllPorts: i.publishAllPorts === true,
        Mounts: mounts,
        RestartPolicy: { Name: i.restart ?? "no", MaximumRetryCount: i.maxRetryCount ?? 0 },
        AutoRemove: i.rm === true,
        ReadonlyRootfs: i.readOnly === true,
        Privileged: i.privileged === true,
        CapAdd: i.capabilities?.adds,
        CapDrop: i.capabilities?.drops,
        SecurityOpt: i.securityOpts,
        Init: i.init,
        Tmpfs: i.tmpfs,
        Sysctls: i.sysctls,
        Dns: i.dns,
        DnsOptions: i.dnsOpts,
        DnsSearch: i.dnsSearches,
        ExtraHosts: (i.hosts as { host: string; ip: string }[] | undefined)?.map((h) => `${h.host}:${h.ip}`),
        GroupAdd: i.groupAdds,
        Ulimits: ulimits.length ? ulimits : undefined,
        LogConfig: i.logDriver || i.logOpts ? { Type: i.logDriver ?? "", Config: i.logOpts ?? {} } : undefined,
        Memory: i.memory !== undefined ? i.memory * MIB : undefined,
        MemorySwap: i.memorySwap !== undefined ? (i.memorySwap > 0 ? i.memorySwap * MIB : i.memorySwap) : undefined,
        MemoryReservation: i.memoryReservation !== undefined ? i.memoryReservation * MIB : undefined,
        NanoCpus: i.cpus !== undefined ? Math.round(Number(i.cpus) * 1e9) : undefined,
        CpuShares: i.cpuShares,
        CpusetCpus: i.cpuSet,
        CpuPeriod: i.cpuPeriod,
        CpuQuota: i.cpuQuota,
        ShmSize: i.shmSize !== undefined ? i.shmSize * MIB : undefined,
    };
    if (i.cpus !== undefined && !Number.isFinite(Number(i.cpus))) throw new Error(`realizer: cpus "${i.cpus}" is not a number`);
    return {
        name: i.name,
        Image: i.image,
        Entrypoint: i.entrypoints,
        Cmd: i.command,
        Env: i.envs,
        WorkingDir: i.workingDir,
        User: i.user,
        Hostname: i.hostname,
        Domainname: i.domainname,
        Labels: Object.fromEntries(((i.labels ?? []) as { label: string; value: string }[]).map((l) => [l.label, l.value])),
        ExposedPorts: exposed,
        Tty: i.tty === true,
        OpenStdin: i.stdinOpen === true,
        StopSignal: i.stopSignal,
        StopTimeout: i.stopTimeout,
        Healthcheck: hc
            ? {
                  Test: hc.tests,
                  Interval: goDurationNs(hc.interval),
                  Timeout: goDurationNs(hc.timeout),
                  StartPeriod: goDurationNs(hc.startPeriod),
                  Retries: hc.retries ?? 0,
              }
            : undefined,
        HostConfig: Object.fromEntries(Object.entries(hostConfig).filter(([, v]) => v !== undefined)),
    } as Docker.ContainerCreateOptions;
}
