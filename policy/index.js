// The dockerpod policy pack: `pulumi preview --policy-pack <this folder>`.
// The policies are built from the package's compiled SDK (README, "Pod Security Standards").
require("../bin/sdk/policy/pack").servePolicyPack();
