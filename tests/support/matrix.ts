// The README's tested matrix: each environment a suite runs on writes its own
// row from what the daemon and the OS report, and the README must hold it.
import * as fs from "fs";
import * as path from "path";

export const README = path.resolve(__dirname, "../../README.md");

export interface TestedOn {
    /** PRETTY_NAME of /etc/os-release. */
    os: string;
    /** `docker version -f '{{.Server.Version}}'`. */
    docker: string;
    /** `docker version -f '{{.Server.APIVersion}}'`. */
    api: string;
    /** `docker info -f '{{.CgroupVersion}}'`. */
    cgroupVersion: string;
    /** The cgroup drivers the suite runs pods with. */
    drivers: string;
    /** How the pod's resources reach the daemon and the host. */
    reached: string;
    suite: string;
}

export function matrixRow(t: TestedOn): string {
    return `| ${t.os} | ${t.docker} | ${t.api} | v${t.cgroupVersion} | ${t.drivers} | ${t.reached} | ${t.suite} |`;
}

/** Fails, printing the row to add, when the README's tested matrix lacks this environment's row. */
export function expectInReadme(t: TestedOn): void {
    const row = matrixRow(t);
    const lines = fs.readFileSync(README, "utf8").split("\n");
    if (!lines.includes(row)) throw new Error(`README.md's tested matrix has no row for this environment; add:\n${row}`);
}
