import { isCgroupPath, isDns1123Label, isSliceName, podCgroupPath, podSliceName, shellQuote } from "../../../sdk/core/names";

describe("names", () => {
    test.each(["foo", "a", "web-1", "a".repeat(63), "0abc"])("%s is a DNS-1123 label", (n) => expect(isDns1123Label(n)).toBe(true));
    test.each(["", "Foo", "-a", "a-", "a_b", "a.b", "a".repeat(64), "x; rm -rf /", "a b", "ü"])("%j is not", (n) =>
        expect(isDns1123Label(n)).toBe(false),
    );

    test("pod slices never nest by accident: '-' in a pod name becomes '_'", () => {
        expect(podSliceName("dockerpod.slice", "foo")).toBe("dockerpod-foo.slice");
        expect(podSliceName("dockerpod.slice", "web-1")).toBe("dockerpod-web_1.slice");
        expect(podSliceName("team-a.slice", "web-1")).toBe("team-a-web_1.slice");
    });

    test.each(["dockerpod.slice", "a-b.slice", "kube_pods.slice"])("%s is a slice name", (n) => expect(isSliceName(n)).toBe(true));
    test.each(["dockerpod", "-.slice", "a--b.slice", "a/b.slice", "a b.slice", "$(x).slice", "/dockerpod"])("%j is not", (n) =>
        expect(isSliceName(n)).toBe(false),
    );

    test.each(["/dockerpod", "/a/b", "/docker.pods"])("%s is a cgroup path", (p) => expect(isCgroupPath(p)).toBe(true));
    test.each(["dockerpod", "/", "/a/../b", "/a/./b", "/a b", "/a;b", "//a", "/a/"])("%j is not", (p) =>
        expect(isCgroupPath(p)).toBe(false),
    );

    test("cgroupfs pod path and shell quoting", () => {
        expect(podCgroupPath("/dockerpod", "foo")).toBe("/dockerpod/foo");
        expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    });
});
