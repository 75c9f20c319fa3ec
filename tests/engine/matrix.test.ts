// This host's row of the README's tested matrix, from what its daemon reports.
import * as fs from "fs";
import { expectInReadme } from "../support/matrix";
import { docker, requireEngine } from "./helpers";

beforeAll(requireEngine);

test("the README's tested matrix has this host's row (the engine suites: the local daemon)", async () => {
    const version = await docker.version();
    const info = (await docker.info()) as { CgroupVersion: string; CgroupDriver: string };
    const os = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync("/etc/os-release", "utf8"))![1];
    expectInReadme({
        os,
        docker: version.Version,
        api: version.ApiVersion,
        cgroupVersion: info.CgroupVersion,
        drivers: info.CgroupDriver,
        reached: "local socket; slice by local Command",
        suite: "tests/engine",
    });
});
